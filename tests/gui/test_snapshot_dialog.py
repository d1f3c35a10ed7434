"""SnapshotDialog against the fake API server: contexts, progress per kind, gaps, errors,
cancel. Tests wait on the dialog's signals, never on sleeps."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for fakekube

from fakekube import FakeKube, KubeconfigFactory, load_manifests

from netviz.ui.snapshot_dialog import SnapshotDialog, parse_namespaces

pytestmark = pytest.mark.gui

DATA = Path(__file__).resolve().parents[1] / "data" / "snapshot_manifests"
WAIT_MS = 15_000


@pytest.fixture
def fake() -> Iterator[FakeKube]:
    with FakeKube(load_manifests([DATA])) as server:
        yield server


@pytest.fixture
def kubeconfig(fake: FakeKube, tmp_path: Path) -> Path:
    return KubeconfigFactory(fake, tmp_path).write(current="cert")


@pytest.fixture
def dialog(qtbot, kubeconfig: Path, tmp_path: Path) -> SnapshotDialog:
    d = SnapshotDialog(kubeconfig=str(kubeconfig), output=str(tmp_path / "snap.yaml"))
    qtbot.addWidget(d)
    return d


def _rows(d: SnapshotDialog) -> dict[str, tuple[str, str]]:
    out = {}
    for i in range(d.progress_list.topLevelItemCount()):
        item = d.progress_list.topLevelItem(i)
        out[item.text(0)] = (item.text(1), item.text(2))
    return out


def test_contexts_come_from_the_kubeconfig(dialog: SnapshotDialog) -> None:
    combo = dialog.context_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "token",
        "cert",
        "exec",
        "bad-token",
        "unreachable",
        "wrong-ca",
    ]
    assert combo.currentText() == "cert"  # the current context
    assert dialog.take_button.isEnabled()


def test_missing_kubeconfig_is_explained(qtbot, tmp_path: Path) -> None:
    d = SnapshotDialog(kubeconfig=str(tmp_path / "nope"))
    qtbot.addWidget(d)
    assert d.context_combo.count() == 0
    assert not d.take_button.isEnabled()
    assert "no kubeconfig found" in d.status_label.text()


def test_snapshot_written_with_progress_per_kind(
    qtbot, dialog: SnapshotDialog, tmp_path: Path
) -> None:
    dialog.context_combo.setCurrentText("exec")
    with qtbot.waitSignal(dialog.snapshotWritten, timeout=WAIT_MS) as blocker:
        dialog.take_button.click()
        assert dialog.running and dialog.cancel_button.isEnabled()
    path = tmp_path / "snap.yaml"
    assert blocker.args == [str(path)]
    doc = yaml.safe_load(path.read_text())
    assert doc["header"]["context"] == "exec"
    rows = _rows(dialog)
    assert rows["Pod"] == ("7", "done")
    assert rows["NetworkPolicy"] == ("6", "done")
    assert rows["Namespace"] == ("3", "done")
    assert not dialog.running and not dialog.cancel_button.isEnabled()
    assert dialog.take_button.isEnabled()
    assert "Wrote" in dialog.status_label.text()


def test_namespaces_field(qtbot, dialog: SnapshotDialog, tmp_path: Path) -> None:
    assert parse_namespaces("") is None
    assert parse_namespaces(" shop,payments  shop ") == ["shop", "payments"]
    dialog.namespaces_edit.setText("shop, payments")
    with qtbot.waitSignal(dialog.snapshotWritten, timeout=WAIT_MS):
        dialog.take_button.click()
    doc = yaml.safe_load((tmp_path / "snap.yaml").read_text())
    assert doc["header"]["namespaces"] == ["shop", "payments"]


def test_gap_is_shown(qtbot, fake: FakeKube, dialog: SnapshotDialog) -> None:
    fake.forbidden.add("services")
    with qtbot.waitSignal(dialog.snapshotWritten, timeout=WAIT_MS):
        dialog.take_button.click()
    count, status = _rows(dialog)["Service"]
    assert status.startswith("gap: forbidden (403)")
    assert "1 gap(s)" in dialog.status_label.text()
    assert "Service: forbidden" in dialog.status_label.text()


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("bad-token", "401"),
        ("unreachable", "cannot reach the API server"),
        ("wrong-ca", "TLS failure"),
    ],
)
def test_errors_are_shown_and_nothing_written(
    qtbot, dialog: SnapshotDialog, tmp_path: Path, context: str, expected: str
) -> None:
    dialog.context_combo.setCurrentText(context)
    with qtbot.assertNotEmitted(dialog.snapshotWritten):
        with qtbot.waitSignal(dialog.runFinished, timeout=WAIT_MS) as blocker:
            dialog.take_button.click()
    assert blocker.args == ["failed"]
    assert expected in dialog.status_label.text()
    assert "No snapshot written" in dialog.status_label.text()
    assert not (tmp_path / "snap.yaml").exists()


def test_cancel_works_and_leaves_no_file(
    qtbot, fake: FakeKube, dialog: SnapshotDialog, tmp_path: Path
) -> None:
    fake.delay = 0.05  # every request takes a while: the snapshot is still running
    dialog.context_combo.setCurrentText("token")
    with qtbot.waitSignal(
        dialog.progress_list.model().rowsInserted, timeout=WAIT_MS
    ):  # the first kind is being read
        dialog.take_button.click()
    with qtbot.assertNotEmitted(dialog.snapshotWritten):
        with qtbot.waitSignal(dialog.runFinished, timeout=WAIT_MS) as blocker:
            dialog.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert "nothing was written" in dialog.status_label.text()
    assert [p.name for p in tmp_path.iterdir() if "snap" in p.name] == []
    assert "/apis/networking.k8s.io/v1/networkpolicies" not in [p for p, _, _ in fake.requests]


def test_closing_while_running_cancels_first(
    qtbot, fake: FakeKube, dialog: SnapshotDialog, tmp_path: Path
) -> None:
    fake.delay = 0.05
    dialog.show()
    with qtbot.waitSignal(dialog.progress_list.model().rowsInserted, timeout=WAIT_MS):
        dialog.take_button.click()
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT_MS):
        dialog.reject()
        assert dialog.isVisible()  # still there until the worker stopped
    assert not dialog.running
    assert not (tmp_path / "snap.yaml").exists()


def test_unwritable_output_is_refused(qtbot, dialog: SnapshotDialog, tmp_path: Path) -> None:
    dialog.output_edit.setText(str(tmp_path / "missing" / "snap.yaml"))
    with qtbot.assertNotEmitted(dialog.runFinished):
        dialog.take_button.click()
    assert not dialog.running
    assert "does not exist" in dialog.status_label.text()
