"""The one HTML table, a titled block, a text table and number/money formatting.

Everything here renders to plain HTML (no JavaScript, nothing fetched), so it survives an HTML
export of a notebook.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence


def escape(value: object) -> str:
    """`value` as text safe inside HTML, quotes included (for attributes too)."""
    return html.escape(str(value), quote=True)


def usd(amount: float) -> str:
    """Dollars with enough decimals to show tiny per-request amounts (`$0.0000208`)."""
    if amount == 0:
        return "$0.00"
    if abs(amount) >= 0.01:
        return f"${amount:,.2f}"
    decimals = min(12, 2 - math.floor(math.log10(abs(amount))))  # three significant digits
    return f"${amount:,.{decimals}f}"


def number(value: float) -> str:
    """A count or quantity, with thousands separators and no noise decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:,.4g}"


# An amount: money, a count or a measure, alone in its cell.
_AMOUNT = re.compile(r"^[-+]?\$?[\d,]*\.?\d+\s?(%|ms|s|h|MB|GB|KB|B|x)?(/(h|month))?$")


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    caption: str = "",
    footer: Sequence[object] | None = None,
    escape: bool = True,
    align_amounts: bool = True,
    style: str = "",
    cell_style: str = "",
) -> str:
    """The library's one HTML table: headers, rows, an optional caption and footer row.

    Cells are text, escaped, unless `escape=False` says they are HTML already (escape what goes
    into them). Columns of amounts ($0.17, 1,084 ms, 37%) line up on the right, headers
    included, and columns of words read from the left; `align_amounts=False` leaves every
    column to the page. `style` and `cell_style` are inline CSS for the table and its cells,
    for views that must look the same outside a notebook (an exported page, a saved report).
    """
    rows = [list(row) for row in rows]
    numeric = (
        [_amounts([row[i] for row in rows if i < len(row)]) for i in range(len(headers))]
        if align_amounts
        else []
    )
    css = f" style='{cell_style}'" if cell_style else ""

    def cells(tag: str, values: Sequence[object], *, text: bool) -> str:
        return "".join(
            f"<{tag}{' class=num' if i < len(numeric) and numeric[i] else ''}{css}>"
            f"{html.escape(str(v)) if text else v}</{tag}>"
            for i, v in enumerate(values)
        )

    head = cells("th", headers, text=True)
    body = "".join(f"<tr>{cells('td', row, text=escape)}</tr>" for row in rows)
    foot = ""
    if footer is not None:
        foot = f"<tfoot><tr>{cells('th', footer, text=escape)}</tr></tfoot>"
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table = f"<table style='{style}'>" if style else "<table>"
    return f"{table}{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"


def _amounts(column: Sequence[object]) -> bool:
    """Whether a column holds amounts: at least one, and nothing but amounts or blanks."""
    texts = [str(value).strip() for value in column]
    filled = [text for text in texts if text and text not in "—–-"]
    return bool(filled) and all(_AMOUNT.match(text) for text in filled)


def html_block(title: str, *parts: str, notes: Sequence[str] = (), colour: str = "") -> str:
    """A titled block of already-rendered parts followed by escaped notes; `colour` colours the
    title (a verdict: `theme.SUCCESS` or `theme.FAILURE`)."""
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    notes_part = f"<ul style='font-size:smaller'>{note_html}</ul>" if note_html else ""
    strong = f"<strong style='color:{colour}'>" if colour else "<strong>"
    return f"<div>{strong}{html.escape(title)}</strong>{''.join(parts)}{notes_part}</div>"


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A fixed-width text table for `__str__` and the command line."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
