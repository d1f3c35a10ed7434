"""File > Snapshot from cluster: a dialog that reads a running cluster into a snapshot file.

The dialog is a thin view over ``netviz.io.cluster``: it lists the kubeconfig's contexts,
runs ``take_snapshot`` + ``write_snapshot`` in a ``QThread`` worker, shows progress per
resource kind (count, done, or the gap and why), and cancels cooperatively (the worker's
``cancel()`` is polled before every request; nothing is written when cancelled). On success it
emits ``snapshotWritten(path)``; the main window connects that to opening the file.

Closing the dialog while a snapshot runs cancels it first and closes when the worker has
stopped, so a thread never outlives its owner.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netviz.io import cluster


class SnapshotJob(QObject):
    """Takes and writes one snapshot; lives in a worker thread. Emits exactly one of
    ``written``, ``failed``, ``cancelled``."""

    progress = Signal(str, int, str)  # kind, items so far, status
    written = Signal(str, object)  # path, gaps (list of dicts)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        kubeconfig: str | None,
        context: str | None,
        namespaces: list[str] | None,
        path: str,
        timeout: float = 30.0,
    ) -> None:
        super().__init__()
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespaces = namespaces
        self.path = path
        self.timeout = timeout
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            snap = cluster.take_snapshot(
                self.kubeconfig,
                self.context,
                self.namespaces,
                progress=self.progress.emit,
                cancel=self._cancel.is_set,
                timeout=self.timeout,
            )
            if self._cancel.is_set():
                raise cluster.SnapshotCancelled()
            cluster.write_snapshot(snap, self.path)
        except cluster.SnapshotCancelled:
            self.cancelled.emit()
        except cluster.SnapshotError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            self.written.emit(self.path, snap.gaps)


def parse_namespaces(text: str) -> list[str] | None:
    """``"shop, payments"`` -> ``["shop", "payments"]``; empty -> None (all namespaces)."""
    names = [n for n in re.split(r"[\s,]+", text.strip()) if n]
    return list(dict.fromkeys(names)) or None


class SnapshotDialog(QDialog):
    """Snapshot from cluster. ``snapshotWritten(path)`` after a snapshot file was written;
    ``runFinished(outcome)`` after every run, outcome ``written``/``failed``/``cancelled``."""

    snapshotWritten = Signal(str)
    runFinished = Signal(str)

    COL_KIND, COL_COUNT, COL_STATUS = range(3)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        kubeconfig: str | None = None,
        output: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Snapshot from cluster")
        self.setMinimumWidth(560)
        self.timeout = timeout
        self._thread: QThread | None = None
        self._job: SnapshotJob | None = None
        self._close_when_stopped = False
        self._rows: dict[str, QTreeWidgetItem] = {}

        self.kubeconfig_edit = QLineEdit(kubeconfig or "")
        self.kubeconfig_edit.setPlaceholderText("default: $KUBECONFIG, else ~/.kube/config")
        self.kubeconfig_edit.editingFinished.connect(self.reload_contexts)
        browse_kc = QPushButton("Browse…")
        browse_kc.clicked.connect(self._browse_kubeconfig)
        self.context_combo = QComboBox()
        self.context_combo.setMinimumContentsLength(24)
        self.namespaces_edit = QLineEdit()
        self.namespaces_edit.setPlaceholderText("all namespaces (or e.g. shop, payments)")
        self.output_edit = QLineEdit(output or "")
        self.output_edit.setPlaceholderText("snapshot file to write, e.g. cluster.yaml")
        browse_out = QPushButton("Browse…")
        browse_out.clicked.connect(self._browse_output)

        form = QFormLayout()
        form.addRow("Kubeconfig:", _row(self.kubeconfig_edit, browse_kc))
        form.addRow("Context:", self.context_combo)
        form.addRow("Namespaces:", self.namespaces_edit)
        form.addRow("Write to:", _row(self.output_edit, browse_out))

        self.progress_list = QTreeWidget()
        self.progress_list.setHeaderLabels(["Kind", "Objects", "Status"])
        self.progress_list.setRootIsDecorated(False)
        self.progress_list.setUniformRowHeights(True)
        header = self.progress_list.header()
        header.setSectionResizeMode(self.COL_KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COL_COUNT, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.status_label = QLabel("Secrets and ConfigMaps are never read.")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.take_button = QPushButton("Take snapshot")
        self.take_button.setDefault(True)
        self.take_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.take_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_list, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.reload_contexts()

    # ------------------------------------------------------------------ inputs

    @property
    def running(self) -> bool:
        return self._job is not None

    def kubeconfig(self) -> str | None:
        return self.kubeconfig_edit.text().strip() or None

    @Slot()
    def reload_contexts(self) -> None:
        keep = self.context_combo.currentText()
        self.context_combo.clear()
        try:
            names, current = cluster.list_contexts(self.kubeconfig())
        except cluster.SnapshotError as exc:
            self._set_status(str(exc), error=True)
            self.take_button.setEnabled(False)
            return
        self.context_combo.addItems(names)
        chosen = keep if keep in names else current
        if chosen in names:
            self.context_combo.setCurrentText(chosen)
        self.take_button.setEnabled(bool(names) and not self.running)
        self._set_status(
            f"{len(names)} context(s). Secrets and ConfigMaps are never read."
            if names
            else "the kubeconfig has no contexts",
            error=not names,
        )

    def _browse_kubeconfig(self) -> None:
        start = self.kubeconfig() or os.path.expanduser("~/.kube")
        path, _ = QFileDialog.getOpenFileName(self, "Kubeconfig", start)
        if path:
            self.kubeconfig_edit.setText(path)
            self.reload_contexts()

    def _browse_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Write snapshot to", self.output_edit.text(), "YAML files (*.yaml *.yml)"
        )
        if path:
            self.output_edit.setText(path)

    # ------------------------------------------------------------------ running

    @Slot()
    def start(self) -> None:
        if self.running:
            return
        path = self.output_edit.text().strip()
        if not path:
            self._set_status("choose the file to write the snapshot to", error=True)
            return
        path = os.path.expanduser(path)
        try:
            cluster.check_writable(path, self.kubeconfig())
        except cluster.SnapshotWriteError as exc:
            self._set_status(str(exc), error=True)
            return
        context = self.context_combo.currentText() or None
        self.progress_list.clear()
        self._rows.clear()
        job = SnapshotJob(
            self.kubeconfig(),
            context,
            parse_namespaces(self.namespaces_edit.text()),
            path,
            timeout=self.timeout,
        )
        thread = QThread()
        job.moveToThread(thread)
        thread.started.connect(job.run)
        # bound slots of this dialog: delivered queued on the UI thread
        job.progress.connect(self._on_progress)
        job.written.connect(self._on_written)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self._job, self._thread = job, thread
        self._set_running(True)
        self._set_status(f"Reading {context or 'the current context'}…")
        thread.start()

    @Slot()
    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self._set_status("Cancelling…")

    @Slot(str, int, str)
    def _on_progress(self, kind: str, count: int, status: str) -> None:
        row = self._rows.get(kind)
        if row is None:
            row = QTreeWidgetItem([kind, "", ""])
            row.setTextAlignment(self.COL_COUNT, Qt.AlignmentFlag.AlignRight)
            self.progress_list.addTopLevelItem(row)
            self._rows[kind] = row
        if status.startswith("gap"):
            # keep the count of what was read (other namespaces may have worked)
            previous = row.text(self.COL_STATUS)
            text = status if not previous.startswith("gap") else f"{previous}; {status}"
            row.setText(self.COL_STATUS, text)
            row.setToolTip(self.COL_STATUS, text)
            row.setForeground(self.COL_STATUS, Qt.GlobalColor.darkRed)
            return
        row.setText(self.COL_COUNT, "" if status == "not served" else str(count))
        if row.text(self.COL_STATUS).startswith("gap") and status in ("reading", "done"):
            return
        row.setText(self.COL_STATUS, status)

    @Slot(str, object)
    def _on_written(self, path: str, gaps: Any) -> None:
        self._stopped()
        gaps = list(gaps or [])
        msg = f"Wrote {path}."
        if gaps:
            lines = [
                f"{g['kind']}{' in ' + g['namespace'] if g.get('namespace') else ''}: {g['reason']}"
                for g in gaps
            ]
            msg += f" {len(gaps)} gap(s), missing from the snapshot:\n" + "\n".join(lines)
        self._set_status(msg, error=bool(gaps))
        self.snapshotWritten.emit(path)
        self._finish("written")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._stopped()
        self._set_status(f"No snapshot written: {message}", error=True)
        self._finish("failed")

    @Slot()
    def _on_cancelled(self) -> None:
        self._stopped()
        self._set_status("Cancelled; nothing was written.")
        self._finish("cancelled")

    def _stopped(self) -> None:
        thread = self._thread
        self._job, self._thread = None, None
        if thread is not None:
            thread.quit()
            thread.wait()
        self._set_running(False)

    def _finish(self, outcome: str) -> None:
        self.runFinished.emit(outcome)
        if self._close_when_stopped:
            self._close_when_stopped = False
            super().reject()

    def _set_running(self, running: bool) -> None:
        self.take_button.setEnabled(not running and self.context_combo.count() > 0)
        self.cancel_button.setEnabled(running)
        for w in (self.kubeconfig_edit, self.context_combo, self.namespaces_edit, self.output_edit):
            w.setEnabled(not running)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #a40000;" if error else "")

    # ------------------------------------------------------------------ closing

    def reject(self) -> None:
        if self.running:
            self._close_when_stopped = True
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: Any) -> None:
        if self.running:
            self._close_when_stopped = True
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w, 1 if isinstance(w, QLineEdit) else 0)
    return box
