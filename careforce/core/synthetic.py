"""Valid-looking synthetic identifiers for demo data, tests and benchmarks (never real people)."""

from __future__ import annotations

import datetime
import random

from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_number(rng: random.Random, *, region: str, birth: datetime.date, sequence: int | None = None) -> str:
    """An 18-character resident ID number with a correct check character."""
    seq = rng.randrange(0, 1000) if sequence is None else sequence % 1000
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(rng: random.Random, *, region: str, prefix: str = "52") -> str:
    """A unified social credit code (52 = private non-enterprise unit, typical of care homes)."""
    body = prefix + region + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randrange(0, 10**9):09d}"
