"""The corpus of broken inputs: every file in tests/data/broken/ yields its own diagnostic.

One row per file: (file, severity, code, line, what must still load). Big, binary and deeply
nested inputs are generated at test time (never committed). Every case must finish quickly
and never raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.io.manifests import load_paths
from netviz.model.diagnostics import Severity

BROKEN = Path(__file__).parents[1] / "data" / "broken"

E, W = Severity.ERROR, Severity.WARNING

# (file, severity, code, line) — line is 1-based in the file
CASES = [
    # --- YAML / JSON syntax and safety
    ("syntax_error.yaml", E, "yaml-syntax", 11),
    ("json_syntax.json", E, "json-syntax", 5),
    ("alias_bomb.yaml", E, "yaml-alias-bomb", 1),
    ("alias_cycle.yaml", E, "yaml-alias-bomb", 1),
    ("python_tag.yaml", E, "yaml-bad-tag", 4),
    ("duplicate_key.yaml", W, "duplicate-key", 5),
    ("not_k8s.yaml", E, "missing-kind", 1),
    ("kind_typo.yaml", W, "unknown-kind", 2),
    # --- object shape
    ("missing_name.yaml", E, "missing-name", 3),
    ("label_int.yaml", E, "wrong-type", 7),
    ("bad_label_key.yaml", W, "invalid-label", 6),
    ("ports_string.yaml", E, "wrong-type", 9),
    ("bad_list_item.yaml", E, "wrong-type", 5),
    ("duplicate.yaml", W, "duplicate-object", 8),
    # --- API versions
    ("np_v1beta1.yaml", E, "unknown-api-version", 1),
    ("np_extensions.yaml", W, "removed-api-version", 1),
    # --- selectors
    ("bad_operator.yaml", E, "bad-selector-operator", 15),
    ("in_no_values.yaml", E, "selector-values-required", 14),
    ("exists_with_values.yaml", E, "selector-values-forbidden", 14),
    ("unknown_field.yaml", E, "unknown-field", 6),
    # --- peers and ipBlocks
    ("cidr_invalid.yaml", E, "invalid-cidr", 11),
    ("cidr_no_prefix.yaml", E, "invalid-cidr", 11),
    ("noncanonical_cidr.yaml", W, "noncanonical-cidr", 11),
    ("except_outside.yaml", E, "except-not-in-cidr", 14),
    ("except_family.yaml", E, "except-family-mismatch", 13),
    ("peer_ipblock_selector.yaml", E, "peer-ipblock-with-selector", 10),
    ("peer_empty.yaml", E, "peer-empty", 10),
    # --- ports and policy types
    ("port_out_of_range.yaml", E, "port-out-of-range", 10),
    ("endport_below.yaml", E, "endport-below-port", 11),
    ("endport_named.yaml", E, "endport-named-port", 11),
    ("quoted_port.yaml", E, "invalid-port-name", 10),
    ("bad_protocol.yaml", E, "invalid-protocol", 11),
    ("bad_policy_type.yaml", E, "invalid-policy-type", 8),
    # --- AdminNetworkPolicy: checked, not evaluated
    ("anp_bad_priority.yaml", E, "anp-invalid", 6),
    # --- hostile text: netviz's own words at the real line
    ("empty.yaml", W, "file-empty", 1),
    ("comments_only.yaml", W, "file-empty", 1),
    ("control_char.yaml", E, "control-character", 9),
    ("control_char.json", E, "control-character", 2),
    ("overlong_int.yaml", E, "integer-too-long", 14),
    ("overlong_int.json", E, "integer-too-long", 4),
    ("replicas_too_big.yaml", E, "wrong-value", 6),
    # --- malformed snapshots: refused whole
    ("snapshot_metadata_list.yaml", E, "snapshot-invalid", 3),
    ("snapshot_no_header.json", E, "snapshot-invalid", 1),
    ("snapshot_bad_gap.yaml", E, "snapshot-invalid", 10),
    # "enforces" as a string: read as "cannot tell", it silenced the Flannel warning
    ("snapshot_bad_cni.yaml", E, "snapshot-invalid", 10),
]


def test_every_broken_file_has_a_row() -> None:
    on_disk = {p.name for p in BROKEN.iterdir() if p.is_file()}
    assert on_disk == {c[0] for c in CASES}


@pytest.mark.parametrize(("name", "severity", "code", "line"), CASES, ids=[c[0] for c in CASES])
def test_broken_input_yields_its_diagnostic(
    name: str, severity: Severity, code: str, line: int
) -> None:
    path = str(BROKEN / name)
    result = load_paths([path])  # its time: benchmarks/limits_bench.py
    hits = [d for d in result.diagnostics if d.code == code]
    assert hits, [str(d) for d in result.diagnostics]
    d = hits[0]
    assert d.severity is severity
    assert d.line == line, str(d)
    assert d.file == path and d.doc is not None and d.doc >= 1
    assert d.message
    if severity is E:
        # an error skips the object: nothing from that document is in the cluster
        assert not result.cluster.policies or name == "syntax_error.yaml"


def test_messages_name_the_field() -> None:
    r = load_paths([str(BROKEN / "bad_operator.yaml")])
    (d,) = [d for d in r.diagnostics if d.code == "bad-selector-operator"]
    assert d.message.startswith(
        'spec.ingress[0].from[1].podSelector.matchExpressions[0].operator: "Equal" is not a '
        "valid operator (use In, NotIn, Exists or DoesNotExist)"
    )
    assert d.object_ref == "NetworkPolicy shop/np"


def test_syntax_error_skips_only_its_document() -> None:
    r = load_paths([str(BROKEN / "syntax_error.yaml")])
    assert [p.name for p in r.cluster.pods] == ["fine"]
    assert r.cluster.namespace("shop") is not None and not r.cluster.namespace("shop").implicit
    (d,) = r.errors
    assert d.doc == 2


def test_alias_bomb_is_refused_and_the_next_document_loads() -> None:
    r = load_paths([str(BROKEN / "alias_bomb.yaml")])  # its time: benchmarks/limits_bench.py
    assert r.cluster.namespace("after-the-bomb") is not None
    assert "billion" in r.errors[0].message


def test_bad_list_item_skips_only_that_item() -> None:
    r = load_paths([str(BROKEN / "bad_list_item.yaml")])
    assert [p.name for p in r.cluster.pods] == ["good-1", "good-2"]
    assert r.errors[0].message.startswith("items[1].metadata.labels.n:")


def test_duplicate_names_both_places_and_later_wins() -> None:
    path = str(BROKEN / "duplicate.yaml")
    r = load_paths([path])
    (svc,) = r.cluster.services
    assert svc.ports[0].port == 8080
    (d,) = [d for d in r.diagnostics if d.code == "duplicate-object"]
    assert f"{path}:1" in d.message and f"{path}:8" in d.message


def test_removed_api_version_still_loads() -> None:
    r = load_paths([str(BROKEN / "np_extensions.yaml")])
    assert [p.name for p in r.cluster.policies] == ["np"]


# --------------------------------------------------------------------------- generated cases


def test_oversized_file_is_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    chunk = b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n" * 1000
    with big.open("wb") as f:
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            f.write(chunk)
    assert big.stat().st_size > 50 * 1024 * 1024
    r = load_paths([str(big)], max_file_bytes=10 * 1024 * 1024)  # time: limits_bench.py
    (d,) = r.diagnostics
    assert (d.code, d.severity) == ("file-too-large", E)
    assert r.files == []


def test_stdin_over_the_limit_is_refused() -> None:
    import io

    r = load_paths(["-"], stdin=io.StringIO("a: b\n" * 100), max_file_bytes=100)
    assert [d.code for d in r.diagnostics] == ["file-too-large"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "".join("  " * i + "a:\n" for i in range(3000)),
        "a: " + "[" * 990 + "]" * 990,
    ],
    ids=["flow-100k", "block-3000", "flow-990"],
)
def test_deep_nesting_is_a_diagnostic(tmp_path: Path, text: str) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text(text + "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    r = load_paths([str(f)])
    assert [d.code for d in r.diagnostics] == ["yaml-too-deep"]
    assert r.diagnostics[0].doc == 1
    assert r.cluster.namespace("ok") is not None


def test_deep_json_is_a_diagnostic(tmp_path: Path) -> None:
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    r = load_paths([str(f)])
    assert [d.code for d in r.errors] == ["yaml-too-deep"]


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "image.yaml"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    r = load_paths([str(f)])
    assert [(d.code, d.severity) for d in r.diagnostics] == [("file-not-text", E)]


def test_undecodable_file_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n")
    (d,) = load_paths([str(f)]).diagnostics
    assert (d.code, d.line) == ("file-not-text", 4)
    assert "UTF-8" in d.message


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    f = tmp_path / "u16.yaml"
    f.write_bytes("apiVersion: v1\nkind: Namespace\nmetadata: {name: wide}\n".encode("utf-16"))
    r = load_paths([str(f)])
    assert r.cluster.namespace("wide") is not None and not r.diagnostics


def test_missing_path_suggests_a_neighbour(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text("")
    r = load_paths([str(tmp_path / "polices.yaml")])
    (d,) = r.diagnostics
    assert d.code == "file-not-found" and d.severity is E
    assert "did you mean" in d.message and "policies.yaml" in d.message


def test_unreadable_file(tmp_path: Path) -> None:
    import os

    f = tmp_path / "secret.yaml"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: s}\n")
    f.chmod(0)
    try:
        if os.access(f, os.R_OK):
            pytest.skip("running as a user who can read anything (root)")
        (d,) = load_paths([str(f)]).diagnostics
        assert d.code == "file-unreadable"
    finally:
        f.chmod(0o600)


@pytest.mark.parametrize("when", ["open", "read"])
def test_unreadable_file_also_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      when: str) -> None:
    """The same refusal where the permission test cannot bite (CI runs as root): the open
    fails (EACCES), or the read fails half way (EIO, a dying disk or network share)."""
    import errno
    import os
    import sys

    if when == "read" and not sys.platform.startswith("linux"):
        pytest.skip("finds the file of a descriptor through /proc (Linux)")
    f = tmp_path / "secret.yaml"
    f.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: s}\n")
    real_open, real_fdopen = os.open, os.fdopen
    target = str(f)

    def failing_open(path: str, *args: object, **kw: object) -> int:
        if when == "open" and os.fspath(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", target)
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    class Dying:
        def __init__(self, *_a: object, **_k: object) -> None: ...
        def __enter__(self) -> Dying:
            return self
        def __exit__(self, *_a: object) -> None: ...
        def read(self, _n: int) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "open", failing_open)
    if when == "read":
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Dying() if fd >= 0 and
                            os.path.realpath(f"/proc/self/fd/{fd}") == target
                            else real_fdopen(fd, *a, **k))
    r = load_paths([target])
    (d,) = r.diagnostics
    assert d.code == "file-unreadable" and d.severity is E and d.file == target
    assert ("Permission denied" if when == "open" else "Input/output error") in d.message
    assert not r.cluster.namespaces  # nothing of the file was loaded


def test_a_directory_as_a_file_entry_and_empty_folder(tmp_path: Path) -> None:
    r = load_paths([str(tmp_path)])
    assert [d.code for d in r.diagnostics] == ["no-manifests"]


# --------------------------------------------------------------------------- hostile inputs


def test_control_character_message_is_netviz_words() -> None:
    r = load_paths([str(BROKEN / "control_char.yaml")])
    (d,) = r.errors
    assert d.message.startswith("a control character U+0007 (BEL) at line 9, column 14")
    assert "unacceptable" not in d.message and "#x" not in d.message  # not libyaml's words
    assert r.cluster.namespace("fine") is not None  # the other document still loads


@pytest.mark.parametrize("name", ["overlong_int.yaml", "overlong_int.json"])
def test_overlong_integer_message_is_netviz_words(name: str) -> None:
    (d,) = load_paths([str(BROKEN / name)]).errors
    assert "5,000 digits" in d.message
    assert "sys.set_int_max_str_digits" not in d.message  # not Python's words


def test_malformed_snapshot_loads_nothing_of_it() -> None:
    r = load_paths([str(BROKEN / "snapshot_metadata_list.yaml")])
    assert r.cluster.namespace("shop") is None and r.snapshot is None
    assert "metadata: expected a mapping, got a list" in r.errors[0].message


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("[1, 2]", "header: expected a mapping"),
        ("{takenAt: now}", "the field context is missing"),
        ("{context: 5}", "header.context: expected a string, got the number 5"),
        ("{context: x, lists: {a: 1}}", "header.lists: expected a list"),
        ("{context: x, lists: [{kind: 5}]}", "header.lists[0].kind: expected a string"),
        ("{context: x, namespaces: some}", 'expected "all" or a list'),
        ("{context: x, cni: yes}", "header.cni: expected a mapping"),
    ],
)
def test_snapshot_header_fields_are_checked(header: str, fragment: str) -> None:
    from netviz.io.manifests import load_text

    text = (
        "apiVersion: netviz.io/v1alpha1\nkind: ClusterSnapshot\n"
        f"header: {header}\nitems: []\n"
    )
    r = load_text(text)
    (d,) = r.errors
    assert d.code == "snapshot-invalid" and fragment in d.message, d.message
    assert d.line == 3


def _special_files(tmp_path: Path) -> list[tuple[str, str]]:
    import os
    import socket

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.yaml"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()  # the socket file stays
    return [(str(fifo), "FIFO"), (str(sock_path), "socket"), ("/dev/zero", "character device")]


def test_fifo_socket_and_device_named_directly_are_skipped(tmp_path: Path) -> None:
    specials = _special_files(tmp_path)
    good = tmp_path / "ok.yaml"
    good.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    r = load_paths([p for p, _ in specials] + [str(good)])  # would block forever on the FIFO
    skipped = {d.file: d for d in r.diagnostics if d.code == "not-a-file"}
    assert set(skipped) == {p for p, _ in specials}
    for path, what in specials:
        assert skipped[path].severity is W and what in skipped[path].message
    assert r.cluster.namespace("ok") is not None


def test_fifo_met_while_walking_a_folder_is_skipped(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "a-pipe.yaml")
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    r = load_paths([str(tmp_path)])
    assert [d.code for d in r.diagnostics] == ["not-a-file"]
    assert r.cluster.namespace("ok") is not None
