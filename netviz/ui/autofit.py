"""Refit a graph view after its viewport is resized, while the whole drawing is in view.

A window is opened, maximised, docks are shown or hidden, the user drags a splitter: each
time the graph's viewport changes size. If the whole drawing was in view before (the user
had not zoomed in or panned to a part of it), it is fitted again, so the picture keeps
filling the space it has; if the user was looking at a part, the view is left alone. The
check is geometric (was the scene's bounding rectangle inside the viewport before the
resize?), so it needs no bookkeeping of zoom and pan gestures.

``AutoFit(view)`` watches ``view.viewport()``; the view needs a ``fit()`` method.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGraphicsView

#: scene units the drawing may stick out of the view and still count as "all in view"
SLACK = 4.0


class AutoFit(QObject):
    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.enabled = True
        self.fits = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit)
        view.viewport().installEventFilter(self)

    def whole_in_view(self, width: int | None = None, height: int | None = None) -> bool:
        """Whether the whole drawing fits in a viewport of this size (default: the current
        one) at the current zoom and centre."""
        v = self.view
        scene = v.scene()
        if scene is None or not scene.items():
            return False
        vp = v.viewport().rect()
        w = vp.width() if width is None else width
        h = vp.height() if height is None else height
        t = v.transform()
        sx, sy = abs(t.m11()) or 1.0, abs(t.m22()) or 1.0
        # the centre of a viewport of that size (the view's origin is its top left)
        centre = v.mapToScene(w // 2, h // 2)
        seen = QRectF(centre.x() - w / sx / 2, centre.y() - h / sy / 2, w / sx, h / sy)
        seen.adjust(-SLACK / sx, -SLACK / sy, SLACK / sx, SLACK / sy)
        return seen.contains(scene.itemsBoundingRect())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.enabled and event.type() == QEvent.Type.Resize:
            assert isinstance(event, QResizeEvent)
            old = event.oldSize()
            if old.width() > 0 and old.height() > 0 and \
                    self.whole_in_view(old.width(), old.height()):
                self._timer.start()
        return False

    def _fit(self) -> None:
        fit = getattr(self.view, "fit", None)
        if fit is not None:
            fit()
            self.fits += 1
