"""What-if editing (Qt-free, io-free): ``EditSession`` and the parts it is made of.

``session`` (the facade: commands, view modes, events), ``state`` (the data), ``history``
(undo/redo), ``evaluation`` (incremental evaluation and difference), ``save_plan`` (what a save
writes) and ``autosave`` (crash recovery as plain data). Each module's header states its rules.
"""

from netviz.viewmodel.editing.autosave import AUTOSAVE_FORMAT, AUTOSAVE_VERSION, AutosaveStore
from netviz.viewmodel.editing.evaluation import Evaluation
from netviz.viewmodel.editing.history import MERGE_SECONDS, History, HistoryItem
from netviz.viewmodel.editing.save_plan import SaveRequest
from netviz.viewmodel.editing.session import (
    BASELINE,
    DIFFERENCE,
    EDITED,
    VIEW_MODES,
    EditSession,
)
from netviz.viewmodel.editing.state import (
    Baseline,
    EditError,
    EditState,
    LabelTarget,
    Origin,
    ParsePolicy,
    PolicyEntry,
    rename_in_text,
    same_policy,
)

__all__ = [
    "AUTOSAVE_FORMAT",
    "AUTOSAVE_VERSION",
    "BASELINE",
    "DIFFERENCE",
    "EDITED",
    "MERGE_SECONDS",
    "VIEW_MODES",
    "AutosaveStore",
    "Baseline",
    "EditError",
    "EditSession",
    "EditState",
    "Evaluation",
    "History",
    "HistoryItem",
    "LabelTarget",
    "Origin",
    "ParsePolicy",
    "PolicyEntry",
    "SaveRequest",
    "rename_in_text",
    "same_policy",
]
