"""Patches wait for the modules they change: hooks run once, right after the first import."""

from __future__ import annotations

import importlib
import sys

from workshop_lib.cloud._after_import import after_import


def test_hook_runs_after_the_first_import_only(tmp_path, monkeypatch):
    package = tmp_path / "reindeer_games"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sleigh.py").write_text("SPEED = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []

    def patch() -> None:
        module = sys.modules["reindeer_games.sleigh"]
        module.SPEED = 100  # the module exists, fully executed, when the hook runs
        seen.append(module.SPEED)

    after_import("reindeer_games.sleigh", patch)
    assert seen == []  # nothing imported yet
    module = importlib.import_module("reindeer_games.sleigh")
    assert module.SPEED == 100 and seen == [100]
    importlib.reload(module)  # a reload is not a first import
    assert seen == [100]


def test_hook_for_an_imported_module_runs_at_once():
    calls: list[str] = []
    after_import("json", lambda: calls.append("now"))
    assert calls == ["now"]
