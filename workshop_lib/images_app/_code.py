"""The image processor's own Lambda code (infra/image_processor/src), loaded into this process.

The notebooks run the very functions the Lambdas run, and find an upload's execution by the
name the trigger gives it, so nothing here re-implements them. Loading goes through
`apps.load_lambda_module`, the one way the workbook imports Lambda code.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType, SimpleNamespace

from ..apps import load_lambda_module, load_lambda_package
from ..paths import IMAGES_SOURCE

SOURCE_DIR = IMAGES_SOURCE
"""The folder every function of the app is packaged from (its CodeUri)."""


@cache
def upload_naming() -> ModuleType:
    """src/uploads.py (standard library only), under a private name."""
    return load_lambda_module(
        SOURCE_DIR, "uploads", name="_image_processor_uploads", workbook_clients=False
    )


def image_id(bucket: str, key: str, version_id: str | None = None) -> str:
    """The execution name and tracking id the trigger gives this upload."""
    naming = upload_naming()
    return naming.image_id(naming.Upload(bucket=bucket, key=key, version_id=version_id))


@cache
def lambda_code() -> SimpleNamespace:
    """`imaging` and `stages`: the picture work of the Lambdas, to call right in a notebook.

    They import each other by their plain names, as in the Lambda package.
    """
    return SimpleNamespace(**load_lambda_package(SOURCE_DIR, ["imaging", "stages"]))


def photo_cache() -> Path:
    """Where generated big photos are kept between runs (they take a few seconds to make): the
    Distributed Map section and the benchmarks share them."""
    return Path(tempfile.gettempdir()) / "workshop-bench-photos"
