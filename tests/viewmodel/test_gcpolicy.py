"""When the cyclic garbage collector runs while the app edits (``gcpolicy``): frozen after a
load, paused inside an edit (evaluation and the views' update), untouched unless configured."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from test_editing import entry_id, inputs, session  # noqa: F401  (pytest fixtures)

from netviz.viewmodel.editing import gcpolicy


@pytest.fixture
def app_mode() -> Iterator[None]:
    was_enabled = gc.isenabled()
    threshold = gc.get_threshold()
    gcpolicy.configure("app")
    try:
        yield
    finally:
        gc.unfreeze()
        gcpolicy.configure("none")
        gc.set_threshold(*threshold)
        if was_enabled:
            gc.enable()


def test_unconfigured_it_changes_nothing() -> None:
    assert gcpolicy.MODE == "none"
    frozen = gc.get_freeze_count()
    gcpolicy.after_load()
    assert gc.get_freeze_count() == frozen
    with gcpolicy.paused():
        assert gc.isenabled()
    with pytest.raises(ValueError, match="unknown GC mode"):
        gcpolicy.configure("sometimes")


def test_app_mode_freezes_a_load_and_pauses_edits(app_mode: None) -> None:
    assert gc.get_threshold()[0] >= gcpolicy.YOUNG_THRESHOLD
    keep = [[i] for i in range(1000)]  # a "load"
    gcpolicy.after_load()
    frozen = gc.get_freeze_count()
    assert frozen >= len(keep)
    # a reload: what was frozen is collected once, then the new state is frozen
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    gcpolicy.after_load()
    assert gc.get_freeze_count() > 0
    with gcpolicy.paused():
        assert not gc.isenabled()
        with gcpolicy.paused():  # nested: the outer one re-enables
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gcpolicy.idle()
    assert gc.isenabled()


def test_an_edit_runs_with_the_collector_paused(app_mode: None, session) -> None:  # noqa: F811
    s = session
    seen: list[bool] = []
    s.subscribe(lambda event: event == "edited" and seen.append(gc.isenabled()))
    i = entry_id(s, "shop/api-from-web")
    s.set_policy_text(i, s.entry(i).text.replace("8000", "8443"))
    s.undo()
    assert seen == [False, False]
    assert gc.isenabled()
