"""A tab page built the first time it is shown (issue 23: secondary parts of a screen
cost nothing until someone opens them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


class LazyPage(QWidget, Generic[W]):
    """Holds `build(parent)` and runs it on the first show or the first `content` access."""

    def __init__(self, build: Callable[[QWidget], W], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self._content: W | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._content is not None

    @property
    def content(self) -> W:
        if self._content is None:
            self._content = self._build(self)
            self._layout.addWidget(self._content)
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        self.content  # noqa: B018 - built on first show
        super().showEvent(event)
