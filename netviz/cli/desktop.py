"""Can the app start on this desktop? Checked before Qt is asked to, so that a missing system
library is a message with the exact install command instead of Qt's abort.

On Linux, Qt loads a *platform plugin* (``xcb`` for X11, ``wayland``) when the QApplication is
made; when the plugin cannot load (on a fresh desktop: ``libxcb-cursor0``, and on minimal
systems ``libxcb-icccm4``, ``libxkbcommon-x11-0``, ...) Qt prints its own message and aborts the
process: nothing can catch that. So ``netviz gui`` first:

- finds the plugin file in the installed PySide6 (without importing Qt),
- lists the shared libraries it cannot resolve (``ldd``, which resolves them transitively; or
  ``dlopen`` through ctypes when ldd is missing, which names the first one),
- checks that there is a display to connect to (``DISPLAY`` for xcb, ``WAYLAND_DISPLAY`` for
  wayland), and for xcb that it answers (``xcb_connect`` through ctypes, as Qt connects),

and when something is missing prints which libraries, the package names of the user's
distribution (Debian/Ubuntu, Fedora, Arch, openSUSE; ``/etc/os-release``) and the install
command. ``QT_QPA_PLATFORM=offscreen`` (tests, ``netviz render``) needs none of this.
Not on Linux: no check (Qt ships what it needs on Windows and macOS).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

#: soname -> package per distribution family (README lists the same)
PACKAGES: dict[str, dict[str, str]] = {
    "libxcb-cursor.so.0": {"debian": "libxcb-cursor0", "fedora": "xcb-util-cursor",
                           "arch": "xcb-util-cursor", "suse": "libxcb-cursor0"},
    "libxcb-icccm.so.4": {"debian": "libxcb-icccm4", "fedora": "xcb-util-wm",
                          "arch": "xcb-util-wm", "suse": "libxcb-icccm4"},
    "libxcb-keysyms.so.1": {"debian": "libxcb-keysyms1", "fedora": "xcb-util-keysyms",
                            "arch": "xcb-util-keysyms", "suse": "libxcb-keysyms1"},
    "libxcb-image.so.0": {"debian": "libxcb-image0", "fedora": "xcb-util-image",
                          "arch": "xcb-util-image", "suse": "libxcb-image0"},
    "libxcb-render-util.so.0": {"debian": "libxcb-render-util0", "fedora": "xcb-util-renderutil",
                                "arch": "xcb-util-renderutil", "suse": "libxcb-render-util0"},
    "libxkbcommon-x11.so.0": {"debian": "libxkbcommon-x11-0", "fedora": "libxkbcommon-x11",
                              "arch": "libxkbcommon-x11", "suse": "libxkbcommon-x11-0"},
    "libxkbcommon.so.0": {"debian": "libxkbcommon0", "fedora": "libxkbcommon",
                          "arch": "libxkbcommon", "suse": "libxkbcommon0"},
    "libxcb-shape.so.0": {"debian": "libxcb-shape0", "fedora": "libxcb", "arch": "libxcb",
                          "suse": "libxcb-shape0"},
    "libxcb-randr.so.0": {"debian": "libxcb-randr0", "fedora": "libxcb", "arch": "libxcb",
                          "suse": "libxcb-randr0"},
    "libxcb-xinerama.so.0": {"debian": "libxcb-xinerama0", "fedora": "libxcb",
                             "arch": "libxcb", "suse": "libxcb-xinerama0"},
    "libxcb-xkb.so.1": {"debian": "libxcb-xkb1", "fedora": "libxcb", "arch": "libxcb",
                        "suse": "libxcb-xkb1"},
    "libxcb-sync.so.1": {"debian": "libxcb-sync1", "fedora": "libxcb", "arch": "libxcb",
                         "suse": "libxcb-sync1"},
    "libxcb-xfixes.so.0": {"debian": "libxcb-xfixes0", "fedora": "libxcb", "arch": "libxcb",
                           "suse": "libxcb-xfixes0"},
    "libxcb-shm.so.0": {"debian": "libxcb-shm0", "fedora": "libxcb", "arch": "libxcb",
                        "suse": "libxcb-shm0"},
    "libxcb-render.so.0": {"debian": "libxcb-render0", "fedora": "libxcb", "arch": "libxcb",
                           "suse": "libxcb-render0"},
    "libxcb.so.1": {"debian": "libxcb1", "fedora": "libxcb", "arch": "libxcb",
                    "suse": "libxcb1"},
    "libX11-xcb.so.1": {"debian": "libx11-xcb1", "fedora": "libX11-xcb", "arch": "libx11",
                        "suse": "libX11-xcb1"},
    "libX11.so.6": {"debian": "libx11-6", "fedora": "libX11", "arch": "libx11",
                    "suse": "libX11-6"},
    "libEGL.so.1": {"debian": "libegl1", "fedora": "libglvnd-egl", "arch": "libglvnd",
                    "suse": "libEGL1"},
    "libGL.so.1": {"debian": "libgl1", "fedora": "libglvnd-glx", "arch": "libglvnd",
                   "suse": "libGL1"},
    "libOpenGL.so.0": {"debian": "libopengl0", "fedora": "libglvnd-opengl", "arch": "libglvnd",
                       "suse": "libOpenGL0"},
    "libfontconfig.so.1": {"debian": "libfontconfig1", "fedora": "fontconfig",
                           "arch": "fontconfig", "suse": "libfontconfig1"},
    "libfreetype.so.6": {"debian": "libfreetype6", "fedora": "freetype", "arch": "freetype2",
                         "suse": "libfreetype6"},
    "libdbus-1.so.3": {"debian": "libdbus-1-3", "fedora": "dbus-libs", "arch": "dbus",
                       "suse": "libdbus-1-3"},
    "libwayland-client.so.0": {"debian": "libwayland-client0", "fedora": "libwayland-client",
                               "arch": "wayland", "suse": "libwayland-client0"},
    "libwayland-cursor.so.0": {"debian": "libwayland-cursor0", "fedora": "libwayland-cursor",
                               "arch": "wayland", "suse": "libwayland-cursor0"},
}
COMMANDS = {
    "debian": "sudo apt-get install -y",
    "fedora": "sudo dnf install -y",
    "arch": "sudo pacman -S --needed",
    "suse": "sudo zypper install -y",
}
FAMILY_NAMES = {"debian": "Debian/Ubuntu", "fedora": "Fedora/RHEL", "arch": "Arch",
                "suse": "openSUSE"}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_DLOPEN = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def family(os_release: str) -> str | None:
    """The distribution family from the text of /etc/os-release (ID, then ID_LIKE)."""
    fields: dict[str, str] = {}
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip().strip('"')
    for word in [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]:
        w = word.lower()
        if w in ("debian", "ubuntu", "linuxmint", "pop", "raspbian", "elementary"):
            return "debian"
        if w in ("fedora", "rhel", "centos", "rocky", "almalinux"):
            return "fedora"
        if w in ("arch", "manjaro", "endeavouros"):
            return "arch"
        if w.startswith("opensuse") or w in ("suse", "sles"):
            return "suse"
    return None


def missing_from_ldd(output: str) -> list[str]:
    """Sonames ``ldd`` reports as ``not found``, each once, in order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(output)))


def install_message(missing: list[str], fam: str | None, platform: str = "xcb") -> str:
    """What to tell the user: the missing libraries and the command that installs them."""
    lines = [
        f"netviz gui: the Qt platform plugin '{platform}' cannot be loaded: these system "
        f"libraries are missing: {', '.join(missing)}."
    ]
    families = [fam] if fam in COMMANDS else list(COMMANDS)
    for f in families:
        assert f is not None
        pkgs = list(dict.fromkeys(PACKAGES.get(so, {}).get(f, so) for so in missing))
        who = "" if fam in COMMANDS else f"  {FAMILY_NAMES[f]}: "
        lines.append(f"{who or 'Install them with: '}{COMMANDS[f]} {' '.join(pkgs)}")
    if fam not in COMMANDS:
        lines.insert(1, "Install them with your distribution's package manager, e.g.:")
    lines.append("(The full list per distribution is in the README, section \"The app on a "
                 "fresh desktop\". Headless use needs none of them: netviz render, or "
                 "QT_QPA_PLATFORM=offscreen.)")
    return "\n".join(lines)


def plugin_path(platform: str) -> Path | None:
    """The platform plugin file of the installed PySide6 (found without importing Qt)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        for candidate in (Path(base) / "Qt" / "plugins" / "platforms" / f"libq{platform}.so",
                          Path(base) / "plugins" / "platforms" / f"libq{platform}.so"):
            if candidate.is_file():
                return candidate
    return None


def missing_libraries(plugin: Path) -> list[str]:
    """Shared libraries the plugin needs that cannot be found."""
    ldd = shutil.which("ldd")
    if ldd is not None:
        try:
            out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20,
                                 check=False).stdout
            return missing_from_ldd(out)
        except (OSError, subprocess.SubprocessError):
            pass
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        found = _DLOPEN.findall(str(exc))
        return found[:1] or [str(exc)]
    return []


def chosen_platform(env: dict[str, str] | os._Environ[str]) -> str:
    """The platform plugin Qt will try first (``QT_QPA_PLATFORM``, else Wayland in a Wayland
    session when it is available, else xcb)."""
    explicit = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if explicit:
        return explicit
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def check(env: dict[str, str] | os._Environ[str] | None = None,
          os_release: str | None = None) -> str | None:
    """None when the app can start here, else the message to print."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    platform = chosen_platform(env)
    if platform not in ("xcb", "wayland"):
        return None  # offscreen, minimal, vnc, eglfs...: nothing to check
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8")
        except OSError:
            os_release = ""
    plugin = plugin_path(platform)
    if plugin is not None:
        missing = missing_libraries(plugin)
        if missing:
            return install_message(missing, family(os_release), platform)
    if platform == "xcb" and not env.get("DISPLAY"):
        return ("netviz gui: there is no X display to open a window on (DISPLAY is not set). "
                "Run it on a desktop session (or with ssh -X), or draw pictures without a "
                "window: netviz render PATH -o graph.png")
    if platform == "wayland" and not env.get("WAYLAND_DISPLAY"):
        return ("netviz gui: there is no Wayland display (WAYLAND_DISPLAY is not set). Run it "
                "on a desktop session, or use QT_QPA_PLATFORM=xcb.")
    return display_problem(env, platform)


def can_probe_x() -> bool:
    """Whether libxcb (what Qt's xcb plugin connects with) can be loaded here."""
    return _libxcb() is not None


def _libxcb() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.xcb_connection_has_error.restype = ctypes.c_int
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.restype = None
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    return lib


def display_problem(env: dict[str, str] | os._Environ[str], platform: str) -> str | None:
    """The X display named by ``DISPLAY`` cannot be connected to (nothing there, or the
    X authority refuses us): Qt would abort with "could not connect to display" (and blame
    xcb-cursor0). Asked the way Qt asks, through libxcb's ``xcb_connect``; None when the
    display answers or when that cannot be tried (no libxcb: the library check says so)."""
    if platform != "xcb":
        return None
    display = env.get("DISPLAY", "")
    lib = _libxcb()
    if lib is None or not display:
        return None
    conn = lib.xcb_connect(display.encode(), None)
    try:
        failed = lib.xcb_connection_has_error(conn) != 0
    finally:
        lib.xcb_disconnect(conn)  # also for a connection in the error state (libxcb's docs)
    if not failed:
        return None
    return (f"netviz gui: cannot connect to the X display {display} (DISPLAY): no X server "
            "answers there, or it refuses this user (check DISPLAY and XAUTHORITY; over ssh, "
            "ssh -X). Draw pictures without a window: netviz render PATH -o graph.png")


__all__ = ["can_probe_x", "check", "display_problem", "family", "install_message",
           "missing_from_ldd"]
