"""Sets of connections: protocol -> disjoint, sorted port ranges.

A verdict in netviz is a ``ConnectionSet``, never a boolean: "TCP 80,443 and UDP 53" is one
value. Ports are 1..65535 for each of TCP, UDP and SCTP (the protocols a NetworkPolicyPort may
name). The text form is the reference analyzer's: ``All Connections``, ``No Connections`` or
protocols in alphabetical order with comma-separated ports and ranges, e.g.
``SCTP 9003,TCP 80,8080-8090,UDP 53``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

MIN_PORT = 1
MAX_PORT = 65535
#: alphabetical: the order of the reference text format
PROTOCOL_ORDER: tuple[str, ...] = ("SCTP", "TCP", "UDP")

Ranges = tuple[tuple[int, int], ...]
_FULL: Ranges = ((MIN_PORT, MAX_PORT),)


def _normalise(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1][1] = hi
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _subtract(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


class ConnectionSet:
    """Immutable, hashable set of (protocol, port) pairs stored as ranges."""

    __slots__ = ("_by_proto", "_hash", "_text")

    def __init__(self, by_proto: dict[str, Ranges] | None = None) -> None:
        clean: dict[str, Ranges] = {}
        if by_proto:
            for proto in PROTOCOL_ORDER:
                r = by_proto.get(proto)
                if r:
                    clean[proto] = r
        self._by_proto = clean
        self._hash = hash(tuple(sorted(clean.items())))
        self._text: str | None = None  # str(self), made once: lists print it for every pair

    # ---- constructors
    @classmethod
    def all(cls) -> ConnectionSet:
        return _ALL

    @classmethod
    def none(cls) -> ConnectionSet:
        return _NONE

    @classmethod
    def of(cls, protocol: str, lo: int | None = None, hi: int | None = None) -> ConnectionSet:
        """``of("TCP")`` is every TCP port; ``of("TCP", 80)``; ``of("TCP", 80, 90)``."""
        if lo is None:
            return cls({protocol: _FULL})
        hi = lo if hi is None else hi
        lo, hi = max(lo, MIN_PORT), min(hi, MAX_PORT)
        return cls({protocol: _normalise([(lo, hi)])})

    @classmethod
    def parse(cls, text: str) -> ConnectionSet:
        """Inverse of ``str()``: ``All Connections``, ``No Connections``, ``TCP 80,UDP 53-54``."""
        text = text.strip()
        if text == "All Connections":
            return _ALL
        if text in ("No Connections", ""):
            return _NONE
        by: dict[str, list[tuple[int, int]]] = {}
        proto = ""
        for part in text.split(","):
            part = part.strip()
            if " " in part:
                proto, part = part.split(" ", 1)
                by.setdefault(proto, [])
            if "-" in part:
                a, b = part.split("-")
                by[proto].append((int(a), int(b)))
            else:
                by[proto].append((int(part), int(part)))
        return cls({p: _normalise(r) for p, r in by.items()})

    # ---- queries
    def ranges(self, protocol: str) -> Ranges:
        return self._by_proto.get(protocol, ())

    def protocols(self) -> tuple[str, ...]:
        return tuple(self._by_proto)

    def is_empty(self) -> bool:
        return not self._by_proto

    def is_all(self) -> bool:
        return len(self._by_proto) == 3 and all(r == _FULL for r in self._by_proto.values())

    def contains(self, protocol: str, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self._by_proto.get(protocol, ()))

    def __bool__(self) -> bool:
        return bool(self._by_proto)

    def items(self) -> Iterator[tuple[str, Ranges]]:
        return iter(self._by_proto.items())

    # ---- algebra
    def __or__(self, other: ConnectionSet) -> ConnectionSet:
        if other is self or not other._by_proto:
            return self
        if not self._by_proto:
            return other
        if self is _ALL or other is _ALL:
            return _ALL
        return ConnectionSet(
            {
                p: _normalise(self.ranges(p) + other.ranges(p))
                for p in PROTOCOL_ORDER
                if p in self._by_proto or p in other._by_proto
            }
        )

    def __and__(self, other: ConnectionSet) -> ConnectionSet:
        if other is self or other is _ALL:
            return self
        if self is _ALL:
            return other
        return ConnectionSet(
            {p: _intersect(r, other.ranges(p)) for p, r in self._by_proto.items()}
        )

    def __sub__(self, other: ConnectionSet) -> ConnectionSet:
        if not other._by_proto:
            return self
        return ConnectionSet(
            {p: _subtract(r, other.ranges(p)) for p, r in self._by_proto.items()}
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionSet) and self._by_proto == other._by_proto

    def __hash__(self) -> int:
        return self._hash

    def __le__(self, other: ConnectionSet) -> bool:
        return (self - other).is_empty()

    # ---- text
    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = self._text = self._format()
        return text

    def _format(self) -> str:
        if not self._by_proto:
            return "No Connections"
        if self.is_all():
            return "All Connections"
        parts = []
        for proto, ranges in self._by_proto.items():
            ports = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
            parts.append(f"{proto} {ports}")
        return ",".join(parts)

    def __repr__(self) -> str:
        return f"ConnectionSet({str(self)!r})"


_ALL = ConnectionSet({p: _FULL for p in PROTOCOL_ORDER})
_NONE = ConnectionSet()
