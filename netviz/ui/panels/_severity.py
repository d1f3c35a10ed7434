"""Severity icons and colours shared by the diagnostics and audit tables."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QStyle, QWidget

from netviz.model.diagnostics import Severity

#: Okabe-Ito: vermillion, orange, blue
SEVERITY_COLOURS = {Severity.ERROR: "#D55E00", Severity.WARNING: "#B07800",
                    Severity.INFO: "#0072B2"}

_ICONS = {
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def severity_icon(widget: QWidget, severity: Severity) -> QIcon:
    return widget.style().standardIcon(_ICONS[severity])


def severity_colour(severity: Severity) -> QColor:
    return QColor(SEVERITY_COLOURS[severity])
