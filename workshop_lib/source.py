"""Show source code in a notebook: a whole file, one named part of it, or a live Python object.

    show_source("infra/santa/functions/validate/app.py", name="lambda_handler")
    show_source("infra/santa/statemachine/santa.asl.json", name="ValidateData")
    show_source("infra/santa/template.yaml", name="SantaStateMachine")
    show_source(validate.check_kid)

The code is coloured with inline styles (when Pygments is installed, as it is with Jupyter), so
it still looks right in an exported HTML page with no stylesheet.
"""

from __future__ import annotations

import ast
import html
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .display import Displayable, theme
from .errors import WorkshopError
from .paths import REPO

__all__ = ["SourceError", "SourceView", "show_source"]


class SourceError(WorkshopError):
    """The file, or the function in it, cannot be found."""


@dataclass(frozen=True)
class SourceView(Displayable):
    """A piece of source code with where it came from; shows itself with line numbers."""

    code: str
    title: str
    first_line: int = 1
    language: str = "python"
    """A Pygments lexer name: python, json, yaml, text."""

    @property
    def lines(self) -> int:
        return len(self.code.splitlines())

    def __str__(self) -> str:
        return self.code

    def _html(self) -> str:
        header = (
            f"<div style='background:{theme.PANEL};border:1px solid {theme.BORDER};"
            "border-bottom:none;padding:3px 8px;font-size:85%;border-radius:4px 4px 0 0'>"
            f"<code>{html.escape(self.title)}</code> · lines {self.first_line}–"
            f"{self.first_line + max(self.lines, 1) - 1}</div>"
        )
        return (
            f"<div style='margin:4px 0'>{header}<div style='border:1px solid {theme.BORDER};"
            f"border-radius:0 0 4px 4px;overflow-x:auto'>{self._body_html()}</div></div>"
        )

    def _body_html(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound
        except ImportError:  # plain text still reads fine
            return f"<pre style='margin:0;padding:6px 8px'>{html.escape(self.code)}</pre>"
        formatter = HtmlFormatter(
            noclasses=True,  # inline styles: no stylesheet needed, survives HTML export
            linenos="inline",
            linenostart=self.first_line,
            style="default",
            cssstyles="margin:0;padding:6px 8px;line-height:125%",
        )
        try:
            lexer = get_lexer_by_name(self.language)
        except ClassNotFound:
            lexer = get_lexer_by_name("text")
        return highlight(self.code, lexer, formatter)


def show_source(target: Any, *, name: str | None = None) -> SourceView:
    """The source of a file, or of one named part of it, or of a function, class or module.

    `name` picks a part of a file: a top-level function or class in Python, a key in YAML or
    JSON (the first one with that name, at any depth, with everything nested under it).
    """
    if isinstance(target, str | Path):
        path = _resolve(Path(target))
        text = path.read_text(encoding="utf-8")
        title = _display_path(path)
        language = _LANGUAGES.get(path.suffix.lower(), "text")
        if name is None:
            return SourceView(text.rstrip("\n"), title, 1, language)
        if language == "python":
            code, first = _definition(text, name, title)
        else:
            code, first = _block(text, name, title)
        return SourceView(code, f"{title}: {name}", first, language)
    if name is not None:
        target = getattr(target, name)
    try:
        lines, first = inspect.getsourcelines(target)
        file = inspect.getsourcefile(target)
    except (OSError, TypeError) as error:
        raise SourceError(
            f"Python cannot find the source of {target!r}.",
            hint="Pass the path of the .py file instead.",
        ) from error
    qualname = getattr(target, "__qualname__", None) or getattr(target, "__name__", "")
    title = _display_path(Path(file)) if file else "source"
    if not inspect.ismodule(target):
        title += f": {qualname}"
    return SourceView("".join(lines).rstrip("\n"), title, max(first, 1))


_LANGUAGES = {".py": "python", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def _resolve(path: Path) -> Path:
    for candidate in (path, REPO / path):
        if candidate.is_file():
            return candidate
    raise SourceError(
        f"There is no file {path}.",
        hint="Give the path from the repository's top folder, e.g. "
        "infra/santa/functions/validate/app.py.",
    )


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return path.name


def _definition(text: str, name: str, title: str) -> tuple[str, int]:
    tree = ast.parse(text)
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        ):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            lines = text.splitlines()[start - 1 : end]
            return "\n".join(lines), start
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    raise SourceError(
        f"{title} has no top-level function or class called {name!r}.",
        hint=f"It has: {', '.join(names) or 'none'}.",
    )


def _block(text: str, name: str, title: str) -> tuple[str, int]:
    """The lines of a YAML or JSON key: its line, then everything indented deeper."""
    lines = text.splitlines()
    key = re.compile(rf"^(\s*)(?:-\s+)?[\"']?{re.escape(name)}[\"']?\s*:")
    for start, line in enumerate(lines):
        match = key.match(line)
        if match is None:
            continue
        indent = len(match.group(1))
        end = start + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        # JSON closes the block at the key's own indentation.
        if end < len(lines) and lines[end].strip()[:1] in ("}", "]"):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        return "\n".join(lines[start:end]), start + 1
    raise SourceError(
        f"{title} has no key called {name!r}.",
        hint="Names are case-sensitive; open the file to see its keys.",
    )
