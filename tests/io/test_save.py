"""netviz.io.save: edited documents spliced back byte-exactly, appends, new files, conflicts,
atomic writes, and a property test (random multi-document files, random edits: every
document not edited stays byte-identical)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netviz.io import save as save_mod
from netviz.io.errors import NetvizIOError, SaveConflict
from netviz.io.manifests import load_paths
from netviz.io.save import (
    DocEdit,
    NewDoc,
    apply_save,
    document_text,
    plan_save,
    stamp_file,
    write_new_file,
)

POL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: default
spec:
  podSelector: {{}}
"""

SAMPLE = (
    "# header comment, before any document\n"
    "---\n"
    "# about a\n" + POL.format(name="a") + "\n# trailing comment of a\n"
    "--- # separator with a comment\n" + POL.format(name="b") +
    "---\n" + POL.format(name="c")
)


def _load(path: Path):  # type: ignore[no-untyped-def]
    r = load_paths([str(path)])
    assert not r.errors, r.errors
    return r


def _save(path: Path, edits=(), new_docs=(), force=False):  # type: ignore[no-untyped-def]
    r = _load(path)
    plan = plan_save(list(edits), list(new_docs), r.documents, r.stamps)
    return apply_save(plan, force=force)


def _write(path: Path, text: str, encoding: str = "utf-8", bom: bytes = b"") -> None:
    path.write_bytes(bom + text.encode(encoding))


def _names(path: Path) -> list[str]:
    return sorted(p.name for p in _load(path).cluster.policies)


# --------------------------------------------------------------------------- stamps


def test_load_result_has_stamps(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    assert r.stamps[str(f)] == stamp_file(f)
    assert r.stamps[str(f)].size == len(SAMPLE.encode())


# --------------------------------------------------------------------------- splicing


def test_unchanged_text_round_trips_byte_identical(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    text = f.read_text()
    edits = [DocEdit(str(f), d.doc, document_text(text, d)) for d in r.documents]
    plan = plan_save(edits, [], r.documents, r.stamps)
    assert plan.files[str(f)] == SAMPLE
    apply_save(plan)
    assert f.read_text() == SAMPLE


def test_edit_changes_only_that_document(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    _save(f, [DocEdit(str(f), 2, POL.format(name="b2"))])
    got = f.read_text()
    assert got == SAMPLE.replace("name: b\n", "name: b2\n")
    assert "--- # separator with a comment\n" in got
    assert _names(f) == ["a", "b2", "c"]


def test_edit_body_keeps_separator_and_replaces_comments_inside(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    a = next(d for d in r.documents if d.name == "a")
    body = document_text(f.read_text(), a)
    assert body.startswith("# about a\n") and body.endswith("# trailing comment of a\n")
    _save(f, [DocEdit(str(f), a.doc, POL.format(name="a2"))])
    got = f.read_text()
    assert got.startswith("# header comment, before any document\n---\n" + POL.format(name="a2"))
    assert got.endswith("--- # separator with a comment\n" + POL.format(name="b") + "---\n"
                        + POL.format(name="c"))


def test_new_text_with_own_separator_replaces_it(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    _save(f, [DocEdit(str(f), 2, "--- # new\n" + POL.format(name="b"))])
    assert "--- # new\n" + POL.format(name="b") in f.read_text()
    assert "separator with a comment" not in f.read_text()


def test_crlf_file_stays_crlf(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    crlf = SAMPLE.replace("\n", "\r\n")
    _write(f, crlf)
    _save(f, [DocEdit(str(f), 3, POL.format(name="c2"))])
    got = f.read_bytes().decode()
    assert got == crlf.replace("name: c\r\n", "name: c2\r\n")
    assert "\n" not in got.replace("\r\n", "")


def test_bom_kept_utf8_and_utf16(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE, bom=b"\xef\xbb\xbf")
    _save(f, [DocEdit(str(f), 1, POL.format(name="a2"))])
    raw = f.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf#") and raw[3:].decode().count("name: a2") == 1
    g = tmp_path / "q.yaml"
    _write(g, SAMPLE, "utf-16-le", b"\xff\xfe")
    _save(g, [DocEdit(str(g), 3, POL.format(name="c2"))])
    raw = g.read_bytes()
    assert raw.startswith(b"\xff\xfe") and raw[2:].decode("utf-16-le") == SAMPLE.replace(
        "name: c\n", "name: c2\n")
    assert _names(g) == ["a", "b", "c2"]


def test_no_trailing_newline_kept(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    text = SAMPLE.rstrip("\n")
    _write(f, text)
    _save(f, [DocEdit(str(f), 3, POL.format(name="c2"))])  # new text ends with "\n"
    assert f.read_text() == text.replace("name: c\n", "name: c2\n")
    _save(f, [DocEdit(str(f), 1, POL.format(name="a2").rstrip("\n"))])  # middle: break added
    assert _names(f) == ["a2", "b", "c2"]
    assert not f.read_text().endswith("\n")


def test_delete_middle_first_and_last(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    _save(f, [DocEdit(str(f), 2, None)])
    assert f.read_text() == SAMPLE.replace(
        "--- # separator with a comment\n" + POL.format(name="b"), "")
    assert _names(f) == ["a", "c"]
    _save(f, [DocEdit(str(f), 2, None)])  # the last one
    assert _names(f) == ["a"]
    # a first document without "---": the next one's separator goes with it
    g = tmp_path / "g.yaml"
    _write(g, POL.format(name="x") + "---\n" + POL.format(name="y"))
    _save(g, [DocEdit(str(g), 1, None)])
    assert g.read_text() == POL.format(name="y")


def test_edit_and_delete_in_one_save(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    _save(f, [DocEdit(str(f), 1, None), DocEdit(str(f), 3, POL.format(name="c2"))])
    assert _names(f) == ["b", "c2"]
    assert f.read_text().startswith("# header comment, before any document\n--- # separator")


def test_append_and_new_file(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE.rstrip("\n"))
    new = tmp_path / "sub" / "new.yaml"
    new.parent.mkdir()
    _save(f, new_docs=[NewDoc(str(f), POL.format(name="d")), NewDoc(str(new), POL.format(name="e"))])
    assert f.read_text() == SAMPLE + "---\n" + POL.format(name="d")
    assert new.read_text() == POL.format(name="e")
    assert _names(f) == ["a", "b", "c", "d"]


def test_append_to_json(tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    _write(f, '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}\n')
    _save(f, new_docs=[NewDoc(str(f), '{"apiVersion": "v1", "kind": "Namespace", '
                                      '"metadata": {"name": "y"}}')])
    assert sorted(n.name for n in _load(f).cluster.namespaces) == ["x", "y"]
    r = _load(f)
    with pytest.raises(ValueError, match="JSON"):
        plan_save([], [NewDoc(str(f), "kind: Namespace\n")], r.documents, r.stamps)


def test_bad_edits_refused(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    with pytest.raises(ValueError, match="no document 9"):
        plan_save([DocEdit(str(f), 9, "")], [], r.documents, r.stamps)
    with pytest.raises(ValueError, match="twice"):
        plan_save([DocEdit(str(f), 1, ""), DocEdit(str(f), 1, None)], [], r.documents, r.stamps)
    with pytest.raises(ValueError, match="no stamp"):
        plan_save([DocEdit(str(f), 1, "")], [], r.documents, {})


# --------------------------------------------------------------------------- new files


def test_write_new_file(tmp_path: Path) -> None:
    f = tmp_path / "out" / "all.yaml"
    write_new_file(f, [POL.format(name="a"), POL.format(name="b").rstrip("\n")])
    assert f.read_text() == POL.format(name="a") + "---\n" + POL.format(name="b")
    with pytest.raises(SaveConflict) as exc:
        write_new_file(f, [POL.format(name="c")])
    assert exc.value.paths == [str(f)]
    assert _names(f) == ["a", "b"]
    write_new_file(f, [POL.format(name="c")], overwrite=True)
    assert _names(f) == ["c"]
    assert [p.name for p in f.parent.iterdir()] == ["all.yaml"]  # no temp left


# --------------------------------------------------------------------------- conflicts


def test_conflict_when_file_changed_after_load(tmp_path: Path) -> None:
    f, g = tmp_path / "f.yaml", tmp_path / "g.yaml"
    _write(f, SAMPLE)
    _write(g, SAMPLE)
    r = load_paths([str(f), str(g)])
    plan = plan_save([DocEdit(str(f), 1, POL.format(name="a2")),
                      DocEdit(str(g), 1, POL.format(name="a3"))], [], r.documents, r.stamps)
    _write(g, SAMPLE + "# someone else\n")  # changed on disk after the plan
    with pytest.raises(SaveConflict) as exc:
        apply_save(plan)
    assert exc.value.paths == [str(g)]
    assert isinstance(exc.value, NetvizIOError) and "changed on disk" in str(exc.value)
    assert f.read_text() == SAMPLE  # preflight: nothing written, not even f
    assert apply_save(plan, force=True) == [str(f), str(g)]
    assert _names(g) == ["a3", "b", "c"]


def test_conflict_detected_when_planning(tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    _write(f, SAMPLE.replace("name: c", "name: z"))
    with pytest.raises(SaveConflict):
        plan_save([DocEdit(str(f), 1, "")], [], r.documents, r.stamps)


def test_touch_is_no_conflict_but_new_file_appearing_is(tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    new = tmp_path / "new.yaml"
    plan = plan_save([DocEdit(str(f), 1, POL.format(name="a2"))],
                     [NewDoc(str(new), POL.format(name="n"))], r.documents, r.stamps)
    os.utime(f, ns=(1, 1))
    _write(new, "# created by someone else\n")
    with pytest.raises(SaveConflict) as exc:
        apply_save(plan)
    assert exc.value.paths == [str(new)]
    new.unlink()
    assert apply_save(plan) == sorted([str(new), str(f)])  # sorted path order
    assert _names(f) == ["a2", "b", "c"]


def test_mode_and_symlink_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    _write(real, SAMPLE)
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    _save(link, [DocEdit(str(link), 1, POL.format(name="a2"))])
    assert link.is_symlink()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert _names(real) == ["a2", "b", "c"]


# --------------------------------------------------------------------------- atomicity


def test_failure_in_the_middle_leaves_no_partial_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / f"{n}.yaml" for n in "abc"]
    for p in paths:
        _write(p, SAMPLE)
    r = load_paths([str(p) for p in paths])
    plan = plan_save([DocEdit(str(p), 2, POL.format(name="b2")) for p in paths], [],
                     r.documents, r.stamps)
    real_replace = os.replace
    calls = []

    def flaky(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(save_mod.os, "replace", flaky)
    with pytest.raises(OSError, match="No space"):
        apply_save(plan)
    monkeypatch.undo()
    # per-file atomic: the first file is fully written, the second and third are untouched
    assert _names(paths[0]) == ["a", "b2", "c"]
    assert paths[1].read_text() == SAMPLE and paths[2].read_text() == SAMPLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml", "c.yaml"]


def test_failure_while_writing_temp_leaves_target(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "f.yaml"
    _write(f, SAMPLE)
    r = _load(f)
    plan = plan_save([DocEdit(str(f), 1, "x: 1\n")], [], r.documents, r.stamps)

    def boom(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(save_mod.os, "fsync", boom)
    with pytest.raises(OSError, match="I/O"):
        apply_save(plan)
    monkeypatch.undo()
    assert f.read_text() == SAMPLE
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


# --------------------------------------------------------------------------- property


_name = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
_comment = st.sampled_from(["", "# c\n", "# two\n# lines\n", "\n"])
_sep = st.sampled_from(["---\n", "--- # s\n", "---   \n"])


@st.composite
def _files(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 6))
    names = draw(st.lists(_name, min_size=n, max_size=n, unique=True))
    parts = [draw(_comment)]
    first_sep = draw(st.booleans()) or bool(parts[0].strip())
    for i, nm in enumerate(names):
        if i > 0 or first_sep:
            parts.append(draw(_sep))
        parts.append(draw(_comment) + POL.format(name=nm) + draw(_comment))
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, names


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_files(), choice=st.data())
def test_property_untouched_documents_identical(tmp_path: Path, data, choice) -> None:  # type: ignore[no-untyped-def]
    text, names = data
    f = tmp_path / "p.yaml"
    _write(f, text)
    r = _load(f)
    docs = sorted(r.documents, key=lambda d: d.doc)
    assert [d.name for d in docs] == names
    decoded = f.read_bytes().decode()
    edited = choice.draw(st.sets(st.integers(1, len(docs))))
    actions = {d: choice.draw(st.sampled_from(["edit", "delete"])) for d in edited}
    edits = [DocEdit(str(f), d, POL.format(name=f"new{d}") if a == "edit" else None)
             for d, a in actions.items()]
    plan = plan_save(edits, [], r.documents, r.stamps)
    apply_save(plan)
    after = _load(f)
    kept = [d for d in docs if d.doc not in edited]
    after_text = f.read_bytes().decode()
    for d in kept:  # every untouched document is still there, byte for byte
        assert document_text(decoded, d) in after_text
    want = sorted([d.name for d in kept] +
                  [f"new{d}" for d, a in actions.items() if a == "edit"])
    assert sorted(p.name for p in after.cluster.policies) == want
    assert not after.errors
    if "\r\n" in text:
        assert "\n" not in after_text.replace("\r\n", "")
    if not edited:
        assert after_text == decoded
