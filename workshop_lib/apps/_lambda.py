"""Import a Lambda package's module into this process: the one way the workbook loads Lambda code.

A Lambda package is a folder (its CodeUri) whose modules import each other by plain names
(`import stages`, `from vendor import aws`), because Lambda puts that folder first on
`sys.path`. Loading a module here does the same while it is imported, so a handler, a helper
module and a test all see the code exactly as Lambda does. The package's modules are imported
afresh each time (edit a file, load it again), and a module of the same plain name from another
package (both apps have a `vendor/aws.py`) is never reused by mistake.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
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
    path = folder / f"{module}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.py"))) or "none"
        raise LambdaCodeError(
            f"There is no module {module!r} in {folder}.", hint=f"Modules there: {known}."
        )
    module_name = name or module
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    with _import_lock:
        # The package's own modules, imported afresh from this folder (not another package's).
        for sibling in _top_level_names(folder):
            for loaded_name in [n for n in sys.modules if n.split(".", 1)[0] == sibling]:
                del sys.modules[loaded_name]
        sys.modules[module_name] = loaded  # dataclasses look their module up while being built
        sys.path.insert(0, str(folder))
        try:
            spec.loader.exec_module(loaded)
        except Exception:
            sys.modules.pop(module_name, None)
            raise
        finally:
            sys.path.remove(str(folder))
    if workbook_clients and isinstance(getattr(loaded, "aws", None), ModuleType):
        loaded.aws = WorkbookClients  # type: ignore[attr-defined]
    return loaded
