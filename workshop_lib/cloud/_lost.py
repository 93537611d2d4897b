"""One clear line instead of a long botocore traceback when the local cloud went away.

A learner's cloud can stop under a running notebook (the laptop slept, `workshop cloud stop`
in a terminal, a crash). The next AWS call then fails deep inside botocore with dozens of
lines. These helpers turn that into what happened and what to do; anything else is shown as
usual.
"""

from __future__ import annotations

from typing import Any

from ..clients import resolve_target
from ._control import CloudStatus, status

_started_at_connect: dict[int, float] = {}


def watch_for_a_lost_cloud(current: CloudStatus) -> None:
    """Called by `connect()`: from now on, a notebook whose cloud stopped or restarted (and so
    is empty) says so in one line. The start time tells a restarted cloud from the same one."""
    if current.started is not None:
        _started_at_connect[current.port] = current.started
    install_notebook_handler()


def explain(error: BaseException) -> str | None:
    """What a lost or restarted local cloud means for this call, or None if that is not it."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    target = resolve_target()
    if not target.offline or target.port is None:
        return None
    port = target.port
    lost = isinstance(error, EndpointConnectionError | ConnectionClosedError | ReadTimeoutError)
    if not lost and not isinstance(error, ClientError):
        return None
    current = status(port)
    catch_up = (
        "`workshop catch-up N` (N: this notebook's number) rebuilds what earlier notebooks made"
    )
    if current.held_by:
        return f"{current}"
    if not current.running:
        if not lost:
            return None
        return (
            f"Your local cloud on port {port} is not answering: it stopped or crashed. Start it "
            "again with `workshop cloud start` (or re-run this notebook's first cell); a new "
            f"cloud starts empty, and {catch_up}."
        )
    remembered = _started_at_connect.get(port)
    if remembered is not None and current.started is not None and current.started != remembered:
        return (
            f"Your local cloud on port {port} restarted since this notebook connected, and a "
            f"restarted cloud is empty. Re-run this notebook from the top; {catch_up}."
        )
    return None


def install_notebook_handler() -> None:
    """In IPython, show lost-cloud errors in one line (others keep their usual traceback)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from botocore.exceptions import BotoCoreError, ClientError

    def handler(
        shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
    ) -> Any:
        try:
            message = explain(value)
        except Exception:  # never hide the real error behind a failing explanation
            message = None
        if message is None:
            return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        print(f"{etype.__name__}: {message}")
        return None

    shell.set_custom_exc((BotoCoreError, ClientError), handler)
