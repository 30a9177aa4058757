"""What someone who can write the data folder (but has no key) puts where one of the app's
files belongs, as in tests/cli/test_unlock_guard_attacks.py and
test_audit_anchor_attacks.py: a folder with someone else's file in it, or a symbolic link
to a file outside the folder (which may not exist)."""

from __future__ import annotations

from pathlib import Path


def folder_in_place(path: Path, inside: str, text: str) -> None:
    """The file at ``path`` replaced by a folder holding a file ``inside`` (``text``)."""
    path.unlink()
    path.mkdir()
    (path / inside).write_text(text)
    assert path.is_dir(), "the attack's folder is not in place"


def link_in_place(path: Path, target: Path, *, missing_ok: bool = False) -> None:
    """The file at ``path`` (which need not be there with ``missing_ok``) replaced by a
    symbolic link to ``target``."""
    path.unlink(missing_ok=missing_ok)
    path.symlink_to(target)
    # the tests then check the link is gone and the target untouched: without a link in
    # place they would pass having attacked nothing
    assert path.is_symlink(), "the attack's link is not in place"
