"""Property: with the default rule, the score stays within its range and moves the right way with each
factor (more service, training, skill or better evaluations never lower it; more complaints, penalties or a
listing never raise it)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careforce.credit import compute

pytestmark = pytest.mark.django_db

MEASURES = st.fixed_dictionaries(
    {
        "years_of_service": st.floats(0, 60, allow_nan=False).map(lambda x: round(x, 1)),
        "training_hours": st.floats(0, 2000, allow_nan=False).map(lambda x: round(x, 1)),
        "skill_level": st.integers(0, 8),
        "evaluation_count": st.integers(0, 50),
        "evaluation_average": st.one_of(
            st.none(), st.floats(1, 5, allow_nan=False).map(lambda x: round(x, 2))
        ),
        "complaints": st.integers(0, 20),
        "penalty_warning": st.integers(0, 5),
        "penalty_fine": st.integers(0, 5),
        "penalty_dismissal": st.integers(0, 3),
        "penalty_trade_ban": st.integers(0, 2),
        "dishonesty_listed": st.booleans(),
    }
)
UP = {"years_of_service": 1.5, "training_hours": 12.0, "skill_level": 1}
DOWN = {
    "complaints": 1,
    "penalty_warning": 1,
    "penalty_fine": 1,
    "penalty_dismissal": 1,
    "penalty_trade_ban": 1,
}


@pytest.fixture(scope="module")
def rule(django_db_blocker):
    with django_db_blocker.unblock():
        return compute.active_rule()


@settings(max_examples=300, deadline=None)
@given(m=MEASURES)
def test_the_score_stays_in_range_and_moves_the_right_way(rule, m):
    score, grade, _parts = compute.score_of(rule, m)
    assert rule.lo <= score <= rule.hi
    assert grade in {g for _min, g, _l in rule.bands}
    for name, step in UP.items():
        better = {**m, name: min(m[name] + step, 8) if name == "skill_level" else m[name] + step}
        assert compute.score_of(rule, better)[0] >= score
    for name, step in DOWN.items():
        assert compute.score_of(rule, {**m, name: m[name] + step})[0] <= score
    assert compute.score_of(rule, {**m, "dishonesty_listed": True})[0] <= score
    if m["evaluation_count"] and m["evaluation_average"] is not None:
        higher = {**m, "evaluation_average": min(5.0, m["evaluation_average"] + 0.5)}
        assert compute.score_of(rule, higher)[0] >= score


@settings(max_examples=100, deadline=None)
@given(m=MEASURES)
def test_the_stored_row_round_trips(rule, m):
    row = compute.row_for(rule, m)
    assert row[0] == compute.score_of(rule, m)[0]
    assert row == compute.row_for(rule, dict(zip(compute.ROW_FIELDS[3:], row[3:], strict=True)))
