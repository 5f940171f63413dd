import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from careforce.core.synthetic import credit_code, id_number
from careforce.core.validators import (
    _already_normal,
    _normalize,
    normalize_text,
    parse_id_number,
    parse_phone,
    parse_uscc,
)

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
TODAY = datetime.date(2026, 11, 29)


@st.composite
def valid_ids(draw):
    birth = draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2008, 12, 31)))
    region = draw(st.sampled_from(["500103", "500112", "510104", "360426", "110105"]))
    return id_number(random.Random(draw(st.integers(0, 10**6))), region=region, birth=birth)


@st.composite
def noisy(draw, number):
    text = number
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if draw(st.booleans()):
        text = text.lower()
    spaces = st.sampled_from(["", " ", "\u3000", "\t", "  "])
    cut = draw(st.integers(0, len(text)))
    return draw(spaces) + text[:cut] + draw(spaces) + text[cut:] + draw(spaces)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), number=valid_ids())
def test_it_normalises_input_noise_to_the_same_number(data, number):
    parsed = parse_id_number(data.draw(noisy(number)), today=TODAY)
    assert parsed.value == number
    assert parsed.birth_date == datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.gender == ("M" if int(number[16]) % 2 else "F")
    assert parsed.last4 == number[-4:]


@settings(max_examples=300, deadline=None)
@given(number=valid_ids(), position=st.integers(0, 16), delta=st.integers(1, 9))
def test_it_rejects_any_single_digit_change(number, position, delta):
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(changed, today=TODAY)


def test_it_accepts_the_reference_vectors():
    assert parse_id_number("360426199101010071", today=TODAY).gender == "M"
    female = parse_id_number("11010519491231002x", today=TODAY)
    assert female.value == "11010519491231002X" and female.gender == "F"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("36042619910101007", "length"),
        ("360426199101010072", "checksum"),
        ("36042619910230007X", "birth_date"),
        ("3604261991010100A1", "format"),
        ("360426910101007", "old_format"),
    ],
)
def test_it_names_what_is_wrong(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(raw, today=TODAY)
    assert exc.value.code == code


def test_it_refuses_implausible_ages():
    child = id_number(random.Random(1), region="500103", birth=datetime.date(2015, 1, 1))
    with pytest.raises(ValidationError) as exc:
        parse_id_number(child, today=TODAY)
    assert exc.value.code == "birth_date_implausible"


def test_an_unknown_region_is_a_warning_not_an_error():
    # 500103 (渝中区) dates from 1997; a 1960 birth with it is normal in Chongqing and must pass.
    old = id_number(random.Random(2), region="500103", birth=datetime.date(1960, 5, 5))
    assert parse_id_number(old, today=TODAY).region_known
    unknown = id_number(random.Random(3), region="509999", birth=datetime.date(1980, 5, 5))
    assert not parse_id_number(unknown, today=TODAY).region_known


def test_credit_codes():
    assert parse_uscc(" 91110000600037341l ") == "91110000600037341L"
    assert parse_uscc(credit_code(random.Random(4), region="500103"))
    for bad in ("91110000600037341M", "9111000060003734", "9111000060003734IO"):
        with pytest.raises(ValidationError):
            parse_uscc(bad)


def test_phones():
    assert parse_phone("138 1234 5678") == "13812345678"
    assert parse_phone("+86 13812345678") == "13812345678"
    assert parse_phone("１３８１２３４５６７８") == "13812345678"
    for bad in ("12812345678", "1381234567", "023-63891234"):
        with pytest.raises(ValidationError):
            parse_phone(bad)


# Cells as rosters bring them: Chinese, full-width forms, every kind of space and control character.
CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(" \t\n\r\x00\x1f\x7f\u3000\u00a0\u2003\u200b\ufeff０１Ｘｘ张三李四（）"),
    ),
    max_size=40,
)


@settings(max_examples=3000, deadline=None)
@given(CELL_TEXT)
def test_cells_returned_as_they_are_are_exactly_those_normalising_leaves_alone(text):
    assert normalize_text(text) == _normalize(text)
    if _already_normal(text):
        assert _normalize(text) == text


def test_normalising_text_trims_folds_and_widens():
    assert normalize_text("  张\u3000\u3000三 ") == "张 三"
    assert normalize_text("１３８\x00") == "138"
    assert normalize_text("张三") == "张三"
    assert normalize_text(None) == ""
    assert normalize_text(2024) == "2024"
