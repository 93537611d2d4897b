"""`connect()`: the first cell of every notebook. Offline it starts (or reuses) the local cloud;
in aws mode it shows which account and region the notebook is about to use."""

from __future__ import annotations

import html
from dataclasses import dataclass

from . import clients
from . import constants as C
from .display import Displayable, protect, theme

__all__ = [
    "Connection",
    "connect",
    "real_account",
]


@dataclass(frozen=True)
class Connection(Displayable):
    """Where this notebook's AWS calls go."""

    target: clients.Target
    account_id: str
    learner: str = ""
    """aws mode: the prefix of every name this learner creates (shared class accounts)."""

    @property
    def mode(self) -> str:
        return self.target.mode

    @property
    def offline(self) -> bool:
        return self.target.offline

    def __str__(self) -> str:
        return f"{self.target} — account {self.account_id}"

    def _html(self) -> str:
        if self.offline:
            badge, colour = "OFFLINE", theme.SUCCESS
            detail = (
                f"Local cloud at <code>{html.escape(self.target.endpoint_url or '')}</code>. "
                "Nothing leaves this computer; no AWS account is used."
            )
        else:
            badge, colour = "REAL AWS ACCOUNT", theme.FAILURE
            detail = (
                "Calls go to AWS and can cost money. Resources are tagged "
                f"<code>{C.TAG_KEY}={C.TAG_VALUE}</code> so cleanup can find them."
            )
            if self.learner:
                detail += (
                    f" Your names start with <code>workshop-{html.escape(self.learner)}-</code>"
                    f" and your stacks carry <code>{C.OWNER_TAG_KEY}={html.escape(self.learner)}"
                    "</code>: classmates in the same account neither see nor delete them."
                )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<b style='color:{colour}'>{badge}</b> · region <code>{self.target.region}</code>"
            f" · account <code>{html.escape(self.account_id)}</code><br>{detail}</div>"
        )


def connect(mode: str | None = None, *, port: int | None = None) -> Connection:
    """Get ready to make AWS calls in `mode` (default: `WORKSHOP_MODE`, else offline)."""
    target = clients.resolve_target(mode, port=port)
    if target.offline:
        from . import cloud

        running = cloud.ensure_running(target.port)
        cloud.watch_for_a_lost_cloud(running)
        account = C.OFFLINE_ACCOUNT_ID
    else:
        account = clients.client_for(target, "sts").get_caller_identity()["Account"]
        from .learner import current

        # Chosen (and remembered) now, so the first cell already says whose names these are.
        return Connection(target=target, account_id=account, learner=current().prefix)
    return Connection(target=target, account_id=account)


def real_account(what: str) -> bool:
    """For the few cells that only make sense in a real account: True in aws mode; offline it
    shows that the cell was skipped, and why, and returns False."""
    if not clients.resolve_target().offline:
        return True
    from IPython.display import HTML, display

    display(
        HTML(
            protect(
                f"<div style='color:{theme.NEUTRAL}'>⏭ Skipped offline: {html.escape(what)} "
                "(this cell only makes sense in a real AWS account).</div>"
            )
        )
    )
    return False
