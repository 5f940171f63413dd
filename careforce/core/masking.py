"""How personal data looks on screen and in exports when the viewer may not see it whole."""

ID_MASK = "********"


def mask_id_number(region_code: str, last4: str) -> str:
    if not region_code or not last4:
        return ""
    return f"{region_code}{ID_MASK}{last4}"


def mask_phone(prefix3: str, last4: str) -> str:
    if not prefix3 or not last4:
        return ""
    return f"{prefix3}****{last4}"


def is_masked(value: str) -> bool:
    """A value in the shape of our masks (for instance in a re-uploaded export) means 'unchanged'."""
    return "****" in (value or "")
