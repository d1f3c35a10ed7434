"""The graph as a figure (PNG, SVG, PDF) with matplotlib, headless.

"Same picture as the app": this module draws the same ``GraphModel``/``VisibleGraph`` with the
same ``Layout`` positions, the same edge geometry (``Layout.segments``, ``arrow_head``) and the
same palette (colours, widths, dash patterns) as ``netviz.ui.graph_view``. One scene unit is one
pixel at 96 dpi, so fonts and widths match the GUI at zoom 1 (a GUI pixel is 0.75 pt here).
Very large graphs are scaled down to stay within ``MAX_INCHES``. A model with a what-if
``difference`` is drawn with the difference styles and legend (as the app's difference view).

Uses the Agg/SVG/PDF backends through ``matplotlib.figure.Figure`` directly (no pyplot, no
display, no global state).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Polygon

from netviz.model.keys import EdgeStyle
from netviz.viewmodel import palette
from netviz.viewmodel.graph import Edge, GraphModel, VisibleGraph, bundle_edges, bundle_width
from netviz.viewmodel.layout import Layout, arrow_head

PX = 0.75  # points per scene unit (96 dpi)
MAX_INCHES = 120.0
LABEL_LIMIT = 500
AUTO_BUNDLE_EDGES = 1500
TITLE_INCHES = 0.55


def _style_kwargs(name: str, width: float) -> dict[str, object]:
    st = palette.EDGE_STYLES[name]
    ls: object = "solid" if not st.dashes else (0, st.dashes)
    return {"colors": st.color, "linewidths": width, "linestyles": ls}


def figure(model: GraphModel, layout: Layout, visible: VisibleGraph, title: str = "",
           bundled: bool | None = None, highlight: Sequence[Edge] = ()) -> Figure:
    """Build the figure. ``bundled`` None: bundle namespace pairs above AUTO_BUNDLE_EDGES."""
    if bundled is None:
        bundled = len(visible.edges) > AUTO_BUNDLE_EDGES
    keys = visible.nodes
    x0, y0, w, h = layout.bounds(model, keys)
    margin = 30.0
    x0, y0, w, h = x0 - margin, y0 - margin, w + 2 * margin, h + 2 * margin
    inches_w, inches_h = w / 96.0, h / 96.0
    shrink = min(1.0, MAX_INCHES / max(inches_w, inches_h, 1e-6))
    inches_w, inches_h = inches_w * shrink, inches_h * shrink
    # keep room for the legend on small pictures
    inches_w = max(inches_w, 6.0)
    inches_h = max(inches_h, 3.2)
    fig = Figure(figsize=(inches_w, inches_h + TITLE_INCHES), facecolor=palette.BACKGROUND)
    ax = fig.add_axes((0, 0, 1, inches_h / (inches_h + TITLE_INCHES)))
    ax.set_axis_off()
    # data aspect 1:1; center the graph in the available figure area
    sx = inches_w / (w / 96.0 * shrink)
    sy = inches_h / (h / 96.0 * shrink)
    cx, cy = x0 + w / 2, y0 + h / 2
    half_w, half_h = w / 2 * sx, h / 2 * sy
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy + half_h, cy - half_h)  # y down, as in the GUI
    ax.set_aspect("equal", adjustable="box")
    k = shrink * PX  # points per scene unit
    ns_rects = layout.namespace_rects(model, set(keys), visible.namespaces)

    # namespaces
    for ns, (rx, ry, rw, rh) in ns_rects.items():
        ax.add_patch(FancyBboxPatch((rx, ry), rw, rh, boxstyle="round,pad=0,rounding_size=8",
                                    facecolor=palette.NAMESPACE_FILL,
                                    edgecolor=palette.NAMESPACE_BORDER, linewidth=1.2 * k,
                                    zorder=1))
        ax.text(rx + 10, ry + 14, f"namespace {ns}", fontsize=10.5 * shrink, fontweight="bold",
                color=palette.NAMESPACE_TEXT, va="center", ha="left", zorder=2)

    # edges
    difference = model.difference is not None
    drawn = (bundle_edges(model, visible.edges)
             + [e for e in visible.edges if e.style in palette.DIFF_STYLES]
             if bundled else list(visible.edges))
    _draw_edges(ax, model, layout, drawn, ns_rects, k, 1.0, 3,
                labels=bundled or len(drawn) <= LABEL_LIMIT, fontsize=7.5 * shrink)
    if highlight:
        _draw_edges(ax, model, layout, list(highlight), ns_rects, k,
                    palette.HIGHLIGHT_WIDTH_FACTOR, 6, labels=True, fontsize=7.5 * shrink)

    # nodes
    for key in keys:
        node = model.nodes[key]
        fill, border, text = palette.NODE_COLORS[node.kind]
        rx, ry, rw, rh = layout.rect(model, key)
        if node.kind == "external":
            kk = 12.0
            pts = [(rx + kk, ry), (rx + rw - kk, ry), (rx + rw, ry + rh / 2),
                   (rx + rw - kk, ry + rh), (rx + kk, ry + rh), (rx, ry + rh / 2)]
            ax.add_patch(Polygon(pts, closed=True, facecolor=fill, edgecolor=border,
                                 linewidth=1.3 * k, zorder=4))
        else:
            radius = rh / 2 if node.kind == "service" else 5
            ax.add_patch(FancyBboxPatch((rx, ry), rw, rh,
                                        boxstyle=f"round,pad=0,rounding_size={radius}",
                                        facecolor=fill, edgecolor=border, linewidth=1.3 * k,
                                        zorder=4))
        cx_, cy_ = rx + rw / 2, ry + rh / 2
        name = _elide(node.label, rw - 18, 9.0)
        if node.subtitle:
            ax.text(cx_, cy_ - rh / 4 + 1, name, fontsize=9.0 * shrink, fontweight="bold",
                    color=text, ha="center", va="center", zorder=5)
            ax.text(cx_, cy_ + rh / 4 - 1, _elide(node.subtitle, rw - 18, 7.8),
                    fontsize=7.8 * shrink, color=text, ha="center", va="center", zorder=5)
        else:
            ax.text(cx_, cy_, name, fontsize=9.0 * shrink, fontweight="bold", color=text,
                    ha="center", va="center", zorder=5)
        if key in model.expanded:
            pods = layout.pod_positions(model, key)
            for px, py in pods:
                ax.add_patch(FancyBboxPatch((px - 5, py - 5), 10, 10,
                                            boxstyle="round,pad=0,rounding_size=5",
                                            facecolor=palette.NODE_COLORS["pod"][0],
                                            edgecolor=palette.NODE_COLORS["pod"][1],
                                            linewidth=1.2 * k, zorder=4))

    # legend and title
    handles: list[object] = []
    admin = any(e.style == EdgeStyle.DENIED_BY_ADMIN for e in visible.edges)
    for st in palette.legend_entries(True, bundled, difference, admin_denied=admin):
        handles.append(Line2D([], [], color=st.color, linewidth=max(st.width * 1.2, 1.2),
                              linestyle="solid" if not st.dashes else (0, st.dashes),
                              label=st.label))
    for kind, label in (("workload", "Workload (×replicas)"),
                        ("service", "Service (port→target)"),
                        ("external", "External addresses")):
        fill, border, _ = palette.NODE_COLORS[kind]
        handles.append(Patch(facecolor=fill, edgecolor=border, label=label))
    ax.legend(handles=handles, loc="lower left", fontsize=8.5, frameon=True, framealpha=0.92,
              edgecolor=palette.NAMESPACE_BORDER, handlelength=3.2)
    if title:
        fig.text(0.01, 1 - TITLE_INCHES / 2 / (inches_h + TITLE_INCHES), title, fontsize=13,
                 fontweight="bold", color=palette.NAMESPACE_TEXT, ha="left", va="center")
    if visible.denied_limited:
        fig.text(0.99, 1 - TITLE_INCHES / 2 / (inches_h + TITLE_INCHES),
                 "denied pairs: use --focus to show them", fontsize=8, ha="right", va="center",
                 color=palette.NAMESPACE_TEXT)
    return fig


def _elide(text: str, width_units: float, pt: float) -> str:
    """Cut ``text`` to roughly fit ``width_units`` at ``pt`` points (average glyph 0.6 em)."""
    per_char = pt / PX * 0.6
    n = max(3, int(width_units / per_char))
    return text if len(text) <= n else text[: n - 1] + "…"


def _draw_edges(ax: Axes, model: GraphModel, layout: Layout, edges: Sequence[Edge],
                ns_rects: dict[str, tuple[float, float, float, float]], k: float, widen: float,
                z: int, labels: bool, fontsize: float) -> None:
    segs = layout.segments(model, edges, ns_rects)
    Point = tuple[float, float]
    groups: dict[tuple[str, float], tuple[list[list[Point]], list[list[Point]]]] = {}
    label_pts: list[tuple[float, float, str]] = []
    for e, (x0, y0, x1, y1) in zip(edges, segs, strict=True):
        st = palette.EDGE_STYLES[e.style]
        width = st.width * widen
        if e.style == "bundle":
            width = round(bundle_width(e.count) * 2) / 2 * widen
        lines, tris = groups.setdefault((e.style, width), ([], []))
        if e.style != "service":
            big = e.style == "bundle"
            sc = 1.0 if widen == 1.0 else 1.3
            tri = arrow_head(x0, y0, x1, y1, 10 * sc + (width if big else 0),
                             4.5 * sc + (width / 2 if big else 0))
            bx, by = (tri[1][0] + tri[2][0]) / 2, (tri[1][1] + tri[2][1]) / 2
            lines.append([(x0, y0), (bx, by)])
            tris.append(list(tri))
        else:
            lines.append([(x0, y0), (x1, y1)])
        if labels and e.label:
            label_pts.append(((x0 + x1) / 2, (y0 + y1) / 2, e.label))
    for (name, width), (lines, tris) in sorted(groups.items()):
        # GUI pens are cosmetic pixels; 1 px = 0.75 pt
        lw = width * PX
        ax.add_collection(LineCollection(lines, zorder=z, capstyle="butt",
                                         **_style_kwargs(name, lw)))
        if tris:
            ax.add_collection(PolyCollection(tris, facecolors=palette.EDGE_STYLES[name].color,
                                             edgecolors="none", zorder=z))
    for x, y, text in label_pts:
        ax.text(x, y, text, fontsize=fontsize, ha="center", va="center", zorder=z + 1,
                color="#333333",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                      "alpha": 0.88})


def save(fig: Figure, path: str | os.PathLike[str], dpi: float = 150.0) -> None:
    """Write ``fig``; the format comes from the suffix (.png, .svg, .pdf)."""
    suffix = os.fspath(path).lower().rsplit(".", 1)[-1]
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported image format .{suffix}: use .png, .svg or .pdf")
    w, h = fig.get_size_inches()
    if suffix == "png":
        # keep bitmaps below ~12k pixels a side
        dpi = min(dpi, 12000 / max(w, h))
    fig.savefig(os.fspath(path), dpi=max(20, math.floor(dpi)), format=suffix,
                facecolor=fig.get_facecolor(),
                metadata={"Creator": "netviz"} if suffix != "png" else None)
