"""The plain text of a Markdown inline block, for the excerpt around a mention and its file line."""

from __future__ import annotations

from markdown_it.token import Token

from briefgen.model.mentions import excerpt_around


class BlockText:
    """The plain text of an inline block, for the excerpt around a mention: made when first asked for."""

    __slots__ = ("children", "line", "_text", "_starts", "_breaks")

    def __init__(self, children: list[Token], line: int):
        self.children, self.line = children, line
        self._text: str | None = None
        self._starts: list[int] = []
        self._breaks: list[int] = []  # line breaks before each child

    def _make(self) -> None:
        parts, offset, breaks = [], 0, 0
        for child in self.children:
            self._starts.append(offset)
            self._breaks.append(breaks)
            piece = child.content if child.type in ("text", "code_inline", "text_special") else ""
            if child.type in ("softbreak", "hardbreak"):
                piece, breaks = " ", breaks + 1
            parts.append(piece)
            offset += len(piece)
        self._text = "".join(parts)

    def excerpt(self, index: int, start: int, end: int) -> str:
        """The sentence around characters start:end of child `index`."""
        if self._text is None:
            self._make()
        at = self._starts[index]
        return excerpt_around(self._text, at + start, at + end)

    def line_of(self, index: int) -> int:
        if self._text is None:
            self._make()
        return self.line + self._breaks[index]
