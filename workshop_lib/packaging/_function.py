"""One function's deployment package: its code plus, for AWS, its dependencies."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ._dependencies import PackagingError, Target, install_dependencies, requirements_of
from ._zip import zip_tree

# Lambda's documented limits for a .zip deployment package.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


@dataclass(frozen=True)
class FunctionPackage:
    name: str
    data: bytes
    unzipped_bytes: int
    dependencies: tuple[str, ...]

    @property
    def zipped_bytes(self) -> int:
        return len(self.data)


def build_package(
    folder: Path,
    *,
    name: str,
    target: Target | None = None,
    with_dependencies: bool = True,
    cache_dir: Path,
    pip_options: list[str] | None = None,
) -> FunctionPackage:
    """Zip the function's folder, plus its requirements built for Lambda when asked."""
    target = target or Target()
    requirements = requirements_of(folder) if with_dependencies else []
    deps = install_dependencies(requirements, target, cache_dir=cache_dir, pip_options=pip_options)
    data = zip_tree([folder] + ([deps] if deps else []))
    unzipped = _unzipped_size(data)
    if len(data) > MAX_ZIPPED_BYTES or unzipped > MAX_UNZIPPED_BYTES:
        raise PackagingError(
            f"{name}'s package is {len(data) / 2**20:.1f} MB zipped and "
            f"{unzipped / 2**20:.1f} MB unzipped; Lambda allows 50 MB zipped for a direct "
            "upload and 250 MB unzipped.",
            hint="Remove unused dependencies, or move large ones to a Lambda layer.",
        )
    return FunctionPackage(name, data, unzipped, tuple(requirements))


def _unzipped_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())
