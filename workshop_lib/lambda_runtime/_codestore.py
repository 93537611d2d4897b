"""Unpacks each function's zip once, keyed by its SHA-256, like Lambda's /var/task."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from ._spec import CodeSource


class CodeStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def unpack(self, source: CodeSource) -> Path:
        target = self.root / _directory_name(source.sha256)
        if target.is_dir():
            return target
        with self._lock:
            if target.is_dir():
                return target
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self.root))
            try:
                with zipfile.ZipFile(io.BytesIO(source.fetch())) as archive:
                    _extract_safely(archive, staging)
                staging.rename(target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        return target


def _directory_name(sha256: str) -> str:
    # Lambda reports CodeSha256 in base64, which may contain "/"; directories want hex.
    try:
        raw = base64.b64decode(sha256, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == 32:
        return raw.hex()
    return hashlib.sha256(sha256.encode()).hexdigest()


def _extract_safely(archive: zipfile.ZipFile, destination: Path) -> None:
    root = destination.resolve()
    for member in archive.infolist():
        path = (destination / member.filename).resolve()
        if root not in path.parents and path != root:
            raise ValueError(f"zip entry {member.filename!r} would unpack outside the function")
    archive.extractall(destination)
