"""The dockable panels of the main window: diagnostics, explain, policies, matrix, audit,
exposure, reach, YAML.

Rules the panels keep (STYLE.md habit 4, "models outlive widgets"):
- Every panel is a plain ``QWidget`` built as ``Panel(state: AppState, parent=None)``. It
  subscribes to the ``AppState`` in its constructor and unsubscribes when it is destroyed; it
  never holds other widgets. Content comes from Qt-free viewmodels (``netviz.viewmodel.explain``,
  ``.policies``, ``.matrix``, ``.audit``, ``.diagnostics``); no panel computes policy semantics.
- A panel changes what is selected only through ``state.select(...)``; every other view reacts
  to the ``"selection"`` event.
- ``openSource = Signal(str, int)`` — (file, 1-based line) — asks the host to show that place
  in the YAML view. Hosts connect it to ``YamlView.open_file``. Panels that can name a whole
  range (a rule) also emit ``openSourceRange = Signal(str, int, int)`` — (file, line,
  end_line, 0 when unknown) — right after ``openSource``; connect one of the two, not both.
  ``YamlView.open_file(path, line)`` without an end line highlights the YAML block starting at
  ``line`` anyway (the whole rule or document).

The panels, for the main window::

    DiagnosticsPanel(state, parent=None)           netviz.ui.panels.diagnostics_panel
        Loading problems of ``state.result.diagnostics`` (refreshed on "loaded"):
        severity (icon + text), file:line, message. ``set_diagnostics(list)`` shows a list
        directly (e.g. when a load produced no cluster).
        Signals: openSource(file, line) on double-click / Enter (not for "<stdin>").

    ExplainPanel(state, parent=None)                netviz.ui.panels.explain_panel
        Why traffic from a source to a target is allowed or not, per direction, with the
        selecting policies and every rule. Follows ``selection.edge``; the source/target combo
        boxes (with completion) explain any pair and select that edge.
        ``explain(src, dst) -> bool`` does it programmatically.
        Signals: openSource(file, line), openSourceRange(file, line, end_line),
        explained(src, dst).

    PoliciesPanel(state, parent=None)               netviz.ui.panels.policies_panel
        Tree: policy -> pod selector, selected pods per direction, rules -> peers (with the
        workloads they match) and ports. Selecting a row calls ``state.select(policy=key)``;
        ``selection.policy`` set elsewhere selects the row. What a policy "affects" (for
        highlighting in other views): ``netviz.viewmodel.policies.affected_workloads``.
        Signals: openSource(file, line), openSourceRange(file, line, end_line) on activation.

    MatrixPanel(state, parent=None)                 netviz.ui.panels.matrix_panel
        Workload x workload reachability coloured like the graph (palette edge colours), a
        port filter ("TCP 5432"), "External peers" toggle, "Export CSV…". Respects
        ``filters.namespaces``. Clicking a cell: ``state.select(edge=(src, dst))``; a header:
        ``state.select(nodes={key})``. Selected nodes/edge/policy highlight rows, columns, cell.
        ``export_csv(path)`` writes the matrix as shown.
        Signals: rebuilt(), exported(path).

    AuditPanel(state, parent=None)                  netviz.ui.panels.audit_panel
        Findings of ``netviz.engine.audit`` (recomputed on "loaded"/"evaluated"), filterable by
        severity. Selecting a finding selects its objects (workloads and ``svc:ns/name`` as
        nodes, the first policy as ``policy``).
        Signals: openSource(file, line) on double-click / Enter / "Open source".

    ExposurePanel(state, parent=None)               netviz.ui.panels.exposure_panel
        Each workload marked with what could reach it beyond today's pods (the internet,
        any namespace, new pods with given labels; ``netviz.viewmodel.exposure``), most
        exposed first, with the reasons and rule links of the selected one. Computed when
        shown, and on "loaded"/"evaluated" while visible. Selecting a row selects the workload.
        Signals: openSource(file, line) from the links of the explanation.

    ReachPanel(state, parent=None)                  netviz.ui.panels.reach_panel
        The one-click questions (``netviz.viewmodel.reach``): "who can reach X?" for the
        selected workload or Service (sources by namespace, connection, Services it goes
        through) and "what reaches port P?" for ``filters.protocol``/``port`` (pairs by
        destination). Switches to the port mode when a port filter is set. Selecting a row
        selects that pair (``state.select(edge=...)``); a destination row selects the node.
        ``ask_who(key)``, ``ask_port(text)``, ``rows()``. Signals: answered().

    YamlView(state=None, parent=None, text_provider=None)   netviz.ui.panels.yaml_view
        Read-only QPlainTextEdit with line numbers and YAML colours.
        ``open_file(path, line=1, end_line=None) -> bool`` reads the file (or asks
        ``text_provider(path)`` first, for "<stdin>" and snapshots), scrolls to ``line`` and
        highlights ``line..end_line`` or the YAML block at ``line``.
        ``highlighted_range()``, ``current_file``, ``reload()``.
        Signals: fileOpened(path, line).

Typical wiring::

    yaml = YamlView(state)
    for panel in (DiagnosticsPanel(state), ExplainPanel(state), PoliciesPanel(state),
                  AuditPanel(state)):
        panel.openSource.connect(yaml.open_file)
        add_dock(panel)
"""

from netviz.ui.panels.audit_panel import AuditPanel
from netviz.ui.panels.diagnostics_panel import DiagnosticsPanel
from netviz.ui.panels.explain_panel import ExplainPanel
from netviz.ui.panels.exposure_panel import ExposurePanel
from netviz.ui.panels.matrix_panel import MatrixPanel
from netviz.ui.panels.policies_panel import PoliciesPanel
from netviz.ui.panels.reach_panel import ReachPanel
from netviz.ui.panels.yaml_view import YamlView

__all__ = [
    "AuditPanel",
    "DiagnosticsPanel",
    "ExplainPanel",
    "ExposurePanel",
    "MatrixPanel",
    "PoliciesPanel",
    "ReachPanel",
    "YamlView",
]
