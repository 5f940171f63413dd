"""Reading choice fields the way people write them: the code, or the label in Chinese or English."""

from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.utils import translation

from careforce.core.validators import normalize_text

# Words officials write for a choice besides its label (the labels themselves come from the catalogues).
ALIASES: dict[str, str] = {
    "初中": "junior_high",
    "小学": "junior_high",
    "初中及以下": "junior_high",
    "文盲": "junior_high",
    "高中": "senior_high",
    "中专": "senior_high",
    "职高": "senior_high",
    "技校": "senior_high",
    "中职": "senior_high",
    "专科": "college",
    "高职": "college",
    "大学专科": "college",
    "大学本科": "bachelor",
    "学士": "bachelor",
    "硕士": "postgraduate",
    "博士": "postgraduate",
    "研究生": "postgraduate",
    "城镇户口": "urban",
    "非农业": "urban",
    "非农业户口": "urban",
    "城市": "urban",
    "农业": "rural",
    "农业户口": "rural",
    "农村户口": "rural",
    "乡村": "rural",
}

_YES = {"1", "true", "yes", "y", "是", "有", "已签", "已签订", "on", "√"}
_NO = {"0", "false", "no", "n", "否", "无", "未签", "未签订", "off", "×", ""}


@lru_cache(maxsize=64)
def _lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        table[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                table[normalize_text(str(label)).lower()] = value
    return table


def parse_choice(raw: object, choices: type[models.TextChoices]) -> str | None:
    """The choice's value, or None when `raw` names none of them."""
    return _parse_text(normalize_text(raw).lower(), choices)


@lru_cache(maxsize=4096)
def _parse_text(text: str, choices: type[models.TextChoices]) -> str | None:
    # Cached: a roster writes the same few words in every row. Labels are read in both languages
    # whatever the active one, so the answer does not depend on the request.
    value = _lookup(choices).get(text)
    if value is None and ALIASES.get(text) in choices.values:
        value = ALIASES[text]
    return value


def choice_labels(choices: type[models.TextChoices]) -> str:
    return "、".join(str(label) for label in choices.labels)


def parse_bool(raw: object) -> bool | None:
    """是/否, Y/N, true/false, 1/0 and booleans; None when it is none of them."""
    if isinstance(raw, bool):
        return raw
    text = normalize_text(raw).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None
