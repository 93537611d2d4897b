"""Record the history of one failed run of the image processor, for notebook 06's exercises.

    workshop cloud start
    python data/executions/record.py        # writes mystery_run.json next to this script

The script deploys the image processor, swaps OptimizeImage's code for a version that fills up
/tmp, runs the workflow on rocket.jpg in real time (time scale 1.0, so the Retry waits are
the policy's own), and saves what the Step Functions API returned: the definition, the
execution's description and its history events. Then it puts the real code back and restores
the time scale. Unlike data/santa, the output depends on the clock and on generated names, so
it is recorded once and committed, not compared.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUTPUT = HERE / "mystery_run.json"
SAMPLE = "rocket.jpg"
# Offline, a function's code is unpacked under the local cloud's state folder; in AWS it is
# /var/task. Stack traces in the recording say /var/task, as a learner would see in AWS.
_UNPACKED_CODE = re.compile(r"/[^\s\"'\\]*/code/[0-9a-f]{64}")

# A colleague's OptimizeImage: it keeps every variant in /tmp before uploading, and /tmp is full.
FULL_DISK_OPTIMIZE = '''"""OptimizeImage, a colleague's version: variants go to /tmp first."""

import errno
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    variants = list(event.get("resized") or []) + list(event.get("filtered") or [])
    logger.info("optimize: writing %d variants to /tmp first", len(variants))
    scratch = f"/tmp/{event['imageId']}-large.png"
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), scratch)
'''


def main() -> int:
    sys.path.insert(0, str(REPO))
    import workshop_lib as wl
    from workshop_lib.images_app import SOURCE_DIR, ImageApp
    from workshop_lib.packaging import zip_directory, zip_files

    wl.connect()
    app = ImageApp.deploy()
    lam = wl.client("lambda")
    optimize = app.function_name("optimize")
    files: dict[str, str | bytes] = {
        path.name: path.read_bytes() for path in SOURCE_DIR.iterdir() if path.is_file()
    }
    files["optimize.py"] = FULL_DISK_OPTIMIZE
    scale = wl.cloud.status().time_scale
    lam.update_function_code(FunctionName=optimize, ZipFile=zip_files(files))
    lam.get_waiter("function_updated_v2").wait(FunctionName=optimize)
    try:
        wl.cloud.configure(time_scale=1.0)
        upload = app.put(SAMPLE, folder="by-hand/")
        execution = wl.run(app.state_machine_arn, upload.event(), live=False)
    finally:
        wl.cloud.configure(time_scale=scale or 0.01)
        lam.update_function_code(FunctionName=optimize, ZipFile=zip_directory(SOURCE_DIR))
        lam.get_waiter("function_updated_v2").wait(FunctionName=optimize)
    sfn = wl.client("stepfunctions")
    described = sfn.describe_execution(executionArn=execution.arn)
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution.arn)
    events = [event for page in pages for event in page["events"]]
    record = {
        "about": (
            "One run of the image processor whose OptimizeImage ran out of space in /tmp, "
            "recorded by data/executions/record.py from the local cloud in real time. "
            "Notebook 06 rebuilds the execution from it (workshop_lib.exercises.nb06), and "
            "the exercises there check answers against these events."
        ),
        "definition": app.definition(),
        "execution": {key: value for key, value in described.items() if key != "ResponseMetadata"},
        "events": events,
    }
    OUTPUT.write_text(
        json.dumps(_plain(record), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {OUTPUT.relative_to(REPO)}: {described['status']}, {len(events)} events")
    return 0


def _plain(value: Any) -> Any:
    """API answers ready for JSON: datetimes as ISO text, code paths as in AWS."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _UNPACKED_CODE.sub("/var/task", value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
