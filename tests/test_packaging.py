"""Lambda packages: deterministic zips, and dependencies built for the Lambda platform.

pip runs for real, against a local wheelhouse (no network): the wheels below are tagged for
Lambda's platforms, so choosing the right one is pip's real platform logic.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from workshop_lib.packaging import (
    PackagingError,
    Target,
    build_package,
    requirements_of,
    zip_directory,
)


def make_wheel(directory: Path, name: str, tag: str, module_text: str) -> Path:
    """A minimal valid wheel holding one module."""
    dist = f"{name}-1.0.dist-info"
    files = {
        f"{name}.py": module_text.encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
        f"Tag: {tag}\n".encode(),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{name}-1.0-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


@pytest.fixture
def wheelhouse(tmp_path: Path) -> list[str]:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    make_wheel(house, "sleighlib", "cp312-cp312-manylinux2014_x86_64", "ARCH = 'x86_64'\n")
    make_wheel(house, "bells", "py3-none-any", "RING = True\n")
    return ["--no-index", "--find-links", str(house)]


@pytest.fixture
def function(tmp_path: Path) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (folder / "requirements.txt").write_text("sleighlib\nbells  # pure Python\nboto3>=1.34\n")
    return folder


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_boto3_is_left_to_the_runtime(function):
    assert requirements_of(function) == ["sleighlib", "bells"]


def test_dependencies_are_built_for_the_lambda_platform(function, wheelhouse, tmp_path):
    package = build_package(
        function,
        name="Fn",
        target=Target("python3.12", "x86_64"),
        cache_dir=tmp_path / "cache",
        pip_options=wheelhouse,
    )
    listed = names(package.data)
    assert "app.py" in listed and "sleighlib.py" in listed and "bells.py" in listed
    assert not any(name.startswith("boto3") for name in listed)
    assert package.dependencies == ("sleighlib", "bells")
    assert package.unzipped_bytes > 0 and package.zipped_bytes == len(package.data)


def test_a_missing_wheel_for_the_architecture_is_a_clear_error(function, wheelhouse, tmp_path):
    with pytest.raises(PackagingError) as error:
        build_package(
            function,
            name="Fn",
            target=Target("python3.12", "arm64"),
            cache_dir=tmp_path / "cache",
            pip_options=wheelhouse,
        )
    assert "manylinux2014_aarch64" in error.value.hint
    assert "sleighlib" in str(error.value)


def test_runtime_must_be_python(function, tmp_path):
    with pytest.raises(PackagingError, match="not a Python runtime"):
        build_package(function, name="Fn", target=Target("nodejs20.x"), cache_dir=tmp_path)


def test_packages_over_lambdas_limits_are_refused(function, wheelhouse, tmp_path, monkeypatch):
    from workshop_lib.packaging import _function

    monkeypatch.setattr(_function, "MAX_UNZIPPED_BYTES", 100)
    with pytest.raises(PackagingError, match="250 MB unzipped"):
        build_package(function, name="Fn", cache_dir=tmp_path / "cache", pip_options=wheelhouse)


def test_zips_are_deterministic(function):
    first = zip_directory(function)
    (function / "__pycache__").mkdir()
    (function / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"junk")
    assert zip_directory(function) == first
