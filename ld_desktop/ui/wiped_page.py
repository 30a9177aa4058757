"""What the window shows once this workstation's store has been destroyed (the sync server
revoked it, or ``ld-admin wipe``): what happened and when, and nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ld_desktop.services.wipe import WipeNotice


def notice_text(notice: WipeNotice) -> str:
    return f"{notice.explanation}\n\nWiped at {notice.at.astimezone():%d/%m/%Y %H:%M}."


class WipedPage(QWidget):
    def __init__(self, notice: WipeNotice) -> None:
        super().__init__()
        self.setObjectName("page")
        title = QLabel("This workstation's data has been destroyed")
        title.setObjectName("title")
        self.explanation = QLabel(notice_text(notice))
        self.explanation.setObjectName("error")
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName("What happened")
        self.close_button = QPushButton("&Close L&&D Desktop")
        self.close_button.setAccessibleName("Close L&D Desktop")
        box = QVBoxLayout()
        box.addWidget(title)
        box.addWidget(self.explanation)
        box.addWidget(self.close_button)
        box.addStretch(1)
        inner = QWidget()
        inner.setLayout(box)
        inner.setMaximumWidth(560)
        outer = QVBoxLayout(self)
        outer.addWidget(inner, alignment=Qt.AlignmentFlag.AlignHCenter)
