"""Handler code a learner writes lives in a file next to the notebook (`%%writefile`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._exercise import ____

HANDLERS_FOLDER = "my_handlers"


def handlers_folder(folder: str | os.PathLike[str] = HANDLERS_FOLDER) -> Path:
    """The folder (next to the notebook) that `%%writefile` cells write handlers into."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def handler_file(path: str | os.PathLike[str]) -> Any:
    """The source code in a learner's handler file, for `check()` and for deploying.

    A file that still holds the starter's `____`, or that was never written, is not attempted
    yet (`check()` says so, and `answer_or_solution` goes on with the reference solution)."""
    file = Path(path)
    if not file.is_file():
        return ____
    source = file.read_text(encoding="utf-8")
    # Only code counts: the instructor edition keeps the starter as `# STARTER:` comments.
    code = (line.split("#", 1)[0] for line in source.splitlines())
    return ____ if any("____" in part for part in code) else source
