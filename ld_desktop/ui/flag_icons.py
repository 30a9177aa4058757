"""Small flag badges drawn in code (no image files to keep in step): a coloured rounded square
with a letter per vulnerability flag, most serious first, shown beside the flags' words (the
words stay, so colour is never the only signal and screen readers read the text)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

SIZE = 16
GAP = 2
MOST = 5
ICON_SIZE = (MOST * (SIZE + GAP), SIZE)

#: flag code -> (letter, colour); HIGH RISK is the case's risk level, not a flag code
BADGES: dict[str, tuple[str, str]] = {
    "high-risk": ("!", "#d5281b"),
    "suicide-self-harm": ("S", "#d5281b"),
    "safeguarding": ("G", "#ed8b00"),
    "charge-related-risk": ("R", "#ed8b00"),
    "young-person": ("Y", "#007f3b"),
    "mental-health": ("M", "#005eb8"),
    "learning-disability": ("L", "#330072"),
    "learning-difficulty": ("L", "#330072"),
    "autism": ("A", "#00a499"),
    "adhd": ("H", "#00a499"),
    "brain-injury": ("B", "#330072"),
    "communication": ("C", "#41b6e6"),
    "alcohol": ("D", "#7c2855"),
    "drugs": ("D", "#7c2855"),
}
ORDER = list(BADGES)


def badge_codes(flags: tuple[str, ...], high_risk: bool) -> tuple[str, ...]:
    codes = (["high-risk"] if high_risk else []) + [f for f in flags if f in BADGES]
    seen: list[str] = []
    for code in sorted(codes, key=ORDER.index):
        letter = BADGES[code][0]
        if all(BADGES[s][0] != letter for s in seen):
            seen.append(code)
    return tuple(seen[:MOST])


@lru_cache(maxsize=256)
def badges_icon(codes: tuple[str, ...]) -> QIcon:
    """The badges, left-aligned in a fixed width (empty but as wide for no badges, so the
    words line up in every row)."""
    pixmap = QPixmap(*ICON_SIZE)       # always the full width, badges from the left
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(SIZE - 5)
    painter.setFont(font)
    for n, code in enumerate(codes):
        letter, colour = BADGES[code]
        box = QRectF(n * (SIZE + GAP), 0, SIZE, SIZE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return QIcon(pixmap)
