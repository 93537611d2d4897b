"""The cost guard: nothing is created in a real account without an explicit yes.

Offline, `confirm_real_account()` does nothing. In aws mode it shows the account, the region,
what the notebook is about to do and a rough cost, and stops unless the notebook's parameter
says yes. Credentials are never shown.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import clients
from . import constants as C
from .display import Displayable, theme
from .errors import WorkshopError

__all__ = [
    "CONFIRM_FLAG",
    "ConfirmationRequired",
    "Plan",
    "ask_for_the_account",
    "confirm_real_account",
]


class ConfirmationRequired(WorkshopError):
    """aws mode, and the learner has not confirmed yet. `plan` is what would have happened."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(
            f"{plan}\nThis notebook stopped here, before creating anything. To go ahead, set "
            f"{CONFIRM_FLAG} = True in its parameters cell (the first code cell), then run it "
            "again from the top.",
            hint="Use a sandbox account, never production. Run `workshop cleanup` when done.",
        )
        self.plan = plan


CONFIRM_FLAG = "CONFIRM_AWS"
"""The parameters-cell variable every notebook passes to `confirm_real_account`."""


@dataclass(frozen=True)
class Plan(Displayable):
    mode: str
    region: str
    account_id: str
    actions: list[str] = field(default_factory=list)
    estimate_usd: float | None = None
    confirmed: bool = False
    learner: str = ""
    """aws mode: how this learner's names look (shared class accounts)."""

    def __str__(self) -> str:
        if self.mode == C.MODE_OFFLINE:
            return "Offline mode: everything stays on this computer; nothing to confirm."
        lines = [f"Real AWS account {self.account_id}, region {self.region}."]
        if self.learner:
            lines.append(self.learner)
        lines.append("This notebook will:")
        lines += [f"  - {action}" for action in self.actions]
        if self.estimate_usd is not None:
            lines.append(f"Estimated cost: about ${self.estimate_usd:.2f} (without the free tier).")
        lines.append("Confirmed." if self.confirmed else "NOT confirmed: nothing was created.")
        return "\n".join(lines)

    def _html(self) -> str:
        if self.mode == C.MODE_OFFLINE:
            return f"<div style='color:{theme.NEUTRAL}'>✔ Offline mode: nothing to confirm.</div>"
        items = "".join(f"<li>{html.escape(a)}</li>" for a in self.actions)
        cost = (
            f"<p>Estimated cost: about <b>${self.estimate_usd:.2f}</b> (without the free tier)</p>"
            if self.estimate_usd is not None
            else ""
        )
        state = (
            f"<b style='color:{theme.SUCCESS}'>Confirmed.</b>"
            if self.confirmed
            else f"<b style='color:{theme.FAILURE}'>Not confirmed: nothing was created.</b>"
        )
        learner = f"<br>{html.escape(self.learner)}" if self.learner else ""
        return (
            f"<div style='border-left:4px solid {theme.FAILURE};padding:4px 10px'>"
            f"<b>Real AWS account {html.escape(self.account_id)}</b>, region "
            f"<code>{html.escape(self.region)}</code>{learner}<ul>{items}</ul>{cost}{state}</div>"
        )


def confirm_real_account(
    confirm: bool | str = False,
    *,
    creates: Sequence[str] = (),
    estimate: float | None = None,
    actions: Sequence[str] = (),
    estimate_usd: float | None = None,
) -> Plan:
    """The gate before a notebook creates anything: offline a one-line note; in aws mode the
    account, region, learner prefix, what will be created and its estimated cost, and a
    `ConfirmationRequired` stop unless `confirm` is True (or the account id).

    `creates`/`estimate` and `actions`/`estimate_usd` are the same thing under two names.
    """
    planned = [*creates, *actions]
    cost = estimate if estimate is not None else estimate_usd
    target = clients.resolve_target()
    if target.offline:
        return Plan(C.MODE_OFFLINE, target.region, C.OFFLINE_ACCOUNT_ID, planned, cost, True)
    account = clients.client_for(target, "sts").get_caller_identity()["Account"]
    confirmed = confirm is True or (isinstance(confirm, str) and confirm.strip() == account)
    from .learner import current

    plan = Plan(target.mode, target.region, account, planned, cost, confirmed, str(current()))
    if not confirmed:
        raise ConfirmationRequired(plan)
    return plan


def ask_for_the_account(creates: Sequence[str], *, verb: str) -> bool:
    """For the command line in aws mode: show the plan and ask for the account id, as a
    person confirms in the console. True only if they typed it."""
    try:
        confirm_real_account(False, creates=creates)
    except ConfirmationRequired as stop:
        print(str(stop.plan).replace("NOT confirmed: nothing was created.", ""))
        account = stop.plan.account_id
        try:
            answer = input(f"Type the account id ({account}) to {verb} there: ").strip()
        except EOFError:  # no terminal (a script): never a yes
            answer = ""
        if answer != account:
            print(
                f"Nothing was done: the answer was not the account id {account}. Run the "
                "command again and type it (or pass --yes in a script).",
                file=sys.stderr,
            )
            return False
    return True
