"""Write a notebook from a compact text source (maintainers' tool).

Source format: cells separated by lines `# %% [markdown]` or `# %%` (code), like jupytext's
percent format. Usage: python tools/nbbuild.py SOURCE.py OUT.ipynb
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat


def build(source: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    kind, lines, tags = None, [], []

    def flush() -> None:
        if kind is None:
            return
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(_uncomment(line) for line in text.splitlines())
            notebook.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cell = nbformat.v4.new_code_cell(text)
            if tags:
                cell.metadata["tags"] = list(tags)
            notebook.cells.append(cell)

    for line in source.splitlines():
        if line.startswith("# %% [markdown]"):
            flush()
            kind, lines = "markdown", []
        elif line.startswith("# %%"):
            flush()
            kind, lines = "code", []
            match = re.search(r"tags=(\[.*\])", line)
            tags = json.loads(match.group(1)) if match else []
        else:
            lines.append(line)
    flush()
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    return notebook


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line.lstrip("#")


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    nbformat.write(build(source.read_text(encoding="utf-8")), out)


if __name__ == "__main__":
    main()
