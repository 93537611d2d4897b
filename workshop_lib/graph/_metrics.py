"""Estimated text widths, so boxes fit their labels without a font engine.

The SVG is drawn with the reader's system font, which we cannot measure from Python. Widths come
from Helvetica-like advance widths plus a safety margin, which errs on the side of roomy boxes.
"""

from __future__ import annotations

import unicodedata

# Advance widths in thousandths of an em, grouped by value.
_SANS_GROUPS: dict[int, str] = {
    191: "'",
    222: "ijl",
    260: "|",
    278: " !,./:;I[\\]ft·",
    333: '"()-`r',
    334: "{}",
    389: "*",
    469: "^",
    500: "Jcksvxyz",
    556: "#$0123456789?L_abdeghnopqu",
    584: "+<=>~×",
    611: "FTZ",
    667: "&ABEKPSVXY",
    722: "CDHNRUw",
    778: "GOQ",
    833: "Mm",
    889: "%",
    944: "W",
    1015: "@",
}
_SANS: dict[str, int] = {char: width for width, chars in _SANS_GROUPS.items() for char in chars}

# System UI fonts (DejaVu Sans on many Linux desktops) run wider than Helvetica.
_SAFETY = 1.1
_BOLD = 1.08
_MONO_ADVANCE = 620
_ELLIPSIS = "…"


def _advance(char: str, *, mono: bool) -> int:
    if unicodedata.combining(char):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    if mono:
        return _MONO_ADVANCE
    return _SANS.get(char, 556 if char.isascii() else 640)


def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    """The estimated width in pixels of `text` set at `size` pixels."""
    units = sum(_advance(char, mono=mono) for char in text)
    # Monospace advances hardly vary between fonts; proportional ones do.
    factor = (1.0 if mono else _SAFETY) * (_BOLD if bold else 1.0)
    return units * size * factor / 1000


def fit_text(
    text: str, max_width: float, size: float, *, bold: bool = False, mono: bool = False
) -> str:
    """`text`, shortened with an ellipsis when it is wider than `max_width`."""
    if text_width(text, size, bold=bold, mono=mono) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = text[:middle].rstrip() + _ELLIPSIS
        if text_width(candidate, size, bold=bold, mono=mono) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + _ELLIPSIS
