"""Whose resources these are: one learner's name prefix, for classes that share one account.

In aws mode every name the workbook creates gets the learner's own prefix (`workshop-santa`
becomes `workshop-alice-santa`), resources are tagged `workshop:owner=alice`, and `workshop
cleanup` / `workshop destroy` touch only the caller's. The prefix is chosen once and remembered
in the state directory: `WORKSHOP_LEARNER` if set, else the IAM user (or role session) name.
Offline the local cloud belongs to one learner, so names stay exactly as they are.

The code lives in `clients` (a client tags what it creates with the learner, and finding the
learner needs a client); this module is its public name.
"""

from __future__ import annotations

from .clients import Learner, LearnerError, current, identity_name, name, sanitise

__all__ = [
    "Learner",
    "LearnerError",
    "current",
    "identity_name",
    "name",
    "sanitise",
]
