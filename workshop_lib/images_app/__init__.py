"""The photo gallery's image processor (infra/image_processor), from a notebook.

    from workshop_lib.images_app import ImageApp
    app = ImageApp.deploy()
    runs = app.process(["rocket.jpg", "truncated.jpg"])   # upload, wait, show
    app.records()                                         # the tracking table
    app.run_batch("gallery/")                             # the Map workflow over a folder
    app.put_generated("many/", count=60, bad=["truncated.jpg"])
    app.run_distributed_batch("many/")                    # Distributed Map, results from S3

`lambda_code()` gives the Lambdas' own picture code (imaging, stages) to run in the notebook;
`validation_report(results)` sets what validation concluded beside what data/images expects.
"""

from ._app import FUNCTIONS, ImageApp, ImageAppError
from ._code import SOURCE_DIR, image_id, lambda_code, photo_cache
from ._distributed import BatchPhoto, BatchResults, DistributedBatchRun
from ._records import TrackingRecord, TrackingTable
from ._report import ValidationOutcome, ValidationReport, validation_report
from ._runs import BatchRun, ImageRun, ImageRuns, Upload
from ._settings import FunctionSetting, FunctionSettings

__all__ = [
    "FUNCTIONS",
    "SOURCE_DIR",
    "BatchPhoto",
    "BatchResults",
    "BatchRun",
    "DistributedBatchRun",
    "FunctionSetting",
    "FunctionSettings",
    "ImageApp",
    "ImageAppError",
    "ImageRun",
    "ImageRuns",
    "TrackingRecord",
    "TrackingTable",
    "Upload",
    "ValidationOutcome",
    "ValidationReport",
    "image_id",
    "lambda_code",
    "photo_cache",
    "validation_report",
]
