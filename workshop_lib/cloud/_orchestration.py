"""The orchestration patterns in the local cloud, as AWS runs them (patch 17 of `_patches.py`).

One entry point for the patches behind redrive, callbacks (task tokens), Distributed Map and
the direct service integrations. Each module names the gaps it fills; the canaries are in
`tests/test_cloud_upstream.py` (gap 17...).
"""

from __future__ import annotations

import logging
from typing import Any

from . import _sfn_callbacks, _sfn_distributed_map, _sfn_integrations, _sfn_redrive


def install(settings: Any) -> None:
    """Runs once moto.stepfunctions.parser.models is imported; `settings` holds the time scale."""
    for name, patch in (
        ("direct service integrations", _sfn_integrations.install),
        ("callbacks", lambda: _sfn_callbacks.install(settings)),
        ("redrive", _sfn_redrive.install),
        # After redrive: it answers for Distributed Map child executions first.
        ("Distributed Map", _sfn_distributed_map.install),
    ):
        try:
            patch()
        except Exception:  # one broken patch must not keep the cloud's other patches out
            logging.getLogger(__name__).exception("the %s patch could not be applied", name)
