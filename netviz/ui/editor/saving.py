"""Saving an editing session through ``netviz.io.save`` (Qt-free; the GUI asks the questions).

- ``save_in_place``: the session's ``SaveRequest`` becomes ``DocEdit``/``NewDoc``s, planned
  against the documents and file stamps of its baseline (``plan_save``) and written atomically
  (``apply_save``). A file changed on disk since the load raises ``SaveConflict`` (from the
  plan or the preflight) and nothing is written; ``force=True`` overwrites.
- ``save_as_file``: every live policy (or only new and changed ones) as one new file.
- ``save_as_folder``: one file per policy, ``<folder>/<namespace>/<name>.yaml``.
Both "save as" functions refuse to overwrite (``SaveConflict``) unless told to.
"""

from __future__ import annotations

import os
import re

from netviz.io.save import DocEdit, NewDoc, SavePlan, apply_save, plan_save, write_new_file
from netviz.viewmodel.editing import EditError, EditSession, SaveRequest


def plan_in_place(session: EditSession, *, disabled: str = "keep",
                  new_file: str | None = None) -> tuple[SavePlan, SaveRequest]:
    req = session.save_request(disabled=disabled, new_file=new_file)
    edits = [DocEdit(f, d, t) for f, d, t in req.edits]
    new_docs = [NewDoc(f, t) for f, t in req.new_docs]
    b = session.baseline
    plan = plan_save(edits, new_docs, list(b.documents), b.stamps)
    return plan, req


def save_in_place(session: EditSession, *, disabled: str = "keep",
                  new_file: str | None = None, force: bool = False) -> list[str]:
    """Write the edits into their files; returns the paths written. Raises ``EditError``
    (invalid policies), ``SaveConflict`` (changed on disk) or ``OSError``."""
    plan, req = plan_in_place(session, disabled=disabled, new_file=new_file)
    if req.empty:
        return []
    written = apply_save(plan, force=force)
    session.mark_saved()
    return written


def save_as_file(session: EditSession, path: str, *, only_changed: bool = False,
                 overwrite: bool = False) -> int:
    docs = [t for _, t in session.documents(only_changed)]
    if not docs:
        raise EditError("there is no policy to write" if not only_changed
                        else "no policy was added or changed")
    write_new_file(path, docs, overwrite=overwrite)
    session.mark_saved()
    return len(docs)


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", part) or "_"


def save_as_folder(session: EditSession, folder: str, *, only_changed: bool = False,
                   overwrite: bool = False) -> list[str]:
    docs = session.documents(only_changed)
    if not docs:
        raise EditError("there is no policy to write" if not only_changed
                        else "no policy was added or changed")
    paths = []
    for key, text in docs:
        ns, name = key.split("/", 1)
        paths.append((os.path.join(folder, _safe(ns), _safe(name) + ".yaml"), text))
    if not overwrite:
        from netviz.io.save import SaveConflict

        taken = [p for p, _ in paths if os.path.lexists(p)]
        if taken:
            raise SaveConflict(taken, f"{len(taken)} file(s) already exist in {folder}")
    for p, text in paths:
        write_new_file(p, [text], overwrite=overwrite)
    session.mark_saved()
    return [p for p, _ in paths]
