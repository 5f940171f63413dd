"""The reference lists an input maps to (来源渠道, 职业, 学历 …) and the one resolver every input goes through.

Each list has entries (a code, and the entry's labels: its name in Chinese and English, its national code);
each entry carries synonyms as data (`core.Synonym`: the policy's phrases, official variants, old labels),
loaded by migration and added by administrators. A typed phrase is matched on its *match key* (width folded
by NFKC, every bracket form the same, spacing dropped, case folded), computed on both sides, so
`院长（机构负责人）` typed, exported or pasted with half-width brackets finds the same entry. What is stored is
the entry (its code or row), never the typed text, and never a folded label.

The forms, the API and the importer resolve through `resolve()` (or a `Vocabulary` snapshot held for one
batch, which is what an import's helper process uses: it must not query).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Every form of bracket counts as the round one: 【】, 〔〕, ［］, [] and {} as （）/().
_BRACKETS = str.maketrans(
    {
        "[": "(",
        "【": "(",
        "〔": "(",
        "〖": "(",
        "{": "(",
        "]": ")",
        "】": ")",
        "〕": ")",
        "〗": ")",
        "}": ")",
    }
)
_DROP = re.compile(r"[\s\x00-\x1f\x7f\u200b-\u200d\ufeff]+")


def match_key(raw: object) -> str:
    """What two phrases must share to name the same entry: NFKC (full-width → half-width), one bracket form,
    no spacing, case folded. Used for matching only; nothing is stored folded but this key itself."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw)).translate(_BRACKETS)
    return _DROP.sub("", text).casefold()


@dataclass(frozen=True)
class Entry:
    code: str
    labels: tuple[str, ...]  # the entry's own names: what exports write, what the list shows


def _choice_entries(path: str) -> Callable[[], list[Entry]]:
    def load() -> list[Entry]:
        app_label, _models, name = path.partition(".models.")
        choices = getattr(import_module(f"{apps.get_app_config(app_label).name}.models"), name)
        entries = []
        for value, label in zip(choices.values, choices.labels, strict=True):
            names = []
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    names.append(str(label))
            entries.append(Entry(value, tuple(names)))
        return entries

    return load


def _occupation_entries() -> list[Entry]:
    Occupation = apps.get_model("registry", "Occupation")
    return [
        Entry(code, tuple(x for x in (name, standard_code) if x))
        for code, name, standard_code in Occupation.objects.values_list("code", "name", "standard_code")
    ]


def _complaint_channel_entries() -> list[Entry]:
    ComplaintChannel = apps.get_model("conduct", "ComplaintChannel")
    return [Entry(code, (name,)) for code, name in ComplaintChannel.objects.values_list("code", "name")]


def _skill_level_entries() -> list[Entry]:
    SkillLevel = apps.get_model("skills", "SkillLevel")
    return [
        Entry(code, tuple(x for x in (name, grade) if x))
        for code, name, grade in SkillLevel.objects.values_list("code", "name", "national_grade")
    ]


def _post_entries() -> list[Entry]:
    Post = apps.get_model("staffing", "Post")
    return [Entry(code, (name,)) for code, name in Post.objects.values_list("code", "name")]


@dataclass(frozen=True)
class VocabularyList:
    name: str
    label: Promise | str
    column: str  # the import column (header) that maps to it; empty: forms and API only
    entries: Callable[[], list[Entry]]
    choices: str = ""  # "app.models.Class" of a choice list


def _choice_list(name: str, label: Promise, column: str, path: str) -> VocabularyList:
    return VocabularyList(name, label, column, _choice_entries(path), choices=path)


LISTS: dict[str, VocabularyList] = {
    item.name: item
    for item in (
        _choice_list("source_channel", _("Source channel"), "来源渠道", "registry.models.SourceChannel"),
        VocabularyList("occupation", _("Occupation"), "职业", _occupation_entries),
        _choice_list("team", _("Team"), "人员类别", "registry.models.Team"),
        _choice_list("education", _("Education"), "学历", "registry.models.Education"),
        _choice_list("hukou_type", _("Hukou type"), "户籍类型", "registry.models.HukouType"),
        VocabularyList("skill_level", _("Skill level"), "等级", _skill_level_entries),
        _choice_list("evaluator_kind", _("Evaluated by"), "评价人", "conduct.models.EvaluatorKind"),
        VocabularyList("complaint_channel", _("Channel"), "投诉渠道", _complaint_channel_entries),
        _choice_list("penalty_kind", _("Penalty"), "", "conduct.models.PenaltyKind"),
        # No import column: the roster keeps the post as typed and resolves it beside (Employment.post_ref).
        VocabularyList("post", _("Post"), "", _post_entries),
    )
}
_BY_CHOICES = {item.choices: item.name for item in LISTS.values() if item.choices}


def list_of(choices: type) -> str | None:
    """The reference list a TextChoices class is, if it is one (careforce.<app>.models.<Class>)."""
    app_label = choices.__module__.rsplit(".", 2)[-2]
    return _BY_CHOICES.get(f"{app_label}.models.{choices.__name__}")


def list_choices() -> list[tuple[str, Any]]:
    return [(item.name, item.label) for item in LISTS.values()]


class Vocabulary:
    """The lists' lookup tables, loaded once per list: match key → entry code. A snapshot: it does not see
    later changes (an import keeps one for its whole run, so every row is read against the same lists)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}
        self._entries: dict[str, list[Entry]] = {}
        self.loaded_at: dict[str, float] = {}

    def load(self, list_name: str) -> dict[str, str]:
        Synonym = apps.get_model("core", "Synonym")
        entries = LISTS[list_name].entries()
        table: dict[str, str] = {}
        # Codes and labels first: a synonym never takes a label's place.
        for entry in entries:
            table.setdefault(match_key(entry.code), entry.code)
        for entry in entries:
            for label in entry.labels:
                table.setdefault(match_key(label), entry.code)
        codes = {entry.code for entry in entries}
        for entry_code, key in Synonym.objects.filter(list_name=list_name).values_list("entry", "key"):
            if entry_code in codes:
                table.setdefault(key, entry_code)
        self._tables[list_name] = table
        self._entries[list_name] = entries
        self.loaded_at[list_name] = time.monotonic()
        return table

    def prime(self, names: Iterable[str] | None = None) -> None:
        for name in names or LISTS:
            if name not in self._tables:
                self.load(name)

    def table(self, list_name: str) -> dict[str, str]:
        return self._tables.get(list_name) or self.load(list_name)

    def entries(self, list_name: str) -> list[Entry]:
        self.table(list_name)
        return self._entries[list_name]

    def resolve(self, list_name: str, raw: object) -> str | None:
        """The code of the entry `raw` names, or None."""
        return self.table(list_name).get(match_key(raw))


# The process's shared tables. A miss reloads the list (at most once a second), so a synonym or an
# occupation an administrator has just added is found at once, also in another process; a change of an
# existing phrase is seen within a minute, or at once in the process that made it (signals clear it).
_shared = Vocabulary()
_RELOAD_ON_MISS_AFTER = 1.0
_MAX_AGE = 60.0


def resolve(list_name: str, raw: object) -> str | None:
    """The code of the entry of list `list_name` that `raw` names (code, label or synonym), or None."""
    key = match_key(raw)
    if not key:
        return None
    age = time.monotonic() - _shared.loaded_at.get(list_name, -1e9)
    if age > _MAX_AGE:
        _shared.load(list_name)
        age = 0.0
    code = _shared.table(list_name).get(key)
    if code is None and age > _RELOAD_ON_MISS_AFTER:
        code = _shared.load(list_name).get(key)
    return code


def snapshot() -> Vocabulary:
    """A fresh set of tables for one batch (loaded on first use of each list)."""
    return Vocabulary()


def clear(*_args: Any, **_kwargs: Any) -> None:
    """Forget the shared tables (a signal receiver: synonyms or occupations changed)."""
    _shared._tables.clear()
    _shared._entries.clear()
    _shared.loaded_at.clear()


def synonyms_by_entry(list_name: str) -> dict[str, list[str]]:
    """Entry code → its synonyms as stored, in the order they were added (for docs and the admin)."""
    Synonym = apps.get_model("core", "Synonym")
    out: dict[str, list[str]] = {}
    for entry, phrase in (
        Synonym.objects.filter(list_name=list_name).order_by("id").values_list("entry", "phrase")
    ):
        out.setdefault(entry, []).append(phrase)
    return out
