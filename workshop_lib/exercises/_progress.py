"""Your progress: which exercises pass, kept in a local file (nothing is sent anywhere)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

ENV_PROGRESS_FILE = "WORKSHOP_PROGRESS_FILE"


def progress_file() -> Path:
    configured = os.environ.get(ENV_PROGRESS_FILE)
    if configured:
        return Path(configured).expanduser()
    from ..cloud import state_dir

    return state_dir() / "progress.json"


def load() -> dict[str, dict[str, Any]]:
    try:
        return json.loads(progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record(notebook: str, key: str, status: str) -> None:
    data = load()
    entry = data.setdefault(notebook, {}).setdefault(key, {"status": status, "attempts": 0})
    entry["attempts"] = int(entry.get("attempts", 0)) + (status != "not attempted")
    # A pass is kept: trying again later and failing does not lose it.
    if entry.get("status") != "correct" or status == "correct":
        entry["status"] = status
    entry["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    path = progress_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)
