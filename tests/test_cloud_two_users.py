"""Two Unix users on one host (a shared classroom server): each has a cloud of their own, and
neither can see, change, stop or run code as the other's.

Runs where the tests run as root and can make a throwaway user (CI does); skips elsewhere.
The second user's code runs with the system Python 3.11 and the venv's packages, because the
venv's own interpreter may live under /root, which other users cannot enter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop_lib import clients, cloud, owner
from workshop_lib.paths import REPO

pytestmark = pytest.mark.cloud

SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


def _can_make_users() -> str | None:
    if not hasattr(os, "getuid") or os.getuid() != 0:
        return "needs root to create a second Unix user"
    for tool in ("useradd", "userdel", "setpriv"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    if not SYSTEM_PYTHON.exists():
        return f"needs {SYSTEM_PYTHON} (the same Python minor version as the venv)"
    return None


@pytest.fixture(scope="module")
def other_user() -> Iterator[tuple[int, int, Path]]:
    reason = _can_make_users()
    if reason:
        pytest.skip(reason)
    name = f"wsk{uuid.uuid4().hex[:8]}"
    # Outside pytest's temp root, which only root may enter.
    home = Path(tempfile.mkdtemp(prefix="workshop-other-user-"))
    subprocess.run(
        ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh", name],
        check=True,
        capture_output=True,
    )
    try:
        uid = int(subprocess.run(["id", "-u", name], capture_output=True, text=True).stdout)
        gid = int(subprocess.run(["id", "-g", name], capture_output=True, text=True).stdout)
        os.chown(home, uid, gid)
        home.chmod(0o700)
        yield uid, gid, home
    finally:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _as_other_user(user: tuple[int, int, Path], script: str, **env: str) -> dict:
    uid, gid, home = user
    site = sysconfig.get_paths()["purelib"]
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join([str(REPO), site]),
        "WORKSHOP_STATE_DIR": str(home / "state"),
        "WORKSHOP_MODE": "offline",
        **env,
    }
    done = subprocess.run(
        [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={gid}",
            "--clear-groups",
            str(SYSTEM_PYTHON),
            "-c",
            textwrap.dedent(script),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_user_cannot_use_see_or_stop_the_first_users_cloud(
    local_cloud: cloud.CloudStatus, other_user: tuple[int, int, Path]
) -> None:
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="first-users-private-bucket")
    secret_file = owner.state_dir() / "local-cloud-credentials.json"

    seen = _as_other_user(
        other_user,
        f"""
        import json, os
        from botocore.exceptions import ClientError
        from workshop_lib import clients, cloud
        port = {local_cloud.port}
        result = {{}}
        try:
            clients.client("s3", port=port).list_buckets()
            result["listed"] = True
        except ClientError as error:
            result["listed"] = False
            result["code"] = error.response["Error"]["Code"]
        status = cloud.status(port)
        result["held_by"] = status.held_by
        result["running_for_me"] = status.running
        result["status_text"] = str(status)
        try:
            open({str(secret_file)!r}).read()
            result["read_secret"] = True
        except OSError:
            result["read_secret"] = False
        result["stopped"] = cloud.stop(port)
        try:
            cloud.reset(port)
            result["reset"] = True
        except Exception as error:
            result["reset"] = False
            result["reset_error"] = str(error)
        print(json.dumps(result))
        """,
        WORKSHOP_CLOUD_PORT=str(local_cloud.port),
    )
    assert seen["listed"] is False and seen["code"] == "UnrecognizedClientException"
    assert seen["held_by"] == owner.owner_name()
    assert seen["running_for_me"] is False
    assert "not yours" in seen["status_text"]
    assert seen["read_secret"] is False
    assert seen["stopped"] is False and seen["reset"] is False
    # The first user's cloud still runs, with everything in it.
    assert cloud.status(local_cloud.port).running
    assert "first-users-private-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_both_users_clouds_work_side_by_side_and_lambda_runs_as_its_owner(
    local_cloud: cloud.CloudStatus, other_user: tuple[int, int, Path]
) -> None:
    uid = other_user[0]
    first_users_secret = str(owner.state_dir() / "local-cloud-credentials.json")
    seen = _as_other_user(
        other_user,
        f"""
        import io, json, os, zipfile
        from workshop_lib import clients, cloud, owner
        # This user's remembered port is the first user's: the cloud must start elsewhere.
        owner.remember_port({local_cloud.port})
        status = cloud.start()
        result = {{"port": status.port, "running": status.running}}
        try:
            iam = clients.client("iam")
            role = iam.create_role(
                RoleName="r", AssumeRolePolicyDocument="{{}}"
            )["Role"]["Arn"]
            code = io.BytesIO()
            with zipfile.ZipFile(code, "w") as archive:
                archive.writestr(
                    "app.py",
                    "import os\\n"
                    "def handler(event, context):\\n"
                    "    try:\\n"
                    "        open(event['secret']).read()\\n"
                    "        read = True\\n"
                    "    except OSError:\\n"
                    "        read = False\\n"
                    "    return {{'uid': os.getuid(), 'read_first_users_secret': read}}\\n",
                )
            lam = clients.client("lambda")
            lam.create_function(
                FunctionName="whoami", Runtime="python3.12", Role=role,
                Handler="app.handler", Code={{"ZipFile": code.getvalue()}},
            )
            payload = lam.invoke(
                FunctionName="whoami",
                Payload=json.dumps({{"secret": {first_users_secret!r}}}),
            )["Payload"].read()
            result["lambda"] = json.loads(payload)
            result["buckets"] = [b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]]
        finally:
            result["stopped"] = cloud.stop(status.port)
        print(json.dumps(result))
        """,
    )
    assert seen["running"] and seen["port"] != local_cloud.port
    assert seen["lambda"] == {"uid": uid, "read_first_users_secret": False}
    assert "first-users-private-bucket" not in seen["buckets"]
    assert seen["stopped"] is True
    assert cloud.status(local_cloud.port).running
