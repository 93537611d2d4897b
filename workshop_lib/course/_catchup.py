"""`workshop catch-up N`: what the modules before N would have left, so N runs on its own.

Every notebook ends by cleaning up, so what carries over between modules is the deployed
applications (and, for inspection, a few executions). Catch-up deploys those, and warms them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..display import Displayable

# Notebook number -> apps deployed by the notebooks before it that it builds on (each notebook
# deploys what it uses again, so these are deployed ahead; an app it does not use is not).
_APPS_BEFORE = {
    0: (),
    1: (),
    2: (),
    3: ("santa",),
    4: (),  # the image processor is first deployed in 04; nothing of Santa's is used
    5: ("images",),
    6: ("santa", "images"),
    7: ("santa",),
    8: ("images",),
    9: ("santa",),
    10: ("santa",),
    11: (),  # the capstone deploys everything itself, in check()
}


@dataclass(frozen=True)
class CatchUpReport(Displayable):
    notebook: int
    deployed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        apps = ", ".join(self.deployed) or "nothing to deploy"
        return (
            f"Ready for notebook {self.notebook:02d} ({apps}) in {self.seconds:.1f} s. "
            "Open it and run it top to bottom."
        )

    def _html(self) -> str:
        return f"<div>✔ {self}</div>"


def apps_before(notebook: int) -> list[str]:
    """The apps notebook `notebook` builds on (deployed by the notebooks before it)."""
    if notebook not in _APPS_BEFORE:
        from ..errors import WorkshopError

        raise WorkshopError(
            f"There is no notebook {notebook:02d}.",
            hint=f"Choose one of {', '.join(map(str, _APPS_BEFORE))}.",
        )
    return list(_APPS_BEFORE[notebook])


def catch_up(notebook: int, *, reset: bool = True, confirm: bool | str = False) -> CatchUpReport:
    """Deploy what notebook `notebook` builds on. In aws mode this creates stacks in a real
    account, so it stops at the same gate as the notebooks unless `confirm` is True."""
    from .. import clients, cloud
    from ..deploy import deploy, resolve_app
    from ..guard import confirm_real_account

    apps = apps_before(notebook)
    from ..room import report_catch_up  # queued for the room only if the learner joined one

    if not clients.resolve_target().offline:
        stacks = [resolve_app(app).stack_name for app in apps]
        confirm_real_account(
            confirm, creates=[f"create or update the CloudFormation stack {s}" for s in stacks]
        )
    report_catch_up(notebook)
    started = time.perf_counter()
    if clients.resolve_target().offline:
        cloud.ensure_running()
        if reset:
            cloud.reset()
    deployed = []
    for app in apps:
        try:
            resolve_app(app)
        except Exception:  # an app that is not in this checkout cannot be caught up
            continue
        deploy(app)
        deployed.append(app)
    return CatchUpReport(notebook, deployed, time.perf_counter() - started)
