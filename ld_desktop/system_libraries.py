"""Are the system libraries Qt's window plugin needs on this machine?

PySide6's wheels bring Qt but not the X11/xcb client libraries its `xcb` platform plugin links
against. When one is missing Qt prints a misleading message (it names `libxcb-cursor0` whatever
is really missing) and aborts the process, which Python cannot catch. So before a window is
opened on Linux we ask the dynamic linker (`ldd` on the plugin) what it cannot find, map each
missing library to the distribution's package and either install exactly those (root on
Debian/Ubuntu, when asked to) or print the one command that would, and stop with a clear
message.

    python -m ld_desktop.system_libraries [--install]

Exit codes: 0 nothing missing (or nothing to check: not Linux, or an off-screen platform),
3 libraries missing (the command to install them is printed), 4 an install was tried and
failed, 5 the libraries are there but no display is set. This module imports no Qt: it must
run where Qt cannot start.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_MISSING = 3
EXIT_INSTALL_FAILED = 4
EXIT_NO_DISPLAY = 5

# soname -> (Debian/Ubuntu package, Fedora package). Qt 6's xcb plugin and what it pulls in.
KNOWN_PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

# Qt >= 6.5 loads libxcb-cursor with dlopen, so ldd does not see it; Qt refuses to start without.
DLOPENED = ("libxcb-cursor.so.0",)

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """What the check found: the libraries the linker cannot find, and why it could not look."""

    missing: tuple[str, ...] = ()
    skipped: str = ""            # non-empty: nothing was checked, and this says why
    no_display: bool = False     # DISPLAY and WAYLAND_DISPLAY are both unset

    @property
    def ok(self) -> bool:
        return not self.missing


def parse_ldd(output: str) -> list[str]:
    """The sonames `ldd` reports as `not found`, once each, in the order first seen."""
    seen: dict[str, None] = {}
    for name in _NOT_FOUND.findall(output):
        seen.setdefault(name, None)
    return list(seen)


def package_for(soname: str, distro: str = "debian") -> str:
    """The package that ships `soname`. Unknown ones follow Debian's naming convention
    (libfoo.so.1 -> libfoo1, libfoo-2.so.0 -> libfoo-2-0)."""
    known = KNOWN_PACKAGES.get(soname)
    if known:
        return known[1] if distro == "fedora" else known[0]
    stem, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    if distro == "fedora":
        return stem
    joiner = "-" if stem[-1:].isdigit() else ""
    return f"{stem}{joiner}{version}".lower()


def distro_family(os_release: Path = Path("/etc/os-release")) -> str:
    """'debian' (Debian, Ubuntu and their derivatives), 'fedora' (Fedora, RHEL) or 'other'."""
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "other"
    ids = " ".join(re.findall(r'^(?:ID|ID_LIKE)="?([^"\n]*)"?', text, re.MULTILINE)).lower()
    if any(word in ids.split() for word in ("debian", "ubuntu")):
        return "debian"
    if any(word in ids.split() for word in ("fedora", "rhel", "centos")):
        return "fedora"
    return "other"


def install_command(packages: Sequence[str], distro: str, root: bool = False) -> str:
    sudo = "" if root else "sudo "
    tool = "dnf" if distro == "fedora" else "apt-get"
    return f"{sudo}{tool} install -y " + " ".join(packages)


def xcb_plugin() -> Path | None:
    """Where PySide6's xcb platform plugin is, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt/plugins/platforms/libqxcb.so"
    return plugin if plugin.exists() else None


def _linker_knows(soname: str) -> bool:
    ldconfig = shutil.which("ldconfig") or next(
        (path for path in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if Path(path).exists()), None)
    if ldconfig is None:
        return True   # cannot tell; ldd's answer stands alone
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                                 check=False, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return True   # cannot tell; ldd's answer stands alone
    return f"{soname} " in listing


def check(environ: Callable[[str], str | None] = os.environ.get,
          plugin: Path | None = None, platform: str = sys.platform) -> Finding:
    """What the xcb plugin cannot load on this machine (nothing to check off Linux)."""
    if not platform.startswith("linux"):
        return Finding(skipped="not Linux: Qt brings its own platform libraries")
    requested = (environ("QT_QPA_PLATFORM") or "").split(";")[0].strip()
    if requested and requested != "xcb":
        return Finding(skipped=f"QT_QPA_PLATFORM={requested}: the xcb plugin is not used")
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return Finding(skipped="PySide6's xcb plugin is not installed in this environment")
    ldd = shutil.which("ldd")
    if ldd is None:
        return Finding(skipped="ldd is not available, so the libraries could not be checked")
    result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, check=False,
                            timeout=60)
    missing = parse_ldd(result.stdout + result.stderr)
    missing += [name for name in DLOPENED if name not in missing and not _linker_knows(name)]
    no_display = not environ("DISPLAY") and not environ("WAYLAND_DISPLAY")
    return Finding(missing=tuple(missing), no_display=no_display)


def _can_install(distro: str) -> bool:
    return distro == "debian" and os.geteuid() == 0 and shutil.which("apt-get") is not None


def install(packages: Sequence[str]) -> bool:
    """apt-get install exactly these packages (root only); refresh the lists once if needed."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    for attempt in range(2):
        if subprocess.run(command, env=env, check=False).returncode == 0:
            return True
        if attempt == 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ld_desktop.system_libraries",
        description="Check (and as root on Debian/Ubuntu, install) the system libraries "
                    "Qt's window needs.")
    parser.add_argument("--install", action="store_true",
                        help="install missing packages when running as root on Debian/Ubuntu")
    args = parser.parse_args(argv)
    finding = check()
    distro = distro_family()
    for _ in range(3):   # a library installed can reveal another behind it
        if finding.skipped or finding.ok or not (args.install and _can_install(distro)):
            break
        packages = sorted({package_for(name, distro) for name in finding.missing})
        print("Installing the system libraries Qt's window needs: " + " ".join(packages),
              flush=True)
        if not install(packages):
            print("ld-desktop: installing " + " ".join(packages) + " failed; see apt-get's "
                  "message above.", file=sys.stderr)
            return EXIT_INSTALL_FAILED
        finding = check()
    if finding.skipped:
        return EXIT_OK
    if finding.ok:
        if finding.no_display:
            print("ld-desktop: no display to open the window on (DISPLAY is not set). Run it "
                  "in a desktop session, or under xvfb-run.", file=sys.stderr)
            return EXIT_NO_DISPLAY
        return EXIT_OK
    packages = sorted({package_for(name, distro) for name in finding.missing})
    print("ld-desktop cannot open its window: Qt needs system libraries this machine does not "
          "have (" + ", ".join(finding.missing) + ").", file=sys.stderr)
    if distro == "other":
        print("Install the packages that provide them, then try again.", file=sys.stderr)
    else:
        print("Install them with:\n    " + install_command(packages, distro, os.geteuid() == 0),
              file=sys.stderr)
    return EXIT_MISSING


if __name__ == "__main__":
    raise SystemExit(main())
