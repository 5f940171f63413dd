"""Reading choice fields the way people write them: the code, the label in Chinese or English, or (for the
reference lists of careforce.core.vocabulary) any synonym of the entry."""

from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.utils import translation

from careforce.core import vocabulary
from careforce.core.validators import normalize_text

_YES = {"1", "true", "yes", "y", "是", "有", "已签", "已签订", "on", "√"}
_NO = {"0", "false", "no", "n", "否", "无", "未签", "未签订", "off", "×", ""}


@lru_cache(maxsize=64)
def _lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        table[vocabulary.match_key(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                table.setdefault(vocabulary.match_key(str(label)), value)
    return table


def parse_choice(
    raw: object, choices: type[models.TextChoices], *, vocab: vocabulary.Vocabulary | None = None
) -> str | None:
    """The choice's value, or None when `raw` names none of them. A reference list resolves through the
    vocabulary (labels and synonyms; `vocab`, a batch's snapshot, else the shared tables); other choices by
    code or label in either language, whatever the active one, so the answer does not depend on the request."""
    list_name = vocabulary.list_of(choices)
    if list_name is not None:
        return (vocab or vocabulary).resolve(list_name, raw)
    return _lookup(choices).get(vocabulary.match_key(raw))


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
