"""The image processor's own Lambda code (infra/image_processor/src), loaded into this process.

The notebooks run the very functions the Lambdas run, and find an upload's execution by the
name the trigger gives it, so nothing here re-implements them.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from types import ModuleType, SimpleNamespace

from ..paths import IMAGES_SOURCE

SOURCE_DIR = IMAGES_SOURCE
"""The folder every function of the app is packaged from (its CodeUri)."""


@cache
def upload_naming() -> ModuleType:
    """src/uploads.py (standard library only), under a private name."""
    spec = importlib.util.spec_from_file_location(
        "_image_processor_uploads", SOURCE_DIR / "uploads.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def image_id(bucket: str, key: str, version_id: str | None = None) -> str:
    """The execution name and tracking id the trigger gives this upload."""
    naming = upload_naming()
    return naming.image_id(naming.Upload(bucket=bucket, key=key, version_id=version_id))


@cache
def lambda_code() -> SimpleNamespace:
    """`imaging` and `stages`: the picture work of the Lambdas, to call right in a notebook.

    They import each other by their plain names, as in the Lambda package, so their folder is
    put on `sys.path`.
    """
    folder = str(SOURCE_DIR)
    if folder not in sys.path:
        sys.path.append(folder)
    imaging = importlib.import_module("imaging")
    stages = importlib.import_module("stages")
    return SimpleNamespace(imaging=imaging, stages=stages)
