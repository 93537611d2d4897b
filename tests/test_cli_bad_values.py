"""Every `workshop` flag, given a nonsense value, ends in a clear message: no traceback, a
non-zero exit, and nothing started (the state directory stays as it was)."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop_lib import cli
from workshop_lib import constants as C

NONSENSE = ["abc", "-5", "nan", "inf", "", "99999999999"]
UNWRITABLE = "/dev/null/out.html"  # under a file: unwritable, even for root


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind((C.CLOUD_HOST, 0))
        return probe.getsockname()[1]


def _commands(
    parser: argparse.ArgumentParser, prefix: list[str]
) -> Iterator[tuple[list[str], argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, [*prefix, name])


def _cases() -> Iterator[tuple[list[str], str, str]]:
    parser = cli.build_parser()
    for path, sub in _commands(parser, []):
        positionals = [
            a for a in sub._actions if not a.option_strings and a.nargs not in (0, argparse.PARSER)
        ]
        if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
            continue
        # Give required positionals a harmless but wrong value, so only the flag is judged.
        filler = ["no-such-thing"] * sum(1 for a in positionals if a.nargs in (None, 1))
        for action in sub._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            if action.type is None and action.choices is None:
                continue  # free text: any value is acceptable
            flag = action.option_strings[-1]
            values = list(NONSENSE)
            if action.type in (Path,) or getattr(action.type, "__name__", "").startswith(
                "writable"
            ):
                values = [UNWRITABLE, ""]
            for value in values:
                yield [*path, *filler, flag, value], flag, value


CASES = list(_cases())


@pytest.mark.parametrize(
    "argv", [c[0] for c in CASES], ids=[" ".join(c[0]) or "workshop" for c in CASES]
)
def test_a_nonsense_flag_value_gets_a_clear_message(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv(C.ENV_STATE_DIR, str(state))
    monkeypatch.setenv(C.ENV_CLOUD_PORT, str(_dead_port()))
    monkeypatch.setenv(C.ENV_MODE, C.MODE_OFFLINE)

    def no_start(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{argv} started a process: {args}")

    monkeypatch.setattr("workshop_lib.cloud._control.subprocess.Popen", no_start)
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's usage error
        code = exit_.code
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code not in (0, None), f"accepted: {argv}\n{out}"
    assert "Traceback" not in out
    assert out.strip(), "a refusal must say why"
    pids = list(state.glob("*.pid")) if state.exists() else []
    assert not pids, "nothing may be started by a refused command"


@pytest.mark.parametrize("value", ["Stage", "=dev", ""])
def test_deploy_parameter_needs_name_equals_value(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["deploy", "santa", "--parameter", value])
    assert refused.value.code == 2
    assert "NAME=VALUE" in capsys.readouterr().err


@pytest.mark.cloud
def test_deploy_names_an_unknown_parameter_and_creates_nothing(
    local_cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    from workshop_lib import clients

    before = {
        s["StackName"] for s in clients.client("cloudformation").list_stacks()["StackSummaries"]
    }
    code = cli.main(["deploy", "santa", "--parameter", "NoSuchThing=1"])
    err = capsys.readouterr().err
    assert code == 1 and "no parameter named 'NoSuchThing'" in err and "Traceback" not in err
    assert "UploadPrefix" in err  # the hint lists what the template does take
    after = {
        s["StackName"] for s in clients.client("cloudformation").list_stacks()["StackSummaries"]
    }
    assert after == before


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        (C.ENV_MAX_ENVIRONMENTS, "0", "positive whole number"),
        (C.ENV_MAX_ENVIRONMENTS, "lots", "positive whole number"),
        (C.ENV_TIME_SCALE, "-1", "time scale"),
        (C.ENV_TIME_SCALE, "nan", "time scale"),
        (C.ENV_CLOUD_PORT, "0", "between 1 and 65535"),
    ],
)
def test_bad_settings_stop_a_start_cleanly_and_leave_nothing_behind(
    variable: str,
    value: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv(C.ENV_STATE_DIR, str(state))
    monkeypatch.delenv(C.ENV_CLOUD_PORT, raising=False)
    monkeypatch.setenv(variable, value)
    assert cli.main(["cloud", "start"]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    leftovers = [p.name for p in state.iterdir()] if state.exists() else []
    assert not [name for name in leftovers if name.endswith((".lock", ".pid"))], leftovers


def test_an_unwritable_state_directory_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(C.ENV_STATE_DIR, "/dev/null/state")
    monkeypatch.delenv(C.ENV_CLOUD_PORT, raising=False)
    assert cli.main(["cloud", "start"]) == 1
    err = capsys.readouterr().err
    assert "/dev/null/state" in err and C.ENV_STATE_DIR in err and "Traceback" not in err
