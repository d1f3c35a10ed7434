"""IPRange, ipBlock ranges and atoms (IPv4 and IPv6)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netviz.engine import IPRange
from netviz.engine.ipranges import atoms, block_ranges, subtract
from netviz.model import IPBlock

V4_MAX = (1 << 32) - 1
V6_MAX = (1 << 128) - 1


def r(text: str) -> IPRange:
    return IPRange.parse(text)


def test_constructors() -> None:
    assert IPRange.from_cidr("10.0.0.0/8") == IPRange(4, 0x0A000000, 0x0AFFFFFF)
    assert IPRange.from_cidr("10.1.2.3/8") == IPRange.from_cidr("10.0.0.0/8")  # not strict
    assert IPRange.from_ip("10.1.2.3") == IPRange(4, 0x0A010203, 0x0A010203)
    assert IPRange.from_ip("::1") == IPRange(6, 1, 1)
    assert IPRange.everything(4) == IPRange(4, 0, V4_MAX)
    assert IPRange.everything(6) == IPRange(6, 0, V6_MAX)
    assert IPRange.everything() == IPRange.everything(4)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("10.0.0.0/8", IPRange(4, 0x0A000000, 0x0AFFFFFF)),
        ("10.0.0.1", IPRange(4, 0x0A000001, 0x0A000001)),
        ("10.0.0.0-10.0.0.255", IPRange(4, 0x0A000000, 0x0A0000FF)),
        (" 0.0.0.0/0 ", IPRange(4, 0, V4_MAX)),
        ("fd00::/8", IPRange(6, 0xFD << 120, (0xFE << 120) - 1)),
        ("::-::ffff", IPRange(6, 0, 0xFFFF)),
    ],
)
def test_parse(text: str, want: IPRange) -> None:
    assert IPRange.parse(text) == want


@pytest.mark.parametrize("text", ["10.0.0.9-10.0.0.1", "10.0.0.1-::1", "not-an-ip", "10.0.0.256"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        IPRange.parse(text)


def test_text_forms() -> None:
    assert str(IPRange.everything(4)) == "0.0.0.0-255.255.255.255"
    assert str(r("10.0.0.0/8")) == "10.0.0.0-10.255.255.255"
    assert str(r("fd00::/16")) == "fd00::-fd00:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    assert r("10.0.0.0-10.0.1.255").cidrs() == ["10.0.0.0/23"]
    assert r("10.0.0.1-10.0.0.6").cidrs() == ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
    assert IPRange.everything(6).cidrs() == ["::/0"]


def test_contains_and_overlaps() -> None:
    big, small = r("10.0.0.0/8"), r("10.1.0.0/16")
    assert big.contains(small) and not small.contains(big)
    assert big.overlaps(small) and small.overlaps(big)
    assert not r("10.0.0.0/16").overlaps(r("10.1.0.0/16"))
    assert r("10.0.0.0-10.0.0.10").overlaps(r("10.0.0.10-10.0.0.20"))  # shared end point
    # families never mix, even with equal integers
    assert not IPRange(4, 0, 10).overlaps(IPRange(6, 0, 10))
    assert not IPRange.everything(6).contains(IPRange.from_ip("0.0.0.1"))


def test_subtract() -> None:
    assert subtract([r("10.0.0.0/16")], r("10.0.1.0/24")) == [
        r("10.0.0.0-10.0.0.255"),
        r("10.0.2.0-10.0.255.255"),
    ]
    assert subtract([r("10.0.0.0/16")], r("10.0.0.0/8")) == []
    assert subtract([r("10.0.0.0/16")], r("11.0.0.0/8")) == [r("10.0.0.0/16")]
    assert subtract([r("10.0.0.0/16")], r("::/0")) == [r("10.0.0.0/16")]


@pytest.mark.parametrize(
    ("block", "want"),
    [
        pytest.param(IPBlock("10.0.0.0/16"), ["10.0.0.0-10.0.255.255"], id="no-except"),
        pytest.param(
            IPBlock("10.0.0.0/16", ("10.0.1.0/24",)),
            ["10.0.0.0-10.0.0.255", "10.0.2.0-10.0.255.255"],
            id="except-in-the-middle",
        ),
        pytest.param(
            IPBlock("0.0.0.0/0", ("10.0.0.0/8", "192.168.0.0/16")),
            ["0.0.0.0-9.255.255.255", "11.0.0.0-192.167.255.255", "192.169.0.0-255.255.255.255"],
            id="two-excepts",
        ),
        pytest.param(IPBlock("10.0.0.0/24", ("10.0.0.0/24",)), [], id="except-everything"),
        pytest.param(
            IPBlock("10.0.0.0/24", ("10.0.0.0/25", "10.0.0.0/26")),
            ["10.0.0.128-10.0.0.255"],
            id="nested-excepts",
        ),
        pytest.param(
            IPBlock("::/0", ("fd00::/8",)),
            ["::-fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
            id="ipv6",
        ),
    ],
)
def test_block_ranges(block: IPBlock, want: list[str]) -> None:
    assert [str(x) for x in block_ranges(block)] == want


CIDRS4 = st.builds(
    lambda a, n: str(ipaddress.ip_network((a, n), strict=False)),
    st.integers(0, V4_MAX),
    st.integers(0, 32),
)
CIDRS6 = st.builds(
    lambda a, n: str(ipaddress.ip_network((a, n), strict=False)),
    st.integers(0, V6_MAX),
    st.integers(0, 128),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(CIDRS4, CIDRS6), max_size=6))
def test_atoms_partition(cidrs: list[str]) -> None:
    ranges = [IPRange.from_cidr(c) for c in cidrs]
    out = atoms(ranges)
    families = sorted({4} | {x.version for x in ranges})
    assert sorted({a.version for a in out}) == families
    for fam in families:
        fam_atoms = [a for a in out if a.version == fam]
        # sorted, contiguous, covering the whole family
        assert fam_atoms[0].lo == 0
        assert fam_atoms[-1].hi == (V4_MAX if fam == 4 else V6_MAX)
        for a, b in zip(fam_atoms, fam_atoms[1:], strict=False):
            assert a.hi + 1 == b.lo
    for a in out:
        assert a.lo <= a.hi
        for x in ranges:
            assert x.contains(a) or not x.overlaps(a)


def test_atoms_families_argument() -> None:
    assert atoms([]) == [IPRange.everything(4)]
    assert atoms([], families=(4, 6)) == [IPRange.everything(4), IPRange.everything(6)]
    assert atoms([r("10.0.0.0/8")]) == [
        r("0.0.0.0-9.255.255.255"),
        r("10.0.0.0/8"),
        r("11.0.0.0-255.255.255.255"),
    ]
