"""The window's scene keeps its edges in chunks (``PictureScene.set_edges``): what it draws is
what one batch per style draws, before and after an update, and an update builds again only
the chunks whose edges changed."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from netviz.io.manifests import load_paths
from netviz.ui import scene as S
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import DrawnEdge, picture

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def drawn(sc: S.PictureScene) -> dict[tuple[str, float, bool], list[tuple[float, float, int]]]:
    """Per style: every path element (x, y, type), sorted: what the batches draw together."""
    out: dict[tuple[str, float, bool], list[tuple[float, float, int]]] = {}
    for it in sc.edge_layer:
        if isinstance(it, S.EdgeLayer):
            key = (it.pen().color().name() if not it.is_arrows else it.brush().color().name(),
                   it.pen().widthF(), it.is_arrows)
            path = it.path()
            got = out.setdefault(key, [])
            for i in range(path.elementCount()):
                el = path.elementAt(i)
                got.append((round(el.x, 3), round(el.y, 3), int(el.type.value)))
    return {k: sorted(v) for k, v in out.items()}


def test_chunks_draw_what_one_batch_draws_and_update_only_what_changed(qtbot, monkeypatch):
    result = load_paths([str(DEMO)])
    from netviz.engine.analyzer import Analyzer
    from netviz.engine.connlist import connlist

    an = Analyzer(result.cluster)
    model = GraphModel(result.cluster, connlist(an), an)
    pic = picture(model, model.view(), Layout())
    assert len(pic.edges) > 20
    monkeypatch.setattr(S, "CHUNK_MIN_EDGES", 1)
    chunked = S.PictureScene()
    chunked.edge_chunks = 3
    chunked.set_edges(pic.edges)
    plain = S.PictureScene()
    plain.set_edges(pic.edges)
    assert len(chunked._chunks) > 1
    assert drawn(chunked) == drawn(plain)
    # an update: one edge gone, one drawn again (a new object): only their chunks are built
    built: list[int] = []
    real = S.edge_items

    def counting(edges, *a, **k):  # type: ignore[no-untyped-def]
        built.append(len(edges))
        return real(edges, *a, **k)

    monkeypatch.setattr(S, "edge_items", counting)
    e0, e1 = pic.edges[0], pic.edges[-1]
    again = DrawnEdge(e1.edge, list(e1.points), e1.label, e1.label_rect, e1.source_dot)
    edges2 = [*pic.edges[1:-1], again]
    items_before = {k: list(v) for k, v in chunked._chunk_items.items()}
    chunked.set_edges(edges2)
    assert 1 <= len(built) <= 2
    untouched = [k for k, v in chunked._chunk_items.items()
                 if k in items_before and v == items_before[k]]
    assert len(untouched) == len(chunked._chunk_items) - len(built)
    fresh = S.PictureScene()
    fresh.set_edges(edges2)
    assert drawn(chunked) == drawn(fresh)
    assert e0 not in [d for c in chunked._chunks.values() for d in c]


def test_locality_of_node_keys() -> None:
    assert S.locality("app/api[Deployment]") == "app"
    assert S.locality("grp:app/3") == "app"
    assert S.locality("svc:app/web") == "app"
    assert S.locality("ns:app") == "app"
    assert S.locality("10.0.0.0-10.255.255.255[External]") == ""
    assert S.locality("::-::ffff[External]") == ""
    assert S._cell("10.0.0.0-10.255.255.255[External]", 8) >= 8
    assert 0 <= S._cell("app/api[Deployment]", 8) < 8


def _shot(sc: S.PictureScene, scale: float) -> bytes:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    r = sc.itemsBoundingRect()
    img = QImage(int(r.width() * scale) + 8, int(r.height() * scale) + 8,
                 QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    # a fractional offset: the canvas keeps the view's position within a pixel
    target = QRectF(3.4, 2.7, r.width() * scale, r.height() * scale)
    sc.render(p, target, r)
    p.end()
    return bytes(img.constBits())


def test_edge_canvas_draws_the_pixels_the_layers_draw(qtbot, monkeypatch):
    """Zoomed out, the window's edges are painted from one image (``EdgeCanvas``): the same
    pixels as every layer drawing itself, faded or not; a picture of one chunk has none."""
    result = load_paths([str(DEMO)])
    from netviz.engine.analyzer import Analyzer
    from netviz.engine.connlist import connlist

    an = Analyzer(result.cluster)
    model = GraphModel(result.cluster, connlist(an), an)
    pic = picture(model, model.view(), Layout())
    monkeypatch.setattr(S, "CHUNK_MIN_EDGES", 1)
    sc = S.PictureScene()
    sc.edge_chunks = 3
    sc.show(pic)
    canvas = sc.edge_canvas
    assert canvas is not None
    layers = [it for it in sc.edge_layer if isinstance(it, S.EdgeLayer)]
    assert layers and all(it.canvas is canvas for it in layers)

    for fade in (1.0, 0.3):
        for it in sc.edge_layer:
            it.setOpacity(fade)
        with_canvas = _shot(sc, 0.1)
        assert canvas._image is not None and canvas._key is not None
        monkeypatch.setattr(S, "CANVAS_MAX_PIXELS", 0)
        without = _shot(sc, 0.1)
        monkeypatch.setattr(S, "CANVAS_MAX_PIXELS", 8_000_000)
        # antialiased edges composited through the image (and faded ones kept in an image with alpha) may round a channel a few steps differently
        diff = np.abs(np.frombuffer(with_canvas, np.uint8).astype(int)
                      - np.frombuffer(without, np.uint8))
        assert int(diff.max()) <= 6, (fade, int(diff.max()))
    # zoomed in, the layers draw themselves (the canvas draws nothing)
    canvas._image = None
    _shot(sc, 0.5)
    assert canvas._image is None
    monkeypatch.setattr(S, "CHUNK_MIN_EDGES", 10 ** 9)
    sc.set_edges(pic.edges)
    assert sc.edge_canvas is None
    assert all(it.canvas is None for it in sc.edge_layer if isinstance(it, S.EdgeLayer))
