"""``netviz gui`` on a desktop that lacks what Qt needs: a message with the exact install
command, never Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from netviz.cli import desktop

OS_RELEASE = {
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
    "ubuntu": 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n',
    "fedora": 'NAME="Fedora Linux"\nID=fedora\n',
    "rocky": 'ID="rocky"\nID_LIKE="rhel centos fedora"\n',
    "arch": "NAME=\"Arch Linux\"\nID=arch\n",
    "opensuse": 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n',
    "alpine": "ID=alpine\n",
}

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /x/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
"""


@pytest.mark.parametrize(("name", "fam"), [("debian", "debian"), ("ubuntu", "debian"),
                                           ("fedora", "fedora"), ("rocky", "fedora"),
                                           ("arch", "arch"), ("opensuse", "suse"),
                                           ("alpine", None)])
def test_family(name: str, fam: str | None) -> None:
    assert desktop.family(OS_RELEASE[name]) == fam


def test_missing_from_ldd() -> None:
    assert desktop.missing_from_ldd(LDD) == [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]


@pytest.mark.parametrize(("name", "command"), [
    ("debian", "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0"),
    ("fedora", "sudo dnf install -y xcb-util-cursor xcb-util-wm libxkbcommon-x11"),
    ("arch", "sudo pacman -S --needed xcb-util-cursor xcb-util-wm libxkbcommon-x11"),
    ("opensuse", "sudo zypper install -y libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0"),
])
def test_install_command_per_distribution(name: str, command: str) -> None:
    msg = desktop.install_message(desktop.missing_from_ldd(LDD),
                                  desktop.family(OS_RELEASE[name]))
    assert command in msg.splitlines()[1]
    assert "libxcb-cursor.so.0" in msg.splitlines()[0]


def test_unknown_distribution_lists_every_family() -> None:
    msg = desktop.install_message(["libxcb-cursor.so.0"], None)
    for cmd in desktop.COMMANDS.values():
        assert cmd in msg


def test_check_uses_the_plugin_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desktop, "plugin_path", lambda platform: Path("/fake/libqxcb.so"))
    monkeypatch.setattr(desktop, "missing_libraries", lambda plugin: ["libxcb-cursor.so.0"])
    monkeypatch.setattr(desktop, "display_problem", lambda env, platform: None)
    msg = desktop.check({"DISPLAY": ":0"}, OS_RELEASE["ubuntu"])
    assert msg is not None and "sudo apt-get install -y libxcb-cursor0" in msg
    monkeypatch.setattr(desktop, "missing_libraries", lambda plugin: [])
    assert desktop.check({"DISPLAY": ":0"}, OS_RELEASE["ubuntu"]) is None
    assert "DISPLAY is not set" in (desktop.check({}, OS_RELEASE["ubuntu"]) or "")


def test_offscreen_needs_nothing() -> None:
    assert desktop.check({"QT_QPA_PLATFORM": "offscreen"}, "") is None


def test_the_real_plugin_is_found() -> None:
    plugin = desktop.plugin_path("xcb")
    if plugin is None:
        pytest.skip("this PySide6 has no xcb plugin")
    assert plugin.name == "libqxcb.so"
    assert isinstance(desktop.missing_libraries(plugin), list)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check is for Linux")
def test_gui_prints_the_message_instead_of_qt_abort() -> None:
    """A platform that cannot load here: xcb with no display (and, on this machine, maybe
    missing libraries). Qt would abort (SIGABRT, 'could not load the Qt platform plugin');
    netviz exits 1 with its own message."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run([sys.executable, "-m", "netviz", "gui"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("netviz gui: ")
    assert "This application failed to start" not in proc.stderr  # Qt's words
    assert "install" in proc.stderr.lower() or "DISPLAY is not set" in proc.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check is for Linux")
def test_gui_with_an_unreachable_display_prints_a_message_not_qt_abort() -> None:
    """DISPLAY set, but nothing answers there (a stale DISPLAY over ssh, :0 on a server): Qt
    aborts with 'could not connect to display' and blames xcb-cursor0; netviz says what is
    wrong and exits 1."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    env["DISPLAY"] = ":59321"  # no X server has this number here
    proc = subprocess.run([sys.executable, "-m", "netviz", "gui"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("netviz gui: "), proc.stderr
    assert "This application failed to start" not in proc.stderr  # Qt's words
    assert "install" in proc.stderr.lower() or "cannot connect to the X display :59321" in \
        proc.stderr


def test_unreachable_display_is_named() -> None:
    if not desktop.can_probe_x():
        pytest.skip("libxcb.so.1 is not installed here (the library check reports that first)")
    msg = desktop.display_problem({"DISPLAY": ":59321"}, "xcb")
    assert msg is not None and "cannot connect to the X display :59321" in msg
