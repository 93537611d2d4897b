"""HTML that JupyterLab shows as written: protected from its maths renderer.

JupyterLab typesets every `$...$` pair in an HTML output as LaTeX, so "Mean $0.000263 per
execution; the typical one costs $0.000254" turns into italic maths with its dollars gone, and a
Map label such as `$.listing.images` loses its `$`. MathJax skips any element with the class
`mathjax_ignore` (the older `tex2jax_ignore` is not honoured by JupyterLab 4), so every HTML
representation the library returns goes through `protect`: a `Displayable`'s `_repr_html_` does
it; a rich bundle uses the `protected` decorator, and HTML put in a widget calls `protect`.
`unprotected_dollars` finds text a page would still lose; the tests run it over every executed
notebook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, TypeVar

__all__ = ["IGNORE_CLASS", "is_protected", "protect", "protected", "unprotected_dollars"]

IGNORE_CLASS = "mathjax_ignore"
_MARK = "__mathjax_protected__"
_SCOPE = "wl-html"
# JupyterLab right-aligns every table cell in an output; ours read left to right, headers over
# their cells, with numbers (class "num") on the right, header and cells alike. An amount never
# breaks between its number and its unit ("455.8 / KB") when a wide table squeezes its column.
_STYLE = (
    f"<style>.jp-RenderedHTMLCommon .{_SCOPE} th,.jp-RenderedHTMLCommon .{_SCOPE} td"
    "{text-align:left;vertical-align:top}"
    f".jp-RenderedHTMLCommon .{_SCOPE} th.num,.jp-RenderedHTMLCommon .{_SCOPE} td.num"
    "{text-align:right}"
    f".jp-RenderedHTMLCommon .{_SCOPE} td.num{{white-space:nowrap}}</style>"
)
_OPEN = f'<div class="{IGNORE_CLASS} {_SCOPE}">'
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# Text MathJax never reads (its skipHtmlTags), so a `$` there is safe.
_SKIPPED = frozenset({"script", "noscript", "style", "textarea", "pre", "code"})

F = TypeVar("F", bound=Callable[..., Any])


def protect(html: str) -> str:
    """`html` inside an element JupyterLab's maths renderer leaves alone (and, when it has a
    table, with the table's alignment made consistent)."""
    if html.startswith(_OPEN) and html.endswith("</div>") and not unprotected_dollars(html):
        return html
    style = _STYLE if "<t" in html else ""
    return f"{_OPEN}{style}{html}</div>"


def protected(method: F) -> F:
    """Decorate a `_repr_html_` (or any function returning HTML, or a `_repr_mimebundle_`
    returning a dict with "text/html") so its HTML comes back protected."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        if isinstance(result, str):
            return protect(result)
        if isinstance(result, dict) and isinstance(result.get("text/html"), str):
            return {**result, "text/html": protect(result["text/html"])}
        return result

    setattr(wrapper, _MARK, True)
    return wrapper  # type: ignore[return-value]


def is_protected(function: object) -> bool:
    """Whether `function` was decorated with `protected`."""
    return bool(getattr(function, _MARK, False))


def unprotected_dollars(html: str) -> list[str]:
    """The pieces of text in `html` that contain `$` and that JupyterLab would typeset (outside
    any `mathjax_ignore` element and outside script, style, pre and code). Empty when safe."""
    parser = _DollarFinder()
    parser.feed(html)
    parser.close()
    return parser.found


class _DollarFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, whether it starts a safe region)

    def _safe(self) -> bool:
        return any(safe for _, safe in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = next((value or "" for name, value in attrs if name == "class"), "").split()
        self._stack.append((tag, IGNORE_CLASS in classes or tag in _SKIPPED))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <path/>, <br/>: nothing inside

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching tag; tolerate the unclosed <p>, <li> and <td> of loose HTML.
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if "$" in data and not self._safe():
            self.found.append(data.strip())
