"""Where calls go and who makes them: the one place that builds boto3 clients (`client()`), and
the learner whose name prefix and owner tag those clients put on what they create.

The two are one package because each needs the other: a client in aws mode tags every Create*
call with the learner who owns it, and finding the learner asks STS through a client. `learner`
is the public name for the second half (`wl.learner.name(...)`).
"""

from __future__ import annotations

from ._clients import (
    OFFLINE_UNSET,
    Target,
    check_port,
    client,
    client_for,
    forget_clients,
    offline_environment,
    resolve_mode,
    resolve_port,
    resolve_target,
    session,
)
from ._learner import Learner, LearnerError, current, identity_name, name, sanitise

__all__ = [
    "OFFLINE_UNSET",
    "Learner",
    "LearnerError",
    "Target",
    "check_port",
    "client",
    "client_for",
    "current",
    "forget_clients",
    "identity_name",
    "name",
    "offline_environment",
    "resolve_mode",
    "resolve_port",
    "resolve_target",
    "sanitise",
    "session",
]
