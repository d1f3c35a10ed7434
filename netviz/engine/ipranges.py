"""Address ranges for ipBlock peers and external endpoints (IPv4 and IPv6).

An ``IPRange`` is an inclusive interval of integers in one address family; an ipBlock becomes
the ranges of its CIDR minus its excepts. External peers are shown as ranges written
``first-last`` (the reference format), e.g. ``0.0.0.0-255.255.255.255``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netviz.model import IPBlock

_MAX = {4: (1 << 32) - 1, 6: (1 << 128) - 1}


@dataclass(frozen=True, order=True)
class IPRange:
    version: int  # 4 or 6
    lo: int
    hi: int

    @classmethod
    def from_cidr(cls, cidr: str) -> IPRange:
        net = ipaddress.ip_network(cidr, strict=False)
        return cls(net.version, int(net.network_address), int(net.broadcast_address))

    @classmethod
    def from_ip(cls, ip: str) -> IPRange:
        addr = ipaddress.ip_address(ip)
        return cls(addr.version, int(addr), int(addr))

    @classmethod
    def parse(cls, text: str) -> IPRange:
        """``10.0.0.0/8``, ``10.1.2.3`` or ``10.0.0.0-10.255.255.255``."""
        text = text.strip()
        if "/" in text:
            return cls.from_cidr(text)
        if "-" in text and text.count("-") == 1:
            a, b = (ipaddress.ip_address(x) for x in text.split("-"))
            if a.version != b.version or int(a) > int(b):
                raise ValueError(f"not an address range: {text}")
            return cls(a.version, int(a), int(b))
        return cls.from_ip(text)

    @classmethod
    def everything(cls, version: int = 4) -> IPRange:
        return cls(version, 0, _MAX[version])

    def contains(self, other: IPRange) -> bool:
        return self.version == other.version and self.lo <= other.lo and other.hi <= self.hi

    def overlaps(self, other: IPRange) -> bool:
        return self.version == other.version and self.lo <= other.hi and other.lo <= self.hi

    def first(self) -> str:
        return str(ipaddress.ip_address(self.lo) if self.version == 4 else ipaddress.IPv6Address(self.lo))

    def last(self) -> str:
        return str(ipaddress.ip_address(self.hi) if self.version == 4 else ipaddress.IPv6Address(self.hi))

    def __str__(self) -> str:
        return f"{self.first()}-{self.last()}"

    def cidrs(self) -> list[str]:
        """The smallest list of CIDRs that covers exactly this range."""
        cls = ipaddress.IPv4Address if self.version == 4 else ipaddress.IPv6Address
        return [str(n) for n in ipaddress.summarize_address_range(cls(self.lo), cls(self.hi))]


def subtract(ranges: Iterable[IPRange], cut: IPRange) -> list[IPRange]:
    out = []
    for r in ranges:
        if not r.overlaps(cut):
            out.append(r)
            continue
        if r.lo < cut.lo:
            out.append(IPRange(r.version, r.lo, cut.lo - 1))
        if cut.hi < r.hi:
            out.append(IPRange(r.version, cut.hi + 1, r.hi))
    return out


def block_ranges(block: IPBlock) -> tuple[IPRange, ...]:
    """The addresses an ipBlock matches: its CIDR minus every except."""
    ranges = [IPRange.from_cidr(block.cidr)]
    for ex in block.except_:
        ranges = subtract(ranges, IPRange.from_cidr(ex))
    return tuple(ranges)


def split_points(ranges: Iterable[IPRange]) -> dict[int, set[int]]:
    """Per family, the addresses where a range starts or ends+1: the atom boundaries."""
    points: dict[int, set[int]] = {}
    for r in ranges:
        s = points.setdefault(r.version, {0})
        s.add(r.lo)
        if r.hi < _MAX[r.version]:
            s.add(r.hi + 1)
    return points


def atoms(ranges: Iterable[IPRange], *, families: Iterable[int] = (4,)) -> list[IPRange]:
    """Split the whole address space of each family into maximal intervals such that every
    given range either contains an interval or is disjoint from it. IPv4 is always covered;
    other families only when named in ``families`` or present in ``ranges``."""
    pts = split_points(ranges)
    for f in families:
        pts.setdefault(f, {0})
    out: list[IPRange] = []
    for version in sorted(pts):
        starts = sorted(pts[version])
        for i, lo in enumerate(starts):
            hi = starts[i + 1] - 1 if i + 1 < len(starts) else _MAX[version]
            out.append(IPRange(version, lo, hi))
    return out
