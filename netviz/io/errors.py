"""Exceptions raised by ``netviz.io`` loaders.

Problems *inside* manifests never raise: they become ``Diagnostic`` objects and loading goes on
(see ``netviz.io.manifests``). Exceptions are kept for the few cases where a load as a whole
stops. ``str(exc)`` is always a sentence written for users, ready to show as it is.
"""

from __future__ import annotations


class NetvizIOError(Exception):
    """Base class of every exception raised by ``netviz.io``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class LoadCancelled(NetvizIOError):
    """The caller's ``cancel()`` returned True; nothing was returned."""

    def __init__(self, done_files: int = 0, total_files: int = 0) -> None:
        super().__init__(
            f"loading cancelled after {done_files} of {total_files} file(s); nothing was loaded"
        )
        self.done_files = done_files
        self.total_files = total_files


class SaveConflict(NetvizIOError):
    """Saving would overwrite something that is not what the caller last saw: a file changed
    (or appeared, or vanished) on disk since it was loaded, or a "save as" target exists.
    ``paths`` lists every such file; nothing was written for them."""

    def __init__(self, paths: list[str] | tuple[str, ...], message: str | None = None) -> None:
        self.paths = list(paths)
        if message is None:
            names = ", ".join(self.paths)
            message = (
                f"{names} changed on disk since {'it was' if len(self.paths) == 1 else 'they were'}"
                " loaded; reload, or save anyway to overwrite the changes"
            )
        super().__init__(message)
