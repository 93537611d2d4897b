"""A function's dependencies, built for the Lambda platform without Docker.

pip can install wheels for another platform: `--platform manylinux2014_x86_64` (or `_aarch64`),
`--implementation cp --python-version 3.12 --only-binary=:all:`. That is exactly what Lambda
needs for packages with compiled parts, such as Pillow, and it works from any laptop.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkshopError

ENV_PIP_OPTIONS = "WORKSHOP_PIP_OPTIONS"
"""Extra pip options, e.g. `--no-index --find-links /path/to/wheelhouse` in a room offline."""

# The Lambda Python runtime already has these; bundling them only makes the zip bigger.
PROVIDED_BY_RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)

_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


class PackagingError(WorkshopError):
    """Dependencies could not be built for Lambda."""


@dataclass(frozen=True)
class Target:
    """The Lambda platform to build for."""

    runtime: str = "python3.12"
    architecture: str = "x86_64"

    @property
    def python_version(self) -> str:
        match = re.fullmatch(r"python(3\.\d+)", self.runtime)
        if not match:
            raise PackagingError(
                f"{self.runtime!r} is not a Python runtime.",
                hint="Use a runtime such as python3.12 or python3.13 in the template.",
            )
        return match.group(1)

    @property
    def platform(self) -> str:
        try:
            return _PLATFORMS[self.architecture]
        except KeyError:
            raise PackagingError(
                f"Unknown architecture {self.architecture!r}.",
                hint="Lambda supports x86_64 and arm64.",
            ) from None


def requirements_of(folder: Path) -> list[str]:
    """The function's requirements.txt lines, without what the runtime already provides."""
    path = folder / "requirements.txt"
    if not path.is_file():
        return []
    kept = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-")
        if name not in PROVIDED_BY_RUNTIME:
            kept.append(line)
    return kept


def install_dependencies(
    requirements: list[str],
    target: Target,
    *,
    cache_dir: Path,
    pip_options: list[str] | None = None,
) -> Path | None:
    """Install wheels for the Lambda platform into a cached folder; return it (None if nothing)."""
    if not requirements:
        return None
    options = list(pip_options if pip_options is not None else _env_pip_options())
    key = hashlib.sha256(
        "\n".join([*requirements, target.runtime, target.architecture, *options]).encode()
    ).hexdigest()[:16]
    destination = cache_dir / f"deps-{key}"
    if (destination / ".complete").exists():
        return destination
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(destination),
        "--platform",
        target.platform,
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--only-binary=:all:",
        *options,
        *requirements,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(destination, ignore_errors=True)
        raise PackagingError(
            f"pip could not install {', '.join(requirements)} for Lambda "
            f"({target.runtime}, {target.architecture}):\n{result.stderr.strip()[-2000:]}",
            hint="Check the package names and versions. Only packages with wheels for "
            f"{target.platform} (or pure Python) can be used without Docker. Offline, point "
            f"{ENV_PIP_OPTIONS} at a wheelhouse: --no-index --find-links DIR.",
        )
    for provided in PROVIDED_BY_RUNTIME:
        for path in destination.glob(f"{provided.replace('-', '_')}*"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    (destination / ".complete").write_text("ok")
    return destination


def _env_pip_options() -> list[str]:
    return shlex.split(os.environ.get(ENV_PIP_OPTIONS, ""))
