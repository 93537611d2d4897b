"""Argument types for the `workshop` command line: a nonsense value gets one clear line
(argparse's "argument --port: ..."), never a traceback, and nothing is started or written."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path

from . import constants as C

__all__ = [
    "MAX_TIME_SCALE",
    "bounded_int",
    "existing_file",
    "key_value",
    "port",
    "time_scale",
    "writable_file",
    "writable_folder",
]

MAX_TIME_SCALE = 100.0
"""A hundred times slower than real time is already more than anyone waits for."""


def port(text: str) -> int:
    """A TCP port, 1-65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"{value} is not a port number between 1 and 65535 (try {C.DEFAULT_CLOUD_PORT})"
        )
    return value


def time_scale(text: str) -> float:
    """A Retry/Wait time scale: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_TIME_SCALE:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a usable time scale: use a number above 0 and at most "
            f"{MAX_TIME_SCALE:g} (1 is real time, 0.01 runs Retry and Wait 100 times faster)"
        )
    return value


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    parse.__name__ = f"int_from_{low}_to_{high}"
    return parse


def writable_file(text: str) -> Path:
    """A file the command will write: its folder must exist (or be creatable) and be writable."""
    path = _path(text, "file")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file name in it")
    _check_writable(text, path.parent)
    return path


def writable_folder(text: str) -> Path:
    """A folder the command will write into (created if missing)."""
    path = _path(text, "folder")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    _check_writable(text, path)
    return path


def _path(text: str, what: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"an empty {what} name")
    return Path(text).expanduser()


def _check_writable(text: str, folder: Path) -> None:
    # The nearest folder that exists must let us create what is missing below it.
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {existing} is not writable")


def existing_file(text: str) -> Path:
    """A file the command reads."""
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file (check the path)")
    return path


def key_value(text: str) -> tuple[str, str]:
    """`NAME=VALUE`, as in `--parameter Stage=dev`."""
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (for example Stage=dev)")
    return name.strip(), value
