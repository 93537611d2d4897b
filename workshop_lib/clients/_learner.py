"""The learner behind the calls: name prefix, owner tags, remembered choice (see `learner`)."""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import constants as C
from ..display import Displayable
from ..errors import WorkshopError
from ..owner import state_dir
from . import _clients as clients

__all__ = [
    "Learner",
    "LearnerError",
    "current",
    "identity_name",
    "name",
    "sanitise",
]

_BASE = "workshop-"
_FILE = "learner-prefix"


class LearnerError(WorkshopError):
    """The learner's prefix cannot be worked out or is unusable."""


@dataclass(frozen=True)
class Learner(Displayable):
    """Who is creating things, and how their names look."""

    prefix: str
    """Empty offline; in aws mode lowercase letters and digits only (no hyphen, so one
    learner's `workshop-al-` can never be the start of another's `workshop-alb-...`)."""
    source: str
    """Where the prefix came from: offline, WORKSHOP_LEARNER, remembered or the IAM identity."""

    @property
    def shared(self) -> bool:
        return bool(self.prefix)

    def name(self, base: str) -> str:
        """Offline `base` itself; in aws mode with the learner's prefix after `workshop-`:
        `workshop-hello` -> `workshop-alice-hello`, `santa-elf-notify` ->
        `workshop-alice-santa-elf-notify`. A name that already has the prefix, and an ARN,
        are returned as they are, so passing a name through twice is harmless."""
        if not self.prefix or base.startswith(self.name_prefix) or base.startswith("arn:"):
            return base
        return f"{self.name_prefix}{base.removeprefix(_BASE)}"

    @property
    def name_prefix(self) -> str:
        """What every one of this learner's names starts with."""
        return f"{_BASE}{self.prefix}-" if self.prefix else _BASE

    def tags(self) -> dict[str, str]:
        """The tags a new resource gets: the workbook's, plus the owner in aws mode."""
        tags = {C.TAG_KEY: C.TAG_VALUE}
        if self.prefix:
            tags[C.OWNER_TAG_KEY] = self.prefix
        return tags

    def owns(self, name: str, tags: Any = None) -> bool:
        """Is this (workbook) resource this learner's? Offline: always. In aws mode the owner
        tag decides when there is one; without it, the name's prefix does."""
        if not self.prefix:
            return True
        owner = _tag_value(tags, C.OWNER_TAG_KEY)
        if owner is not None:
            return owner == self.prefix
        return name.startswith(self.name_prefix)

    def __str__(self) -> str:
        if not self.prefix:
            return "Offline: the local cloud is yours alone; names are not prefixed."
        return (
            f"Learner {self.prefix!r} ({self.source}): your resources are named "
            f"{self.name_prefix}... and your stacks tagged {C.OWNER_TAG_KEY}={self.prefix}."
        )

    def _html(self) -> str:
        return f"<div>{html.escape(str(self))}</div>"


def current() -> Learner:
    """The learner in the current mode (offline: no prefix)."""
    if clients.resolve_target().offline:
        return Learner("", "offline")
    configured = os.environ.get(C.ENV_LEARNER, "").strip()
    if configured:
        prefix = sanitise(configured)
        if not prefix:
            raise LearnerError(
                f"{C.ENV_LEARNER}={configured!r} has no letters or digits to make a prefix of.",
                hint=f"Set {C.ENV_LEARNER} to a short name such as your first name (a-z, 0-9).",
            )
        return Learner(prefix, C.ENV_LEARNER)
    remembered = _remembered()
    if remembered:
        return Learner(remembered, f"remembered in {_file()}")
    identity = clients.client("sts").get_caller_identity()["Arn"]
    # A name with no usable letters still gets a stable prefix of its own.
    prefix = sanitise(identity_name(identity)) or "l" + _digest(identity)
    _remember(prefix)
    return Learner(prefix, f"from your AWS identity {identity.rsplit(':', 1)[-1]}")


def name(base: str) -> str:
    """The name to create `base` under, for the current learner (see `Learner.name`)."""
    return current().name(base)


def sanitise(text: str) -> str:
    """Lowercase letters and digits only, at most `LEARNER_PREFIX_MAX` of them."""
    return re.sub(r"[^a-z0-9]", "", text.split("@", 1)[0].lower())[: C.LEARNER_PREFIX_MAX]


def identity_name(arn: str) -> str:
    """The person in an STS caller ARN: the IAM user, the role session, or `root`."""
    resource = arn.rsplit(":", 1)[-1]
    if resource == "root":
        return "root"
    # user/path/alice, federated-user/alice, assumed-role/RoleName/alice: the last part.
    return resource.rsplit("/", 1)[-1]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _tag_value(tags: Any, key: str) -> str | None:
    if isinstance(tags, Mapping):
        value = tags.get(key)
        return None if value is None else str(value)
    for tag in tags or []:
        if tag.get("Key", tag.get("key")) == key:
            return str(tag.get("Value", tag.get("value")))
    return None


def _file() -> Path:
    return state_dir() / _FILE


def _remembered() -> str:
    try:
        return sanitise(_file().read_text(encoding="utf-8").strip())
    except OSError:
        return ""


def _remember(prefix: str) -> None:
    path = _file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(prefix + "\n", encoding="utf-8")
    except OSError as error:
        raise LearnerError(
            f"Could not remember your prefix in {path}: {error.strerror}.",
            hint=f"Set {C.ENV_LEARNER} (for example `export {C.ENV_LEARNER}=alice`), or make "
            f"the state directory writable ({C.ENV_STATE_DIR} moves it).",
        ) from None
