"""Pinyin search keys for Chinese names: full pinyin ("zhangsan") and initials ("zs")."""

from __future__ import annotations

from functools import cache, lru_cache

from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

# Surnames whose reading as a name differs from the character's everyday reading, which is what pypinyin
# gives by default (曾 ceng → zeng, 单 dan → shan). Compound surnames first so they match before single ones.
SURNAME_READINGS: dict[str, list[str]] = {
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "长孙": ["zhang", "sun"],
    "单于": ["chan", "yu"],
    "澹台": ["tan", "tai"],
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "区": ["ou"],
    "仇": ["qiu"],
    "朴": ["piao"],
    "乐": ["yue"],
    "查": ["zha"],
    "翟": ["zhai"],
    "盖": ["ge"],
    "缪": ["miao"],
    "覃": ["qin"],
    "召": ["shao"],
    "折": ["she"],
    "种": ["chong"],
    "秘": ["bi"],
    "冼": ["xian"],
    "卜": ["bu"],
    "柏": ["bai"],
    "繁": ["po"],
    "员": ["yun"],
    "蕃": ["pi"],
    "句": ["gou"],
    "隗": ["wei"],
    "阚": ["kan"],
    "过": ["guo"],
    "华": ["hua"],
    "任": ["ren"],
    "能": ["nai"],
    "宿": ["su"],
    "尉": ["yu"],
    "相": ["xiang"],
    "都": ["du"],
    "沈": ["shen"],
    "薄": ["bo"],
    "藏": ["zang"],
    "殷": ["yin"],
    "重": ["chong"],
    "石": ["shi"],
    "车": ["che"],
    "长": ["chang"],
    "贾": ["jia"],
    "燕": ["yan"],
}
_COMPOUND = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)


_LONGEST_PHRASE = max(len(phrase) for phrase in PHRASES_DICT)


@cache
def _character(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, errors="ignore"))


def _reading(text: str) -> list[str]:
    """lazy_pinyin(text), character by character when no phrase of pypinyin's dictionary occurs in it.

    pypinyin reads a phrase as a whole (长江 → chang jiang, not zhang) and everything else one character
    at a time; most names contain no phrase, and for those this gives the same answer in a few
    microseconds instead of the ~100 µs of pypinyin's segmentation (an import reads 100,000 names)."""
    n = len(text)
    for start in range(n - 1):
        for end in range(start + 2, min(n, start + _LONGEST_PHRASE) + 1):
            if text[start:end] in PHRASES_DICT:
                return lazy_pinyin(text, errors="ignore")
    return [syllable for char in text for syllable in _character(char)]


def _syllables(name: str) -> list[str]:
    for surname in _COMPOUND:
        if name.startswith(surname):
            return SURNAME_READINGS[surname] + _reading(name[len(surname) :])
    head = SURNAME_READINGS.get(name[:1])
    if head is not None:
        return head + _reading(name[1:])
    return _reading(name)


@lru_cache(maxsize=200_000)
def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII, memoised because bulk paths see the same names often."""
    syllables = [s.lower() for s in _syllables(name) if s.isascii() and s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def is_pinyin_query(text: str) -> bool:
    return bool(text) and text.isascii() and text.isalpha()
