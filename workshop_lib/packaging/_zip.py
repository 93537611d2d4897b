"""Deterministic Lambda zips: the same files always give the same bytes (and CodeSha256), so an
unchanged function is not redeployed and keeps its warm environments."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def zip_files(files: Mapping[str, str | bytes]) -> bytes:
    """A zip of in-memory files (name -> text or bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            content = files[name]
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(_entry(name, 0o644), data)
    return buffer.getvalue()


def zip_directory(
    directory: str | Path, *, extra: Mapping[str, str | bytes] | None = None
) -> bytes:
    """A zip of everything under `directory` (caches skipped), paths relative to it."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory with function code")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(_walk(root)):
            relative = path.relative_to(root).as_posix()
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            archive.writestr(_entry(relative, mode), path.read_bytes())
        for name in sorted(extra or {}):
            content = (extra or {})[name]
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(_entry(name, 0o644), data)
    return buffer.getvalue()


def zip_tree(roots: list[Path]) -> bytes:
    """One zip of several folders merged at the top level (code, then its dependencies)."""
    buffer = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root in roots:
            for path in sorted(_walk(root)):
                relative = path.relative_to(root).as_posix()
                if relative in seen or relative == ".complete":
                    continue
                seen.add(relative)
                mode = 0o755 if os.access(path, os.X_OK) else 0o644
                archive.writestr(_entry(relative, mode), path.read_bytes())
    return buffer.getvalue()


def _walk(root: Path) -> list[Path]:
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in files:
            if not name.endswith(_SKIP_SUFFIXES):
                found.append(Path(current) / name)
    return found


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16
    return info
