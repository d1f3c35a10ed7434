"""Unit tests of the text exports, and netviz's own goldens on a small hand-written cluster.

Update the goldens in ``tests/export/golden`` after an intended change with
``NETVIZ_UPDATE_GOLDENS=1 .venv/bin/pytest tests/export`` and review the diff like code.
(The shared netpol-analyzer goldens are read-only references; see tests/conformance.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netviz.engine.analyzer import Analyzer, Options
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, ConnList, Focus, PeerNode, build_list
from netviz.engine.ipranges import IPRange
from netviz.export import FORMATS, render
from netviz.export.csv_format import quote
from netviz.export.dot import q
from netviz.export.explain import conn_text, render_explain
from netviz.io.manifests import load_paths

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SHOP = HERE.parent / "cli" / "data" / "shop.yaml"
UPDATE = os.environ.get("NETVIZ_UPDATE_GOLDENS") == "1"


def _wl(key: str) -> PeerNode:
    return PeerNode.workload(key)


def _list(conns: list[Connection], **kw: object) -> ConnList:
    peers = sorted({p for c in conns for p in (c.src, c.dst) if not p.is_external})
    return ConnList(conns, peers, kw.pop("focus", Focus()), **kw)  # type: ignore[arg-type]


A = _wl("ns-a/web[Deployment]")
B = _wl("ns-b/db[StatefulSet]")
EXT = PeerNode.external(IPRange.parse("10.0.0.0/8"))
TWO = ConnectionSet.parse("TCP 80,UDP 53")
SAMPLE = _list([Connection(A, B, TWO), Connection(EXT, A, ConnectionSet.all())])


# --------------------------------------------------------------------------- per format


def test_txt_lines_and_trailing_newline() -> None:
    assert render("txt", SAMPLE) == (
        "ns-a/web[Deployment] => ns-b/db[StatefulSet] : TCP 80,UDP 53\n"
        "10.0.0.0-10.255.255.255[External] => ns-a/web[Deployment] : All Connections\n"
    )
    assert render("txt", _list([])) == ""


def test_csv_quotes_like_go() -> None:
    text = render("csv", SAMPLE)
    assert text.splitlines()[0] == "src,dst,conn"
    assert 'ns-a/web[Deployment],ns-b/db[StatefulSet],"TCP 80,UDP 53"' in text
    assert quote('say "hi"') == '"say ""hi"""'
    assert quote(" lead") == '" lead"'
    # a newline in a name would fake a row: escaped, like every control character
    assert quote("a\nb") == "a\\x0ab"
    assert quote("x\x1b[2J,y") == '"x\\x1b[2J,y"'
    assert quote("") == ""


def test_json_is_go_like() -> None:
    text = render("json", SAMPLE)
    assert not text.endswith("\n")
    assert json.loads(text)[0] == {"src": A.key, "dst": B.key, "conn": "TCP 80,UDP 53"}
    assert render("json", _list([])) == "[]"
    odd = _list([Connection(_wl("ns/a<b>&ü[Pod]"), B, TWO)])
    assert "\\u003c" in render("json", odd) and "ü" in render("json", odd)


def test_md_escapes_pipes() -> None:
    text = render("md", SAMPLE)
    assert text.startswith("| src | dst | conn |\n|-----|-----|------|\n")
    odd = _list([Connection(_wl("ns/a|b[Pod]"), B, TWO)])
    assert "ns/a\\|b[Pod]" in render("md", odd)


def test_dot_structure_and_quoting() -> None:
    text = render("dot", SAMPLE)
    assert text.startswith("digraph {\n") and text.endswith("\n}")
    assert '\tsubgraph "cluster_ns_a[namespace]" {' in text
    assert '\t\tlabel="ns-a[namespace]"' in text
    assert '"10.0.0.0-10.255.255.255[External]" [label="10.0.0.0-10.255.255.255[External]" color="red2"' in text
    # weight 0.5 when the source key sorts before the destination key, else 1
    assert '"ns-a/web[Deployment]" -> "ns-b/db[StatefulSet]" [label="TCP 80,UDP 53" color="gold2" fontcolor="darkgreen" weight=0.5]' in text
    back = render("dot", _list([Connection(B, A, TWO)]))
    assert back.splitlines()[-2].endswith("weight=1]")
    assert q('a"b\\c\n') == '"a\\"b\\\\c\\n"'


def test_port_focus_forms() -> None:
    focus = Focus(protocol="UDP", port=53)
    res = _list([Connection(A, B, ConnectionSet.of("UDP", 53))], focus=focus)
    assert render("txt", res) == "Permitted connections on UDP 53:\nns-a/web[Deployment] => ns-b/db[StatefulSet]\n"
    assert render("csv", res).splitlines()[0] == "src,dst"
    assert render("md", res).startswith("| src | dst |\n")
    assert json.loads(render("json", res)) == [{"src": A.key, "dst": B.key}]
    assert 'label="UDP 53"' in render("dot", res)


def test_notes_in_band_for_every_format() -> None:
    res = _list(SAMPLE.connections, notes=("ipBlock matches pod IPs: yes",))
    assert render("txt", res).startswith("# ipBlock matches pod IPs: yes\n")
    assert render("csv", res).startswith("# ipBlock matches pod IPs: yes\n")
    assert render("md", res).startswith("> ipBlock matches pod IPs: yes\n")
    assert "\t// ipBlock matches pod IPs: yes" in render("dot", res)
    data = json.loads(render("json", res))
    assert data["netviz_options"] == ["ipBlock matches pod IPs: yes"]
    assert len(data["connlist_results"]) == 2


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render("xml", SAMPLE)


def test_explain_conn_text() -> None:
    cs = ConnectionSet.all() - ConnectionSet.of("TCP", 80)
    assert conn_text(cs) == "TCP:[1-79,81-65535], UDP, SCTP"
    assert conn_text(ConnectionSet.of("UDP", 53)) == "UDP:[53]"


# --------------------------------------------------------------------------- own goldens


def _shop() -> Analyzer:
    return Analyzer(load_paths([str(SHOP)]).cluster, Options())


CASES = [
    *[pytest.param(fmt, Focus(), f"shop_connlist.{fmt}", id=f"connlist-{fmt}") for fmt in FORMATS],
    pytest.param("txt", Focus(workloads=("cart",)), "shop_focus_cart.txt", id="focus-cart"),
    pytest.param(
        "txt", Focus(workloads=("shop/frontend",), direction="egress"),
        "shop_focus_frontend_egress.txt", id="focus-frontend-egress",
    ),
    pytest.param("csv", Focus(protocol="TCP", port=5432), "shop_tcp-5432.csv", id="tcp-5432"),
    pytest.param("explain", Focus(), "shop_explain.txt", id="explain"),
]


@pytest.mark.parametrize(("fmt", "focus", "name"), CASES)
def test_own_goldens(fmt: str, focus: Focus, name: str) -> None:
    an = _shop()
    text = render_explain(an, focus) if fmt == "explain" else render(fmt, build_list(an, focus))
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"missing golden {path}; run with NETVIZ_UPDATE_GOLDENS=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (NETVIZ_UPDATE_GOLDENS=1 to update)"
