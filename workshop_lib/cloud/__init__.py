"""The local cloud: moto and a real Lambda runtime on 127.0.0.1, no Docker, no account."""

from ._control import (
    CloudStatus,
    configure,
    diagnose,
    ensure_running,
    requests_between,
    require_running,
    reset,
    start,
    state_dir,
    status,
    stop,
)
from ._lost import explain as explain_lost_cloud
from ._lost import watch_for_a_lost_cloud

__all__ = [
    "CloudStatus",
    "configure",
    "diagnose",
    "ensure_running",
    "explain_lost_cloud",
    "requests_between",
    "require_running",
    "reset",
    "start",
    "state_dir",
    "status",
    "stop",
    "watch_for_a_lost_cloud",
]
