"""Today's Step Functions in the local cloud, as AWS runs it (patch 16 of `_patches.py`).

One entry point for the patches that make moto's interpreter speak current ASL:
JSONata and variables (`_query_language`), TestState (`_test_state`),
results exactly as AWS gives them (`_sfn_results`), definitions AWS refuses
(`_definition_checks`). Each module names the
gap it fills; the canaries are in `tests/test_cloud_upstream.py` (gap 16 and after).
"""

from __future__ import annotations

from . import _definition_checks, _query_language, _sfn_results, _test_state


def install() -> None:
    """Runs once moto.stepfunctions.parser.models is imported."""
    _query_language.install()
    _test_state.install()
    _sfn_results.install()
    _definition_checks.install()
