"""ConnectionSet: algebra against a plain-set model, the reference text format, parse/str."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netviz.engine import ConnectionSet
from netviz.engine.connections import MAX_PORT, MIN_PORT, PROTOCOL_ORDER

# A small model: ports near both ends of the range, so every range is enumerable.
PORTS = list(range(1, 13)) + list(range(65528, 65536))


@st.composite
def conn_sets(draw: st.DrawFn) -> ConnectionSet:
    by: dict[str, list[tuple[int, int]]] = {}
    for proto in PROTOCOL_ORDER:
        for _ in range(draw(st.integers(0, 3))):
            a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
            by.setdefault(proto, []).append((a, b))
    out = ConnectionSet.none()
    for proto, ranges in by.items():
        for a, b in ranges:
            out = out | ConnectionSet.of(proto, a, b)
    if draw(st.integers(0, 9)) == 0:
        out = out | ConnectionSet.all()
    return out


def model(c: ConnectionSet) -> set[tuple[str, int]]:
    """The set restricted to the probe ports."""
    return {(p, n) for p in PROTOCOL_ORDER for n in PORTS if c.contains(p, n)}


def well_formed(c: ConnectionSet) -> bool:
    """Ranges sorted, disjoint, not adjacent, within 1..65535; no empty protocol."""
    for _p, ranges in c.items():
        if not ranges:
            return False
        prev = MIN_PORT - 2
        for lo, hi in ranges:
            if not (MIN_PORT <= lo <= hi <= MAX_PORT) or lo <= prev + 1:
                return False
            prev = hi
    return True


@settings(max_examples=200, deadline=None)
@given(conn_sets(), conn_sets())
def test_algebra_matches_set_model(a: ConnectionSet, b: ConnectionSet) -> None:
    assert model(a | b) == model(a) | model(b)
    assert model(a & b) == model(a) & model(b)
    assert model(a - b) == model(a) - model(b)
    for c in (a | b, a & b, a - b):
        assert well_formed(c)
    assert (a <= b) == (a - b).is_empty()
    assert (a | b) == (b | a)
    assert (a & b) == (b & a)
    assert ((a - b) | (a & b)) == a


@settings(max_examples=200, deadline=None)
@given(conn_sets())
def test_str_parse_round_trip(c: ConnectionSet) -> None:
    text = str(c)
    assert ConnectionSet.parse(text) == c
    assert hash(ConnectionSet.parse(text)) == hash(c)
    protos = [part.split(" ")[0] for part in text.split(",") if " " in part]
    if not c.is_empty() and not c.is_all():
        assert protos == sorted(protos)  # alphabetical protocols


@pytest.mark.parametrize(
    ("conns", "text"),
    [
        pytest.param(ConnectionSet.all(), "All Connections", id="all"),
        pytest.param(ConnectionSet.none(), "No Connections", id="none"),
        pytest.param(ConnectionSet.of("TCP", 80), "TCP 80", id="one-port"),
        pytest.param(ConnectionSet.of("TCP", 8080, 8090), "TCP 8080-8090", id="range"),
        pytest.param(ConnectionSet.of("UDP"), "UDP 1-65535", id="one-whole-protocol"),
        pytest.param(
            ConnectionSet.of("UDP", 53) | ConnectionSet.of("TCP", 8080, 8090)
            | ConnectionSet.of("SCTP", 9003) | ConnectionSet.of("TCP", 80),
            "SCTP 9003,TCP 80,8080-8090,UDP 53",
            id="reference-format-alphabetical",
        ),
        pytest.param(
            ConnectionSet.of("TCP", 80, 81) | ConnectionSet.of("TCP", 82), "TCP 80-82", id="adjacent-merge"
        ),
        pytest.param(
            ConnectionSet.of("TCP") | ConnectionSet.of("UDP") | ConnectionSet.of("SCTP"),
            "All Connections",
            id="every-protocol-is-all",
        ),
        pytest.param(ConnectionSet.all() - ConnectionSet.of("TCP", 1, 65534),
                     "SCTP 1-65535,TCP 65535,UDP 1-65535", id="all-minus-most-tcp"),
        pytest.param(ConnectionSet.of("TCP", 0, 70000), "TCP 1-65535", id="of-clamps"),
    ],
)
def test_text(conns: ConnectionSet, text: str) -> None:
    assert str(conns) == text
    assert ConnectionSet.parse(text) == conns


def test_parse_tolerates_blank_and_spaces() -> None:
    assert ConnectionSet.parse("") == ConnectionSet.none()
    assert ConnectionSet.parse("  All Connections ") == ConnectionSet.all()
    assert ConnectionSet.parse("TCP 80, 443,UDP 53") == ConnectionSet.of("TCP", 80) | ConnectionSet.of(
        "TCP", 443
    ) | ConnectionSet.of("UDP", 53)


def test_queries() -> None:
    c = ConnectionSet.of("TCP", 80, 90) | ConnectionSet.of("UDP", 53)
    assert c.contains("TCP", 80) and c.contains("TCP", 90) and not c.contains("TCP", 91)
    assert not c.contains("SCTP", 80)
    assert c.protocols() == ("TCP", "UDP")
    assert c.ranges("TCP") == ((80, 90),)
    assert c.ranges("SCTP") == ()
    assert bool(c) and not bool(ConnectionSet.none())
    assert ConnectionSet.all().is_all() and not c.is_all()
    assert ConnectionSet.none().is_empty()
    assert ConnectionSet.of("TCP", 80) <= c
    assert not c <= ConnectionSet.of("TCP", 80)
    assert repr(ConnectionSet.of("TCP", 80)) == "ConnectionSet('TCP 80')"


def test_identities() -> None:
    a = ConnectionSet.of("TCP", 80) | ConnectionSet.of("SCTP", 5, 9)
    assert (a | ConnectionSet.none()) == a
    assert (a & ConnectionSet.all()) == a
    assert (a & ConnectionSet.none()) == ConnectionSet.none()
    assert (a | ConnectionSet.all()) == ConnectionSet.all()
    assert (a - a).is_empty()
    assert (ConnectionSet.all() - ConnectionSet.none()) == ConnectionSet.all()
    assert (ConnectionSet.all() - ConnectionSet.all()) == ConnectionSet.none()
