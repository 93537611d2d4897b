"""Run a function right after a module is first imported.

moto imports each service's code only when that service is first used; most of the local
cloud's patches touch heavy modules (the Step Functions interpreter alone takes about a second
to import). Hooking the patches to those imports keeps the cloud's start fast and still patches
every module before its first use.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

_lock = threading.RLock()
_pending: dict[str, list[Callable[[], None]]] = {}


def after_import(module_name: str, hook: Callable[[], None]) -> None:
    """Call `hook` once `module_name` is imported (now, if it already is)."""
    with _lock:
        if module_name in sys.modules:
            hook()
            return
        _pending.setdefault(module_name, []).append(hook)
        if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _Finder())


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        with _lock:
            if fullname not in _pending:
                return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader, fullname)
                return spec
        return None


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: Any, fullname: str) -> None:
        self._loader = loader
        self._fullname = fullname

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _lock:
            hooks = _pending.pop(self._fullname, [])
        for hook in hooks:
            hook()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
