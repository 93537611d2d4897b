"""workshop_lib.paths: the one module that knows where the repository's files are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import workshop_lib
from workshop_lib import paths
from workshop_lib.paths import REPO, CheckoutMissingError, require

CONSTANTS = [name for name in paths.__all__ if isinstance(getattr(paths, name), Path)]


def test_the_repository_is_the_folder_that_holds_the_package() -> None:
    assert Path(workshop_lib.__file__).resolve().parent == REPO / "workshop_lib"
    assert (REPO / "pyproject.toml").is_file()


@pytest.mark.parametrize("name", CONSTANTS)
def test_every_path_exists_in_the_checkout(name: str) -> None:
    path = getattr(paths, name)
    if name == "BUILD":  # generated, so a fresh clone may not have it yet
        assert path.parent == REPO
        return
    assert path.exists(), f"paths.{name} points at {path}, which is not in the checkout"
    assert path.is_relative_to(REPO)


def test_the_paths_lead_to_what_their_names_say() -> None:
    assert (paths.INFRA / "santa" / "template.yaml").is_file()
    assert (paths.SANTA_FUNCTIONS / "validate").is_dir()
    assert paths.SANTA_ASL.suffixes == [".asl", ".json"]
    assert (paths.IMAGES_SOURCE / "uploads.py").is_file()
    assert (paths.IMAGES_DATA / "MANIFEST.json").is_file()
    assert (paths.EXECUTIONS_DATA / "mystery_run.json").is_file()
    assert (paths.PRICING_DATA / "us-east-1.json").is_file()
    assert any(paths.NOTEBOOKS.glob("00_*.ipynb"))


def test_require_returns_a_path_that_is_there() -> None:
    assert require(paths.SANTA_ASL, "the Santa state machine") == paths.SANTA_ASL


def test_a_missing_file_says_what_where_and_what_to_do() -> None:
    missing = paths.DATA / "no_such_folder" / "file.json"
    with pytest.raises(CheckoutMissingError) as caught:
        require(missing, "the recorded run")
    message = str(caught.value)
    assert message.startswith("The recorded run (data/no_such_folder/file.json) is missing")
    assert str(REPO) in message
    assert "pip install -e ." in (caught.value.hint or "")


def test_a_path_outside_the_repository_is_shown_in_full(tmp_path: Path) -> None:
    with pytest.raises(CheckoutMissingError, match=re.escape(str(tmp_path / "gone"))):
        require(tmp_path / "gone", "a folder")


def test_no_other_module_counts_parents_from_its_own_file() -> None:
    """Every module takes the repository's folders from paths, so a move is one edit."""
    package = REPO / "workshop_lib"
    pattern = re.compile(r"Path\(__file__\)[^\n]*\.(parents\[|parent\.parent)")
    offenders = [
        path.relative_to(REPO).as_posix()
        for path in sorted(package.rglob("*.py"))
        if path != package / "paths.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use workshop_lib.paths instead of Path(__file__).parents[N]"
