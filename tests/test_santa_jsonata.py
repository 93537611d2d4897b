"""Santa's workflow in JSONata (notebook 09) mirrors the JSONPath one, and the learner's test
suite for Santa's states (notebook 10) passes against the local cloud."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workshop_lib import clients, santa

JSONATA = santa.ASL.with_name("santa_jsonata.asl.json")
SUITE = santa.REPO / "notebooks" / "santa_state_tests"
JSONPATH_ONLY = {"InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"}


def _states(path):
    return json.loads(path.read_text(encoding="utf-8"))["States"]


def test_the_jsonata_workflow_has_the_same_states_paths_and_error_rules():
    jsonpath, jsonata = _states(santa.ASL), _states(JSONATA)
    assert json.loads(JSONATA.read_text(encoding="utf-8"))["QueryLanguage"] == "JSONata"
    assert list(jsonata) == list(jsonpath)
    for name, state in jsonpath.items():
        twin = jsonata[name]
        assert (twin["Type"], twin.get("Next"), twin.get("End")) == (
            state["Type"],
            state.get("Next"),
            state.get("End"),
        ), name
        assert twin.get("Resource") == state.get("Resource"), name
        assert twin.get("Retry") == state.get("Retry"), name
        assert [(c["ErrorEquals"], c["Next"]) for c in twin.get("Catch", [])] == [
            (c["ErrorEquals"], c["Next"]) for c in state.get("Catch", [])
        ], name
        assert not JSONPATH_ONLY & set(twin), name
        for catcher in twin.get("Catch", []):
            assert "ResultPath" not in catcher, name


@pytest.mark.cloud
def test_the_santa_state_suite_passes_on_the_local_cloud(local_cloud):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **clients.offline_environment(local_cloud.port)},
        cwd=santa.REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


@pytest.mark.cloud
def test_catch_up_for_notebooks_09_and_10_deploys_santa(local_cloud):
    from workshop_lib.course import catch_up
    from workshop_lib.deploy import outputs

    for notebook in (9, 10):
        assert catch_up(notebook, reset=False).deployed == ["santa"]
    assert outputs("santa")["StateMachineArn"]
