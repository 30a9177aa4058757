"""The check `make run` and `ld-desktop` make before Qt opens a window (issue 19).

The end-to-end tests build a real shared object that links against a library which is then
deleted, so the dynamic linker really cannot find it, and run the check in a clean environment
(no variables but PATH and DISPLAY) the way a newcomer's shell would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ld_desktop import system_libraries as syslibs

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)
"""


def test_ldd_output_names_each_missing_library_once() -> None:
    assert syslibs.parse_ldd(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert syslibs.parse_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize(("soname", "debian", "fedora"), [
    ("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    ("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    ("libfoo.so.7", "libfoo7", "libfoo"),            # unknown: Debian's naming convention
    ("libbar-2.so.0", "libbar-2-0", "libbar-2"),      # a name ending in a digit takes a dash
])
def test_each_library_maps_to_its_package(soname: str, debian: str, fedora: str) -> None:
    assert syslibs.package_for(soname, "debian") == debian
    assert syslibs.package_for(soname, "fedora") == fedora


@pytest.mark.parametrize(("text", "family"), [
    ('PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n', "debian"),
    ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
    ('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
    ('NAME="Fedora Linux"\nID=fedora\n', "fedora"),
    ('NAME="Rocky"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
    ('NAME="Arch Linux"\nID=arch\n', "other"),
])
def test_distribution_family_from_os_release(tmp_path: Path, text: str, family: str) -> None:
    release = tmp_path / "os-release"
    release.write_text(text)
    assert syslibs.distro_family(release) == family
    assert syslibs.distro_family(tmp_path / "absent") == "other"


def test_nothing_is_checked_off_linux_or_off_screen(tmp_path: Path) -> None:
    env = {"DISPLAY": ":0"}.get
    assert syslibs.check(env, tmp_path / "plugin.so", platform="win32").skipped
    assert syslibs.check(env, tmp_path / "plugin.so", platform="darwin").skipped
    offscreen = {"QT_QPA_PLATFORM": "offscreen"}.get
    assert "offscreen" in syslibs.check(offscreen, tmp_path / "plugin.so", platform="linux").skipped


def test_install_line_names_exactly_the_missing_packages() -> None:
    line = syslibs.install_command(["libxcb-icccm4", "libxcb-keysyms1"], "debian")
    assert line == "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"
    assert syslibs.install_command(["xcb-util-wm"], "fedora", root=True) == \
        "dnf install -y xcb-util-wm"


@pytest.fixture
def plugin_missing_a_library(tmp_path: Path) -> Path:
    """A real shared object linked against `libldtestgone.so.3`, which is then deleted."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not sys.platform.startswith("linux"):
        pytest.skip("needs a C compiler on Linux to build a plugin with a missing library")
    (tmp_path / "gone.c").write_text("int ld_gone(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text("int ld_gone(void);\nint ld_plugin(void) "
                                       "{ return ld_gone(); }\n")
    subprocess.run([cc, "-shared", "-fPIC", "-Wl,-soname,libldtestgone.so.3", "-o",
                    str(tmp_path / "libldtestgone.so"), str(tmp_path / "gone.c")], check=True)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(tmp_path / "libqxcb.so"),
                    str(tmp_path / "plugin.c"), f"-L{tmp_path}", "-lldtestgone"], check=True)
    (tmp_path / "libldtestgone.so").unlink()
    return tmp_path / "libqxcb.so"


def test_a_really_missing_library_is_found_by_the_linker(plugin_missing_a_library: Path) -> None:
    finding = syslibs.check({"DISPLAY": ":0"}.get, plugin_missing_a_library, platform="linux")
    assert not finding.ok
    assert "libldtestgone.so.3" in finding.missing


def _clean_env(**extra: str) -> dict[str, str]:
    """What a newcomer's shell has: PATH and a display, none of this test run's variables."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **extra}


def test_check_in_a_clean_environment_stops_with_the_install_line(
        plugin_missing_a_library: Path) -> None:
    code = ("import sys, ld_desktop.system_libraries as s; from pathlib import Path; "
            f"s.xcb_plugin = lambda: Path({str(plugin_missing_a_library)!r}); "
            "sys.exit(s.main([]))")
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_clean_env(DISPLAY=":0", PYTHONPATH=str(repo)), timeout=120,
                         check=False)
    assert run.returncode == syslibs.EXIT_MISSING, run.stderr
    assert "libldtestgone.so.3" in run.stderr
    assert "install -y libldtestgone3" in run.stderr
    assert "Aborted" not in run.stderr


def test_the_real_plugin_check_agrees_with_the_linker() -> None:
    """On this machine, in a clean environment: the verdict is the linker's own."""
    plugin = syslibs.xcb_plugin()
    if plugin is None or not sys.platform.startswith("linux"):
        pytest.skip("PySide6's xcb plugin is not installed here")
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False)
    expected = syslibs.parse_ldd(ldd.stdout)
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "ld_desktop.system_libraries"],
                         capture_output=True, text=True, timeout=120, check=False,
                         env=_clean_env(DISPLAY=":0", PYTHONPATH=str(repo)))
    if expected:
        assert run.returncode == syslibs.EXIT_MISSING
        for name in expected:
            assert name in run.stderr
            assert syslibs.package_for(name) in run.stderr
    else:
        assert run.returncode == syslibs.EXIT_OK, run.stderr


def test_no_display_is_said_plainly() -> None:
    if syslibs.xcb_plugin() is None or syslibs.check({"DISPLAY": ":0"}.get).missing:
        pytest.skip("the libraries themselves are missing here; that message comes first")
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "ld_desktop.system_libraries"],
                         capture_output=True, text=True, timeout=120, check=False,
                         env=_clean_env(PYTHONPATH=str(repo)))
    assert run.returncode == syslibs.EXIT_NO_DISPLAY
    assert "xvfb-run" in run.stderr
