"""The application state every view observes: what is loaded, how it evaluates, what is selected.

Qt-free (napari's habit: models outlive widgets). Widgets get an ``AppState`` in their
constructor and ``subscribe`` to it; the state never knows its views. Events are plain strings:

- ``"loaded"``: a new cluster (``result``, ``analyzer``, ``connections`` replaced)
- ``"evaluated"``: the same cluster re-evaluated (options or edits changed the analyzer);
  ``set_edited`` (what-if editing, ``netviz.viewmodel.editing``) also replaces ``cluster`` and
  sets ``difference`` (drawn by the graph) and ``changed_pairs`` (a hint: only these peer
  pairs changed since the previous evaluation; None when unknown)
- ``"selection"``: ``selection`` changed
- ``"filters"``: ``filters`` changed
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import Connection, connlist
from netviz.engine.diff import DiffEntry
from netviz.model import Cluster
from netviz.model.keys import VerdictKind
from netviz.model.loaded import LoadResult

Listener = Callable[[str], None]


class Observable:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: str) -> None:
        for listener in list(self._listeners):
            listener(event)


@dataclass(frozen=True)
class Selection:
    #: peer keys ("ns/name[Kind]" or "a-b[External]") of selected nodes
    nodes: frozenset[str] = frozenset()
    #: (src key, dst key) of a selected edge
    edge: tuple[str, str] | None = None
    #: key ("ns/name") of a selected policy
    policy: str | None = None
    #: a selected drawn edge that stands for several peer pairs (a group edge of the picture:
    #: its two ends' node keys) and the peer pairs it states, as ``netviz list`` names them;
    #: the Reach panel lists them, each to be explained
    group_edge: tuple[str, str] | None = None
    pairs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Filters:
    namespaces: frozenset[str] | None = None  # None: all
    text: str = ""  # name or label search
    protocol: str | None = None  # "TCP"/"UDP"/"SCTP"
    port: int | None = None  # "what can reach TCP 5432?"
    show_denied: bool = False
    focus: str | None = None  # peer key: that workload and its neighbours only
    #: edge verdicts not to draw: allowed and/or partial (denied: see ``show_denied``)
    hide_verdicts: frozenset[VerdictKind] = frozenset()


@dataclass
class AppState(Observable):
    options: Options = field(default_factory=Options)
    #: what was loaded (``netviz.io`` makes it; the type is plain data in ``netviz.model``);
    #: None when the cluster was built some other way (tests, benchmarks)
    result: LoadResult | None = None
    cluster: Cluster | None = None
    analyzer: Analyzer | None = None
    connections: list[Connection] = field(default_factory=list)
    selection: Selection = field(default_factory=Selection)
    filters: Filters = field(default_factory=Filters)
    #: what-if editing: the difference against the loaded baseline
    #: (``netviz.engine.diff.DiffEntry`` list) the graph should draw, or None
    difference: list[DiffEntry] | None = None
    #: during an ``"evaluated"`` event from ``set_edited``: the (src, dst) peer pairs whose
    #: connections changed since the previous evaluation, or None when unknown
    changed_pairs: frozenset[tuple[str, str]] | None = None

    def __post_init__(self) -> None:
        Observable.__init__(self)

    # ---- loading / evaluation
    def set_loaded(self, result: LoadResult | None, cluster: Cluster,
                   analyzer: Analyzer | None = None,
                   connections: list[Connection] | None = None) -> None:
        """Install a new cluster. ``analyzer``/``connections`` may be precomputed off the UI
        thread; otherwise they are computed here."""
        self.result = result
        self.cluster = cluster
        self.analyzer = analyzer or Analyzer(cluster, self.options)
        self.connections = connections if connections is not None else connlist(self.analyzer)
        self.selection = Selection()
        self.difference = None
        self.changed_pairs = None
        self.emit("loaded")

    def set_options(self, options: Options) -> None:
        if options == self.options:
            return
        self.options = options
        if self.cluster is not None:
            self.analyzer = Analyzer(self.cluster, options)
            self.connections = connlist(self.analyzer)
            self.emit("evaluated")

    def set_evaluation(self, options: Options, analyzer: Analyzer,
                       connections: list[Connection]) -> None:
        """Install an evaluation of the current cluster computed elsewhere (e.g. off the UI
        thread after an options change)."""
        self.options = options
        self.analyzer = analyzer
        self.connections = connections
        self.changed_pairs = None
        self.emit("evaluated")

    def set_edited(self, cluster: Cluster, analyzer: Analyzer, connections: list[Connection],
                   difference: list[DiffEntry] | None = None,
                   changed_pairs: frozenset[tuple[str, str]] | None = None) -> None:
        """Show an edited (what-if) evaluation: the same pods and workloads, other policies
        or labels. ``difference``: draw it against the baseline (None: a plain view).
        The very evaluation the state already shows, without a difference (the edit
        session's first push after a load: the same analyzer, a copy of the same list),
        changes nothing and says nothing: every view would rebuild the same thing (at 5,000
        workloads seconds of opening). The list comparison is cheap: the copy holds the
        same tuples, and ``==`` on lists checks identity first."""
        if (cluster is self.cluster and analyzer is self.analyzer
                and (connections is self.connections or connections == self.connections)
                and difference is None
                and self.difference is None):
            return
        self.cluster = cluster
        self.analyzer = analyzer
        self.options = analyzer.options
        self.connections = connections
        self.difference = difference
        self.changed_pairs = changed_pairs
        try:
            self.emit("evaluated")
        finally:
            self.changed_pairs = None

    # ---- selection / filters
    def select(self, **changes: Any) -> None:
        new = replace(Selection(), **changes)
        if new != self.selection:
            self.selection = new
            self.emit("selection")

    def set_filters(self, **changes: Any) -> None:
        new = replace(self.filters, **changes)
        if new != self.filters:
            self.filters = new
            self.emit("filters")
