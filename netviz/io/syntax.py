"""Kubernetes syntax rules for names, labels, ports and CIDRs.

Each check returns None when the value is valid, else the reason as a short phrase written for
users. The rules and their wording follow k8s.io/apimachinery ``pkg/util/validation``
(``IsQualifiedName``, ``IsValidLabelValue``, ``IsDNS1123Subdomain``, ``IsDNS1123Label``,
``IsDNS1035Label``, ``IsValidPortName``) and k8s.io/utils/net ``ParseCIDRSloppy``.
"""

from __future__ import annotations

import ipaddress
import re

_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")
_IPV4_LEADING_ZERO = re.compile(r"(?<![0-9])0+(?=[0-9])")


def qualified_name_error(key: str) -> str | None:
    """Label keys and selector keys: ``[prefix/]name``."""
    if not key:
        return "a label key must not be empty"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "the prefix before '/' must not be empty"
        err = dns_subdomain_error(prefix)
        if err:
            return f"the prefix {prefix!r} is not valid: {err}"
    if not name:
        return "the name part must not be empty"
    if len(name) > 63:
        return f"the name part must be at most 63 characters (it has {len(name)})"
    if not _NAME_PART.match(name):
        return (
            "the name part must consist of letters, digits, '-', '_' or '.', and start and end "
            "with a letter or digit"
        )
    return None


def label_value_error(value: str) -> str | None:
    if len(value) > 63:
        return f"a label value must be at most 63 characters (it has {len(value)})"
    if value and not _NAME_PART.match(value):
        return (
            "a label value must be empty or consist of letters, digits, '-', '_' or '.', and "
            "start and end with a letter or digit"
        )
    return None


def dns_subdomain_error(name: str) -> str | None:
    if len(name) > 253:
        return f"must be at most 253 characters (it has {len(name)})"
    if not _DNS1123_SUBDOMAIN.match(name):
        return (
            "must consist of lower case letters, digits, '-' and '.', and start and end with a "
            "letter or digit (RFC 1123 subdomain)"
        )
    return None


def dns_label_error(name: str) -> str | None:
    if len(name) > 63:
        return f"must be at most 63 characters (it has {len(name)})"
    if not _DNS1123_LABEL.match(name):
        return (
            "must consist of lower case letters, digits and '-', and start and end with a letter "
            "or digit (RFC 1123 label)"
        )
    return None


def dns1035_label_error(name: str) -> str | None:
    if len(name) > 63:
        return f"must be at most 63 characters (it has {len(name)})"
    if not _DNS1035_LABEL.match(name):
        return (
            "must consist of lower case letters, digits and '-', start with a letter and end "
            "with a letter or digit (RFC 1035 label)"
        )
    return None


def port_name_error(name: str) -> str | None:
    """IANA_SVC_NAME: what a named port may be."""
    if len(name) > 15:
        return f"a port name must be at most 15 characters (it has {len(name)})"
    if not _PORT_NAME_CHARS.match(name):
        return "a port name may contain only lower case letters, digits and '-'"
    if not re.search(r"[a-z]", name):
        return "a port name must contain at least one letter"
    if "--" in name:
        return "a port name must not contain '--'"
    if name.startswith("-") or name.endswith("-"):
        return "a port name must not start or end with '-'"
    return None


class CIDRError(ValueError):
    pass


def parse_cidr(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, list[str]]:
    """Parse a CIDR as the API server does (``ParseCIDRSloppy``); return the network (host bits
    cleared) and notes about what was normalised. Raises ``CIDRError`` with a user message."""
    notes: list[str] = []
    s = text
    if "/" not in s:
        raise CIDRError(
            f'"{text}" is not a valid CIDR: the prefix length is missing (e.g. {text}/32)'
            if _is_ip(text)
            else f'"{text}" is not a valid CIDR (expected an address and a prefix length, '
            "e.g. 10.0.0.0/8 or fd00::/8)"
        )
    addr, _, plen = s.partition("/")
    if "." in addr and ":" not in addr and _IPV4_LEADING_ZERO.search(addr):
        # ParseCIDRSloppy reads "010.0.0.0" as decimal 10.0.0.0; Python refuses leading zeros
        fixed = ".".join(str(int(p)) if p.isdigit() else p for p in addr.split("."))
        if fixed != addr:
            notes.append(f"leading zeros in {addr!r} are read as decimal ({fixed})")
            addr = fixed
    if not plen.isdigit():
        raise CIDRError(f'"{text}" is not a valid CIDR: the prefix length must be a number')
    try:
        net = ipaddress.ip_network(f"{addr}/{int(plen)}", strict=False)
    except ValueError:
        raise CIDRError(
            f'"{text}" is not a valid CIDR (expected an address and a prefix length, '
            "e.g. 10.0.0.0/8 or fd00::/8)"
        ) from None
    if net.network_address != ipaddress.ip_address(addr):
        notes.append(f"host bits are set; it means {net}")
    return net, notes


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_ip(text: str) -> str | None:
    """Normalised IP address, or None."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
