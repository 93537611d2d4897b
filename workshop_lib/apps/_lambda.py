"""Import a Lambda package's module into this process: the one way the workbook loads Lambda code.

A Lambda package is a folder (its CodeUri) whose modules import each other by plain names
(`import stages`, `from vendor import aws`), because Lambda puts that folder first on
`sys.path`. Loading a module here does the same while it is imported, so a handler, a helper
module and a test all see the code exactly as Lambda does. The package's modules are imported
afresh each time (edit a file, load it again), and a module of the same plain name from another
package (both apps have a `vendor/aws.py`) is never reused by mistake.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import clients
from ..errors import WorkshopError

_import_lock = threading.Lock()


class LambdaCodeError(WorkshopError):
    """A Lambda module that does not exist or cannot be imported."""


class WorkbookClients:
    """Stands in for a Lambda package's `aws` module (vendor/aws.py, a copy of
    infra/shared/aws.py) in a loaded handler:
    the same `client(service)`, answered by the workbook's clients, so offline the handler talks
    to the local cloud, and in aws mode to the learner's account."""

    @staticmethod
    def client(service: str) -> Any:
        return clients.client(service)


def _top_level_names(folder: Path) -> set[str]:
    """What `import <name>` finds in the folder: its modules and its packages (vendor/)."""
    return {p.stem for p in folder.glob("*.py")} | {
        p.parent.name for p in folder.glob("*/__init__.py")
    }


@contextlib.contextmanager
def _importing_from(folder: Path) -> Iterator[None]:
    """While importing: the folder first on sys.path, and none of its names already imported
    (from another package, or an older version of the file)."""
    with _import_lock:
        for top in _top_level_names(folder):
            for loaded_name in [n for n in sys.modules if n.split(".", 1)[0] == top]:
                del sys.modules[loaded_name]
        sys.path.insert(0, str(folder))
        try:
            yield
        finally:
            sys.path.remove(str(folder))


def _with_workbook_clients(module: ModuleType) -> ModuleType:
    if isinstance(getattr(module, "aws", None), ModuleType):
        module.aws = WorkbookClients  # type: ignore[attr-defined]
    return module


def _check(folder: Path, module: str) -> None:
    if not (folder / f"{module}.py").is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.py"))) or "none"
        raise LambdaCodeError(
            f"There is no module {module!r} in {folder}.", hint=f"Modules there: {known}."
        )


def load_lambda_module(
    folder: Path, module: str = "app", *, name: str | None = None, workbook_clients: bool = True
) -> ModuleType:
    """Import `<folder>/<module>.py` as Lambda would, and return it.

    `name` is the module's name in `sys.modules` (default: the plain `module`); give a distinct
    one when several packages have a module of the same name (each Santa function has an app.py).
    With `workbook_clients`, the module's `aws` (how every handler in infra/ builds its clients)
    is replaced by the workbook's clients; without it, the handler builds its own from the
    environment, as in Lambda.
    """
    _check(folder, module)
    module_name = name or module
    spec = importlib.util.spec_from_file_location(module_name, folder / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    with _importing_from(folder):
        sys.modules[module_name] = loaded  # dataclasses look their module up while being built
        try:
            spec.loader.exec_module(loaded)
        except Exception:
            sys.modules.pop(module_name, None)
            raise
    return _with_workbook_clients(loaded) if workbook_clients else loaded


def load_lambda_package(
    folder: Path, modules: Iterable[str], *, workbook_clients: bool = False
) -> dict[str, ModuleType]:
    """Import several modules of one package under their plain names, as one Lambda execution
    environment holds them (each module sees the same `settings`, the same `vendor.aws`).
    A dotted name ("vendor.aws") imports a module of one of its packages."""
    chosen = list(modules)
    for module in chosen:
        _check(folder, module.replace(".", "/"))
    with _importing_from(folder):
        loaded = {module: importlib.import_module(module) for module in chosen}
    if workbook_clients:
        loaded = {name: _with_workbook_clients(module) for name, module in loaded.items()}
    return loaded
