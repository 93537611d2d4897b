"""The dev container opens the workbook ready to use and exposes JupyterLab, never the cloud."""

from __future__ import annotations

import json

from workshop_lib import constants as C
from workshop_lib.paths import REPO

DEVCONTAINER = REPO / ".devcontainer" / "devcontainer.json"


def test_devcontainer_sets_up_and_forwards_only_jupyterlab():
    config = json.loads(DEVCONTAINER.read_text(encoding="utf-8"))
    assert config["postCreateCommand"] == "make setup"
    assert config["forwardPorts"] == [8888]
    # The local cloud's port is chosen at run time; no other port is ever forwarded on its own.
    assert config["otherPortsAttributes"]["onAutoForward"] == "ignore"
    assert str(C.DEFAULT_CLOUD_PORT) not in json.dumps(config)
    # The Python in the image runs the templates' python3.12 functions and `sam build`.
    assert config["image"].endswith(":3.12")
