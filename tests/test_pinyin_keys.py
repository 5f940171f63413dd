"""The pinyin search keys: the fast character-by-character reading must equal pypinyin's own."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from careforce.registry import pinyin

HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
COMMON = st.sampled_from(list("王李张曾单长重行乐朝会调和觉都江国华建明红平"))
NAMES = st.text(st.one_of(HANZI, COMMON, st.sampled_from(list("·AbZ 1."))), min_size=1, max_size=6)


@settings(max_examples=3000, deadline=None)
@given(NAMES)
def test_the_fast_reading_is_pypinyins_reading(text):
    assert pinyin._reading(text) == lazy_pinyin(text, errors="ignore")


def test_phrases_are_read_as_phrases_and_surnames_as_surnames():
    assert pinyin._reading("长江") == ["chang", "jiang"]
    assert pinyin.search_keys("曾长江") == ("zengchangjiang", "zcj")
    assert pinyin.search_keys("张三") == ("zhangsan", "zs")
