"""Two states side by side: each shown whole as JSON, dollars safe from JupyterLab's maths."""

from __future__ import annotations

import pytest

from workshop_lib import santa
from workshop_lib.display import unprotected_dollars
from workshop_lib.errors import WorkshopError
from workshop_lib.side_by_side import side_by_side, state_of

JSONATA = santa.ASL.with_name("santa_jsonata.asl.json")


def test_a_state_without_its_error_rules_and_comment():
    state = state_of(santa.ASL, "ValidateData")
    assert state["ResultPath"] == "$.validatedData"
    assert not {"Retry", "Catch", "Comment"} & set(state)
    assert "Retry" in state_of(santa.ASL, "ValidateData", leave_out=())


def test_both_columns_are_shown_with_their_dollars_protected():
    view = side_by_side(
        ("JSONPath", state_of(santa.ASL, "TransformData")),
        ("JSONata", state_of(JSONATA, "TransformData")),
    )
    page = view._repr_html_()
    assert "JSONPath" in page and "JSONata" in page
    assert "$.validatedData" in str(view) and "$summary" in str(view)
    assert "validatedData" in page and "summary" in page
    assert not unprotected_dollars(page)


def test_an_unknown_state_names_the_ones_there_are():
    with pytest.raises(WorkshopError) as error:
        state_of(santa.ASL, "Transform")
    assert "TransformData" in str(error.value)
