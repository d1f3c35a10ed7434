"""The one palette of netviz: colours and line styles shared by the GUI and the exports.

Rules this module keeps:
- Colours come from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
  stays distinguishable for the common forms of colour blindness. Every edge style *also*
  differs in line style, so the picture reads in greyscale too.
- Dash patterns are in units of the line width (Qt's ``QPen.setDashPattern`` and matplotlib with
  ``lines.scale_dashes`` both scale them that way), so the GUI and ``netviz render`` agree.
- Qt-free: plain hex strings and tuples. ``netviz.ui`` turns them into QPens/QBrushes and
  ``netviz.export.figure`` into matplotlib styles.
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.model.keys import EdgeStyle, NodeKind

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#7F7F7F"


@dataclass(frozen=True)
class EdgeLook:
    """How one ``EdgeStyle`` is drawn."""

    name: EdgeStyle
    label: str  # legend text
    description: str  # one sentence for the README / legend tooltip
    color: str
    width: float  # pixels in the GUI (cosmetic pens), points in figures
    dashes: tuple[float, ...]  # () = solid; on/off lengths in line widths


#: keyed by ``EdgeStyle`` (a ``StrEnum``, so the plain names work as keys too)
EDGE_STYLES: dict[str, EdgeLook] = {
    EdgeStyle.ALLOWED: EdgeLook(
        EdgeStyle.ALLOWED, "Allowed", "every protocol and port is allowed", BLUISH_GREEN, 1.6, ()
    ),
    EdgeStyle.PARTIAL: EdgeLook(
        EdgeStyle.PARTIAL, "Partially allowed",
        "only some protocols/ports are allowed (they are in the label and tooltip)",
        ORANGE, 1.8, (6.0, 2.5, 1.5, 2.5),
    ),
    EdgeStyle.DENIED: EdgeLook(
        EdgeStyle.DENIED, "Denied", "nothing is allowed (shown on demand)", VERMILLION, 1.4, (3.0, 3.0)
    ),
    # denied by an Admin-tier Deny rule (AdminNetworkPolicy / ClusterNetworkPolicy): a guardrail
    # no NetworkPolicy can lift, so thicker and dash-dot-dot, apart from "nothing allows it"
    EdgeStyle.DENIED_BY_ADMIN: EdgeLook(
        EdgeStyle.DENIED_BY_ADMIN, "Denied by an Admin rule",
        "a cluster-wide Admin-tier Deny rule denies everything; no NetworkPolicy can allow it "
        "(shown on demand)", VERMILLION, 2.4, (5.0, 1.5, 1.0, 1.5, 1.0, 1.5),
    ),
    EdgeStyle.SERVICE: EdgeLook(
        EdgeStyle.SERVICE, "Service → backends", "a Service and the workloads it selects", GREY, 1.2,
        (1.0, 2.0),
    ),
    EdgeStyle.BUNDLE: EdgeLook(
        EdgeStyle.BUNDLE, "Namespace bundle",
        "connections between two namespaces, aggregated when zoomed out (width ~ count)",
        BLUE, 2.0, (),
    ),
    # the difference view (what-if editing): against the baseline that was loaded. Thicker
    # than the plain styles and each with its own line style, so they read in greyscale too.
    EdgeStyle.ADDED: EdgeLook(
        EdgeStyle.ADDED, "Newly allowed", "allowed now, denied in the baseline", BLUISH_GREEN, 3.0, ()
    ),
    EdgeStyle.REMOVED: EdgeLook(
        EdgeStyle.REMOVED, "Newly denied", "allowed in the baseline, denied now", VERMILLION, 2.6,
        (4.0, 1.5),
    ),
    EdgeStyle.CHANGED: EdgeLook(
        EdgeStyle.CHANGED, "Ports changed", "allowed before and after, on other protocols/ports",
        REDDISH_PURPLE, 2.6, (5.0, 1.5, 1.0, 1.5),
    ),
    EdgeStyle.UNCHANGED: EdgeLook(
        EdgeStyle.UNCHANGED, "Unchanged", "the same as in the baseline", "#B4BAC2", 1.0, ()
    ),
    # from outside (``netviz.viewmodel.outside``): the way in, then what the backends' policies
    # let through. Long dashes for the way in, its own dash-dot for what gets through, dots
    # for what is blocked, so they read apart from the verdict edges in greyscale too.
    EdgeStyle.ENTRY: EdgeLook(
        EdgeStyle.ENTRY, "Way in from outside",
        "outside → LoadBalancer / NodePort / externalIPs / Ingress / Route → Service (the label: "
        "who may send, the ports)", SKY_BLUE, 1.8, (8.0, 3.0),
    ),
    EdgeStyle.EXPOSED: EdgeLook(
        EdgeStyle.EXPOSED, "Gets through from outside",
        "Service → backend: what its policies let in from outside (the label: ports and from "
        "which addresses)", BLUE, 2.2, (8.0, 2.0, 2.0, 2.0),
    ),
    EdgeStyle.BLOCKED: EdgeLook(
        EdgeStyle.BLOCKED, "Blocked from outside",
        "Service → backend: the way in leads here, but its policies let nothing through",
        VERMILLION, 1.6, (1.5, 2.5),
    ),
    EdgeStyle.LEADS_OUT: EdgeLook(
        EdgeStyle.LEADS_OUT, "Leads outside",
        "a Service without a selector (Endpoints, EndpointSlices) or an ExternalName → the "
        "address or name outside the cluster", "#9A8A00", 1.4, (4.0, 2.0),
    ),
}

#: the styles of the path from outside (drawn over the plain view; they state no pairs)
OUTSIDE_STYLES: tuple[EdgeStyle, ...] = (EdgeStyle.ENTRY, EdgeStyle.EXPOSED, EdgeStyle.BLOCKED,
                                         EdgeStyle.LEADS_OUT)

#: edge styles of the difference view; ``unchanged`` is the context around them
DIFF_STYLES: tuple[EdgeStyle, ...] = (EdgeStyle.ADDED, EdgeStyle.REMOVED, EdgeStyle.CHANGED)

#: node kinds -> (fill, border, text)
NODE_COLORS: dict[str, tuple[str, str, str]] = {
    NodeKind.WORKLOAD: ("#E3F0FA", BLUE, "#10243A"),
    NodeKind.POD: ("#FFFFFF", BLUE, "#10243A"),
    NodeKind.SERVICE: ("#F8E6EF", REDDISH_PURPLE, "#3A1028"),
    NodeKind.EXTERNAL: ("#FFF8D6", "#9A8A00", "#3A3300"),
    NodeKind.INGRESS_CONTROLLER: ("#E5F4FC", BLUE, "#10243A"),
    NodeKind.OUTSIDE: ("#FFFFFF", BLACK, BLACK),
    NodeKind.ENTRY: ("#E5F4FC", SKY_BLUE, "#10243A"),
    NodeKind.DESTINATION: ("#FFF8D6", "#9A8A00", "#3A3300"),
    NodeKind.PEER: ("#EAF6EF", BLUISH_GREEN, "#0E2A1F"),
}
#: containers -> (fill, border, title text, dashed border)
CONTAINER_COLORS: dict[str, tuple[str, str, str, bool]] = {
    NodeKind.NAMESPACE: ("#F6F7F9", "#A0A7B0", "#2B3138", False),
    NodeKind.GROUP: ("#EDF2F8", "#8FA3BA", "#26384D", True),
    NodeKind.CLUSTER: ("#FCFCFD", "#C3C9D1", "#4A525C", False),
}
NAMESPACE_FILL = "#F6F7F9"
NAMESPACE_BORDER = "#A0A7B0"
NAMESPACE_TEXT = "#2B3138"
BACKGROUND = "#FFFFFF"
#: outline of the selected node(s); the halo of search matches
SELECTED = BLACK
MATCH_HALO = YELLOW
#: opacity of faded (not highlighted / not matching) items
FADED_OPACITY = 0.18
#: highlighted edges are drawn this much wider
HIGHLIGHT_WIDTH_FACTOR = 1.9


def edge_style(name: str) -> EdgeLook:
    return EDGE_STYLES[EdgeStyle(name)]


def legend_entries(show_denied: bool = True, bundles: bool = False,
                   difference: bool = False, outside: tuple[str, ...] = (),
                   admin_denied: bool = False) -> list[EdgeLook]:
    """Edge styles to list in a legend, in reading order (``difference``: the what-if
    difference view, whose edges are added/removed/changed/unchanged; ``outside``: the
    styles of the path from outside that the picture draws; ``admin_denied``: the picture
    has edges denied by Admin-tier rules)."""
    names = ([*DIFF_STYLES, EdgeStyle.UNCHANGED] if difference
             else [EdgeStyle.ALLOWED, EdgeStyle.PARTIAL])
    if show_denied and not difference:  # next to "newly denied" it would only confuse
        names.append(EdgeStyle.DENIED)
        if admin_denied:
            names.append(EdgeStyle.DENIED_BY_ADMIN)
    names.append(EdgeStyle.SERVICE)
    if bundles:
        names.append(EdgeStyle.BUNDLE)
    names += [st for st in OUTSIDE_STYLES if st in outside]
    return [EDGE_STYLES[n] for n in names]
