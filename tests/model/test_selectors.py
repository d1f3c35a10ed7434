"""LabelSelector / Requirement semantics (apimachinery ``labels.Requirement.Matches``)."""

from __future__ import annotations

import pytest

from netviz.model import LabelSelector, Requirement


@pytest.mark.parametrize(
    ("op", "values", "labels", "want"),
    [
        # In: the key must be present with a listed value
        pytest.param("In", ("a", "b"), {"k": "a"}, True, id="in-listed"),
        pytest.param("In", ("a", "b"), {"k": "c"}, False, id="in-not-listed"),
        pytest.param("In", ("a",), {}, False, id="in-missing-key"),
        pytest.param("In", ("",), {"k": ""}, True, id="in-empty-value"),
        # NotIn: a missing key matches
        pytest.param("NotIn", ("a",), {"k": "a"}, False, id="notin-listed"),
        pytest.param("NotIn", ("a",), {"k": "b"}, True, id="notin-not-listed"),
        pytest.param("NotIn", ("a",), {}, True, id="notin-missing-key"),
        pytest.param("NotIn", ("a",), {"other": "a"}, True, id="notin-other-key"),
        # Exists / DoesNotExist: only the key counts, not its value
        pytest.param("Exists", (), {"k": ""}, True, id="exists-empty-value"),
        pytest.param("Exists", (), {"K": "a"}, False, id="exists-case-sensitive"),
        pytest.param("Exists", (), {}, False, id="exists-missing"),
        pytest.param("DoesNotExist", (), {}, True, id="doesnotexist-missing"),
        pytest.param("DoesNotExist", (), {"k": ""}, False, id="doesnotexist-present"),
    ],
)
def test_requirement(op: str, values: tuple[str, ...], labels: dict[str, str], want: bool) -> None:
    assert Requirement("k", op, values).matches(labels) is want


def test_unknown_operator_raises() -> None:
    with pytest.raises(ValueError, match="Gt"):
        Requirement("k", "Gt", ("1",)).matches({"k": "2"})


@pytest.mark.parametrize(
    ("selector", "labels", "want"),
    [
        pytest.param(LabelSelector(), {}, True, id="empty-matches-no-labels"),
        pytest.param(LabelSelector(), {"a": "b"}, True, id="empty-matches-anything"),
        pytest.param(LabelSelector((("a", "1"),)), {"a": "1", "b": "2"}, True, id="labels-subset"),
        pytest.param(LabelSelector((("a", "1"),)), {"a": "2"}, False, id="labels-other-value"),
        pytest.param(LabelSelector((("a", "1"),)), {}, False, id="labels-missing"),
        pytest.param(LabelSelector((("a", ""),)), {}, False, id="labels-empty-value-needs-key"),
        pytest.param(LabelSelector((("a", ""),)), {"a": ""}, True, id="labels-empty-value"),
        pytest.param(
            LabelSelector((("a", "1"), ("b", "2"))), {"a": "1"}, False, id="labels-are-anded"
        ),
        pytest.param(
            LabelSelector((), (Requirement("a", "Exists"), Requirement("b", "DoesNotExist"))),
            {"a": "x"},
            True,
            id="expressions-anded-true",
        ),
        pytest.param(
            LabelSelector((), (Requirement("a", "Exists"), Requirement("b", "DoesNotExist"))),
            {"a": "x", "b": "y"},
            False,
            id="expressions-anded-false",
        ),
        pytest.param(
            LabelSelector((("a", "1"),), (Requirement("a", "NotIn", ("1",)),)),
            {"a": "1"},
            False,
            id="labels-and-expressions-contradict",
        ),
        pytest.param(
            LabelSelector((("a", "1"),), (Requirement("b", "In", ("x", "y")),)),
            {"a": "1", "b": "y"},
            True,
            id="labels-and-expressions",
        ),
    ],
)
def test_selector(selector: LabelSelector, labels: dict[str, str], want: bool) -> None:
    assert selector.matches(labels) is want


def test_is_empty() -> None:
    assert LabelSelector().is_empty
    assert not LabelSelector((("a", "1"),)).is_empty
    assert not LabelSelector((), (Requirement("a", "Exists"),)).is_empty


def test_str() -> None:
    assert str(LabelSelector()) == "{}"
    s = LabelSelector((("app", "web"),), (Requirement("tier", "In", ("a", "b")), Requirement("x", "Exists")))
    assert str(s) == "app=web, tier In (a, b), x Exists"
    assert str(Requirement("k", "DoesNotExist")) == "k DoesNotExist"
    assert str(Requirement("k", "NotIn", ("v",))) == "k NotIn (v)"


def test_selectors_are_hashable_values() -> None:
    a = LabelSelector((("a", "1"),), (Requirement("b", "In", ("x",)),))
    b = LabelSelector((("a", "1"),), (Requirement("b", "In", ("x",)),))
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, LabelSelector()}) == 2
