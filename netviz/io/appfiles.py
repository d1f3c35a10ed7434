"""netviz's own files in the user's config folder: layout sessions and edit autosaves.

Rules this module keeps:
- Everything lives under ``$XDG_CONFIG_HOME/netviz`` (``~/.config/netviz`` without it), one
  file per set of inputs, named by a hash of their resolved paths (order-free): a layout
  session is ``sessions/<hash>.json``, an edit autosave ``autosave/<hash>.json``.
- Files are written atomically (``netviz.io.atomic``) and readable by the user only
  (``private``): an autosave holds policy text the user has not saved anywhere else.
- Reading never raises: a missing, unreadable or broken file reads as None.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from netviz.io.atomic import write_atomic

__all__ = ["JsonFile", "autosave_path", "config_dir", "inputs_key", "session_path"]


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "netviz"


def inputs_key(paths: Iterable[str | os.PathLike[str]]) -> str:
    """The hash that names the files of one set of inputs (the order does not matter)."""
    key = json.dumps(sorted(str(Path(p).resolve()) for p in paths))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def session_path(paths: Iterable[str | os.PathLike[str]],
                 config: str | os.PathLike[str] | None = None) -> Path:
    """``<config>/sessions/<hash>.json``: the layout session of these inputs."""
    return config_dir(config) / "sessions" / f"{inputs_key(paths)}.json"


def autosave_path(paths: Iterable[str | os.PathLike[str]],
                  config: str | os.PathLike[str] | None = None) -> Path:
    """``<config>/autosave/<hash>.json``: the edit autosave of these inputs."""
    return config_dir(config) / "autosave" / f"{inputs_key(paths)}.json"


class JsonFile:
    """One JSON document in a file, written atomically and privately (an ``AutosaveStore``
    for ``netviz.viewmodel.editing``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def write(self, data: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=1), private=True)

    def read(self) -> Any:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def read_checked(self) -> tuple[Any, str | None]:
        """(data, problem): ``(None, None)`` when there is no file, ``(None, why)`` when it
        cannot be read as JSON (a crash mid-write by an older version, a disk error, a
        hand edit)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else None
            return None, f"it cannot be read: {why or exc}"
        try:
            return json.loads(text), None
        except (ValueError, RecursionError) as exc:
            return None, f"it is not valid JSON: {str(exc)[:80]}"

    def set_aside(self) -> Path | None:
        """Rename the file to ``<name>.corrupt-<time>.json`` beside it (kept for the user, out
        of the way of the next autosave); the new path, or None when it could not be moved."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.corrupt-{stamp}{self.path.suffix}")
        try:
            os.replace(self.path, target)
        except OSError:
            try:
                self.path.unlink()
            except OSError:
                pass
            return None
        return target
