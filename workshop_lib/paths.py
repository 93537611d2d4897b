"""Where the workbook's files are: the one module that knows the repository's layout.

The library reads files that live beside the package, not inside it: the SAM apps in `infra/`,
the sample data in `data/`, the notebooks in `notebooks/`. Every module takes those locations
from here, so moving a folder is one edit, and no module counts `parents[N]` from its own file.

The constants are plain paths, computed without touching the disk, so importing the library
never fails. They exist only in a checkout (`pip install -e .`); an installed wheel carries the
package alone. Code that reads one of these files calls `require(path, what)` first, which says
what is missing and what to do instead of a bare FileNotFoundError.
"""

from __future__ import annotations

from pathlib import Path

from .errors import WorkshopError

__all__ = [
    "BUILD",
    "DATA",
    "DOCS",
    "EXECUTIONS_DATA",
    "IMAGES_DATA",
    "IMAGES_INFRA",
    "IMAGES_SOURCE",
    "IMAGES_STATEMACHINES",
    "INFRA",
    "NOTEBOOKS",
    "PRICING_DATA",
    "REPO",
    "SANTA_ASL",
    "SANTA_DATA",
    "SANTA_FUNCTIONS",
    "SANTA_INFRA",
    "CheckoutMissingError",
    "require",
]

#: The repository's root: the folder that holds `workshop_lib/`, `infra/`, `data/`, ...
REPO: Path = Path(__file__).resolve().parents[1]

# -- top-level folders ---------------------------------------------------------------------------
INFRA: Path = REPO / "infra"  # one SAM app per folder (template.yaml)
DATA: Path = REPO / "data"  # sample inputs, recorded executions, price files
NOTEBOOKS: Path = REPO / "notebooks"  # the workbook itself (learner edition in notebooks/learner)
DOCS: Path = REPO / "docs"
BUILD: Path = REPO / "build"  # generated output (packages, screenshots); never committed

# -- the Santa app -------------------------------------------------------------------------------
SANTA_INFRA: Path = INFRA / "santa"
SANTA_FUNCTIONS: Path = SANTA_INFRA / "functions"
SANTA_ASL: Path = SANTA_INFRA / "statemachine" / "santa.asl.json"
SANTA_DATA: Path = DATA / "santa"  # good and bad wish lists

# -- the image processor app ---------------------------------------------------------------------
IMAGES_INFRA: Path = INFRA / "image_processor"
IMAGES_SOURCE: Path = IMAGES_INFRA / "src"  # the Lambda package (one module per function)
IMAGES_STATEMACHINES: Path = IMAGES_INFRA / "statemachine"
IMAGES_DATA: Path = DATA / "images"  # sample photos and awkward files, with MANIFEST.json

# -- other data ----------------------------------------------------------------------------------
EXECUTIONS_DATA: Path = DATA / "executions"  # recorded execution histories (mystery_run.json)
PRICING_DATA: Path = DATA / "pricing"  # AWS prices per region, read by the cost models


class CheckoutMissingError(WorkshopError):
    """A file the workbook reads from its repository is not there."""


def require(path: Path, what: str) -> Path:
    """Return `path` if it exists; otherwise say which part of the checkout is missing.

    `what` names the thing for the learner ("the Santa state machine", "the price files").
    The usual cause is running an installed copy of `workshop_lib` outside the repository: the
    package is there, its `infra/` and `data/` folders are not.
    """
    if path.exists():
        return path
    try:
        shown = path.relative_to(REPO).as_posix()
    except ValueError:
        shown = str(path)
    raise CheckoutMissingError(
        f"{what[:1].upper()}{what[1:]} ({shown}) is missing: workshop_lib looked for it in the "
        f"repository at {REPO}.",
        hint="The workbook reads its apps, data and notebooks from a full checkout of its "
        "repository. Clone it and install it in place (pip install -e .) rather than running a "
        "copied or installed package; if you moved or deleted the file, restore it with git.",
    )
