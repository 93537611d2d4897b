"""What belongs to the user who runs the workbook: a private state directory, the local cloud's
key pair, and the port of that user's own local cloud.

On a shared classroom server every learner has a cloud of their own. The cloud answers only
requests signed with its owner's key pair, which lives in a file only the owner can read, so
neither another Unix user nor a web page open in the owner's browser can use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import string
from dataclasses import dataclass
from pathlib import Path

from . import constants as C
from .errors import CloudError

__all__ = [
    "LocalCredentials",
    "local_credentials",
    "owner_name",
    "private_state_dir",
    "remember_port",
    "remembered_port",
    "state_dir",
]

_CREDENTIALS_FILE = "local-cloud-credentials.json"
_PORT_FILE = "local-cloud-port"


@dataclass(frozen=True)
class LocalCredentials:
    """The key pair that signs every request to the owner's local cloud (SigV4, as on AWS)."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"LocalCredentials(access_key_id={self.access_key_id!r}, secret_access_key=***)"


def state_dir() -> Path:
    """Where pid files, logs and unpacked code live (`WORKSHOP_STATE_DIR` overrides).

    Not created here; `private_state_dir()` creates it with owner-only permissions.
    """
    configured = os.environ.get(C.ENV_STATE_DIR)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sfn-lambda-workbook"


def private_state_dir() -> Path:
    """The state directory, created if needed, owned by this user and closed to everyone else."""
    directory = state_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = directory.stat()
    except OSError as error:
        raise CloudError(
            f"Cannot use the workbook's state directory {directory}: {error.strerror}.",
            hint=f"Point {C.ENV_STATE_DIR} at a directory you can write, for example "
            f"`export {C.ENV_STATE_DIR}=$HOME/.workshop-state`.",
        ) from None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CloudError(
            f"The state directory {directory} belongs to another user (uid {info.st_uid}).",
            hint=f"Use a directory of your own: `export {C.ENV_STATE_DIR}=$HOME/.workshop-state`.",
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        with contextlib.suppress(OSError):
            directory.chmod(0o700)
    if not os.access(directory, os.W_OK):
        raise CloudError(
            f"The state directory {directory} is not writable.",
            hint=f"Point {C.ENV_STATE_DIR} at a directory you can write.",
        )
    return directory


def local_credentials() -> LocalCredentials:
    """This user's key pair for the local cloud, made on first use (a 0600 file)."""
    path = private_state_dir() / _CREDENTIALS_FILE
    existing = _read_credentials(path)
    if existing is not None:
        return existing
    alphabet = string.ascii_uppercase + string.digits
    made = LocalCredentials(
        # AWS-shaped: 20 characters starting with AKIA, a 40-character secret.
        access_key_id="AKIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
        secret_access_key=secrets.token_urlsafe(30)[:40],
    )
    try:
        # O_EXCL: two processes starting at once agree on whichever file was written first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        again = _read_credentials(path)
        if again is None:
            raise CloudError(
                f"The local cloud's credentials file {path} is unreadable.",
                hint="Delete it and start the local cloud again (`workshop cloud stop`, then "
                "`workshop cloud start`).",
            ) from None
        return again
    with os.fdopen(fd, "w") as handle:
        json.dump(
            {"access_key_id": made.access_key_id, "secret_access_key": made.secret_access_key},
            handle,
        )
    return made


def _read_credentials(path: Path) -> LocalCredentials | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CloudError(
            f"{path} belongs to another user.",
            hint=f"Use a state directory of your own ({C.ENV_STATE_DIR}).",
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(0o600)  # a secret readable by others is no secret; close it
    try:
        data = json.loads(path.read_text())
        return LocalCredentials(str(data["access_key_id"]), str(data["secret_access_key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remembered_port() -> int | None:
    """The port this user's cloud last started on, if it was not the default."""
    try:
        value = int((state_dir() / _PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return value if 1 <= value <= 65535 else None


def remember_port(port: int) -> None:
    path = private_state_dir() / _PORT_FILE
    if port == C.DEFAULT_CLOUD_PORT:
        path.unlink(missing_ok=True)
    else:
        path.write_text(f"{port}\n")


def owner_name(uid: int | None = None) -> str:
    """A readable name for a Unix user (for messages such as "held by alice's local cloud")."""
    if uid is None:
        uid = os.getuid() if hasattr(os, "getuid") else -1
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"
