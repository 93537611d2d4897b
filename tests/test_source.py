"""Showing source code in a notebook: files, one function of a file, live objects."""

from __future__ import annotations

import re

import pytest

from workshop_lib.paths import REPO
from workshop_lib.source import SourceError, show_source

VALIDATE = "infra/santa/functions/validate/app.py"


def test_a_whole_file_relative_to_the_repository():
    view = show_source(VALIDATE)
    assert view.code == (REPO / VALIDATE).read_text(encoding="utf-8").rstrip("\n")
    assert view.title == VALIDATE
    assert view.first_line == 1


def test_one_function_with_its_real_line_numbers():
    view = show_source(VALIDATE, name="lambda_handler")
    lines = (REPO / VALIDATE).read_text(encoding="utf-8").splitlines()
    assert view.code.startswith("def lambda_handler(")
    assert lines[view.first_line - 1].startswith("def lambda_handler(")
    assert view.code.splitlines()[-1] == lines[view.first_line + view.lines - 2]
    assert "def " not in "\n".join(view.code.splitlines()[1:]).replace("    def ", "")


def test_a_class_is_found_too():
    view = show_source(VALIDATE, name="ListValidationError")
    assert view.code.startswith("class ListValidationError(Exception):")


def test_a_missing_function_lists_what_there_is():
    with pytest.raises(SourceError) as raised:
        show_source(VALIDATE, name="no_such_thing")
    assert "lambda_handler" in (raised.value.hint or "")


def test_a_missing_file_explains():
    with pytest.raises(SourceError, match="no file"):
        show_source("infra/santa/functions/nope/app.py")


def test_a_live_object():
    view = show_source(show_source)
    assert view.code.startswith("def show_source(")
    assert view.title == "workshop_lib/source.py: show_source"
    assert view.first_line > 1


def test_an_object_without_source_explains():
    with pytest.raises(SourceError, match="cannot find the source"):
        show_source(len)


def test_html_is_self_contained_and_numbered():
    page = show_source(VALIDATE, name="lambda_handler")._repr_html_()
    assert "<script" not in page and "<link" not in page
    # Inline styles only, so the colours survive an HTML export without a stylesheet.
    assert not re.search(r'<span[^>]*class="', page)
    assert VALIDATE in page
    view = show_source(VALIDATE, name="lambda_handler")
    assert str(view.first_line) in page


def test_a_state_of_an_asl_file_with_everything_nested_in_it():
    view = show_source("infra/santa/statemachine/santa.asl.json", name="TransformData")
    assert view.language == "json"
    assert view.code.lstrip().startswith('"TransformData": {')
    assert view.code.rstrip().endswith("},")
    assert '"InputPath": "$.validatedData"' in view.code
    assert '"Notify"' in view.code and '"NotifyFailure"' not in view.code


def test_a_resource_of_a_yaml_template():
    view = show_source("infra/santa/template.yaml", name="SantaStateMachine")
    assert view.language == "yaml"
    lines = view.code.splitlines()
    assert lines[0].strip() == "SantaStateMachine:"
    assert "DefinitionSubstitutions:" in view.code and "Outputs:" not in view.code
    text = (REPO / "infra/santa/template.yaml").read_text(encoding="utf-8").splitlines()
    assert text[view.first_line - 1] == lines[0]


def test_a_missing_key_explains():
    with pytest.raises(SourceError, match="no key called 'Nope'"):
        show_source("infra/santa/template.yaml", name="Nope")
