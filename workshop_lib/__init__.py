"""workshop_lib: the code behind the Step Functions and Lambda workbook.

Notebooks start with::

    import workshop_lib as wl
    wl.connect()

Names are imported lazily, so the `workshop` command and the local cloud start quickly.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__version__ = "0.1.0"

# jsonschema (used by moto's CloudFormation and by aws-sam-translator) imports rfc3987_syntax
# when it is installed (Jupyter pulls it in), only to check "iri" string formats, which nothing
# here uses; importing it compiles dozens of grammars and costs seconds. Skip it.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

_EXPORTS = {
    "connect": "workshop_lib.connection",
    "Connection": "workshop_lib.connection",
    "real_account": "workshop_lib.connection",
    "confirm_real_account": "workshop_lib.guard",
    "name": "workshop_lib.learner",
    "Execution": "workshop_lib.executions",
    "run": "workshop_lib.executions",
    "client": "workshop_lib.clients",
    "deploy_function": "workshop_lib.functions",
    "invoke": "workshop_lib.functions",
    "delete_function": "workshop_lib.functions",
    "Invocation": "workshop_lib.functions",
    "WorkshopError": "workshop_lib.errors",
    # Names differ from their subpackages (workshop_lib.deploy, workshop_lib.cleanup), which
    # would otherwise shadow them once imported.
    "deploy_app": "workshop_lib.deploy",
    "destroy_app": "workshop_lib.deploy",
    "clean_up": "workshop_lib.cleanup",
}
_SUBMODULES = (
    "approvals",
    "apps",
    "asl",
    "cleanup",
    "clients",
    "cloud",
    "constants",
    "costs",
    "course",
    "dataflow",
    "deploy",
    "diagram",
    "display",
    "errors",
    "executions",
    "exercises",
    "functions",
    "gallery",
    "graph",
    "guard",
    "images_app",
    "inbox",
    "lambda_report",
    "learner",
    "monitoring",
    "packaging",
    "paths",
    "pricing",
    "room",
    "santa",
    "scaling",
    "side_by_side",
    "source",
    "templates",
    "waiting",
)

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"workshop_lib.{name}")
    raise AttributeError(f"module 'workshop_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
