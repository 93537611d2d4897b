"""Every HTML representation the library returns survives JupyterLab's maths renderer."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import workshop_lib
from workshop_lib.costs import LambdaCost
from workshop_lib.display import (
    Displayable,
    TableReport,
    is_protected,
    protect,
    protected,
    unprotected_dollars,
)

PRICE_LINE = "Mean $0.000263 per execution; the typical one costs $0.000254"


def _library_classes() -> list[type]:
    classes: dict[str, type] = {}
    for info in pkgutil.walk_packages(workshop_lib.__path__, "workshop_lib."):
        # The Lambda runtime's bootstrap runs as a worker process's main module.
        if info.name.endswith("_bootstrap"):
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == info.name:
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return list(classes.values())


CLASSES = _library_classes()


def _shows_html(cls: type) -> list[str]:
    """The methods by which `cls` itself (not a base) returns HTML to Jupyter."""
    methods = [name for name in ("_html", "_repr_html_") if name in vars(cls)]
    bundle = vars(cls).get("_repr_mimebundle_")
    if bundle is not None and "text/html" in inspect.getsource(inspect.unwrap(bundle)):
        methods.append("_repr_mimebundle_")
    return methods


def test_the_walk_finds_the_library_classes_that_show_html():
    names = {cls.__name__ for cls in CLASSES if _shows_html(cls)}
    assert {"Execution", "DataFlow", "FigureView", "Outcome", "Progress", "TableReport"} <= names
    assert len(names) > 30


def test_every_html_representation_is_protected_from_maths():
    # One rule: a class shows HTML by being a Displayable that writes _html(); the mixin's
    # _repr_html_ is the only one in the library, and it is protected. A rich bundle with
    # text/html (a diagram, a live execution) is the one other way, and it must be protected.
    assert is_protected(Displayable._repr_html_)
    bare = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in CLASSES
        if cls is not Displayable
        for name in _shows_html(cls)
        if (name == "_html" and not issubclass(cls, Displayable))
        or name == "_repr_html_"
        or (name == "_repr_mimebundle_" and not is_protected(vars(cls)[name]))
    ]
    assert not bare, (
        "These return HTML that JupyterLab's maths renderer would mangle: make the class a "
        "workshop_lib.display.Displayable that writes _html() (a _repr_mimebundle_ with "
        f"text/html needs @protected): {bare}"
    )
    assert issubclass(LambdaCost, TableReport) and "_html" not in vars(LambdaCost)


def test_a_displayable_shows_its_html_protected():
    class Price(Displayable):
        def _html(self) -> str:
            return f"<p>{PRICE_LINE}</p>"

    page = Price()._repr_html_()
    assert page.startswith('<div class="mathjax_ignore') and PRICE_LINE in page
    assert unprotected_dollars(page) == []
    with pytest.raises(NotImplementedError, match="defines no _html"):
        Displayable()._repr_html_()


def _bare_html_calls(source: str) -> list[int]:
    """Lines where HTML(...) or widgets.HTML(...) gets something not made by protect()."""
    tree = ast.parse(source)
    protected_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "protect"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    bare = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "HTML":
            continue
        first = node.args[0]
        made_safe = isinstance(first, ast.Call) and getattr(first.func, "id", None) == "protect"
        if not made_safe and not (isinstance(first, ast.Name) and first.id in protected_names):
            bare.append(node.lineno)
    return bare


def test_html_displayed_outside_a_repr_goes_through_protect():
    package = Path(workshop_lib.__file__).parent
    bare = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := _bare_html_calls(path.read_text(encoding="utf-8")))
    }
    assert not bare, f"HTML(...) without protect(...): {bare}"
    assert _bare_html_calls("display(HTML('<p>$1 and $2</p>'))") == [1]  # the check can fail


def test_dollar_amounts_in_bare_html_are_found():
    found = unprotected_dollars(f"<div><p>{PRICE_LINE}</p></div>")
    assert found == [PRICE_LINE]
    # Tooltips inside an inline SVG are text too: a Map label loses its `$`.
    svg = "<svg><g><title>ItemsPath: $.listing.images</title><path d='M0 0'/></g></svg>"
    assert unprotected_dollars(svg) == ["ItemsPath: $.listing.images"]


def test_protected_html_keeps_its_dollars_and_is_wrapped_once():
    page = protect(f"<table><tr><td>{PRICE_LINE}</td></tr></table>")
    assert page.startswith('<div class="mathjax_ignore')
    assert unprotected_dollars(page) == []
    assert protect(page) == page
    # A sibling after a protected block is not protected by it.
    assert unprotected_dollars(page + "<p>$1 and $2</p>") == ["$1 and $2"]


def test_code_and_void_elements_are_handled():
    assert unprotected_dollars("<p>use <code>$.items</code><br>then</p>") == []
    assert unprotected_dollars("<p><img src='x'>costs $5</p>") == ["costs $5"]


def test_the_decorator_protects_strings_and_bundles():
    class Shown:
        @protected
        def _repr_html_(self) -> str:
            return f"<p>{PRICE_LINE}</p>"

        @protected
        def _repr_mimebundle_(self, **_: object) -> dict[str, str]:
            return {"text/html": "<b>$1 / $2</b>", "text/plain": "$1 / $2"}

    assert unprotected_dollars(Shown()._repr_html_()) == []
    bundle = Shown()._repr_mimebundle_()
    assert unprotected_dollars(bundle["text/html"]) == []
    assert bundle["text/plain"] == "$1 / $2"


def test_tables_align_headers_with_their_cells():
    # JupyterLab right-aligns output cells; a protected table carries the rule that undoes it.
    page = protect("<table><tr><th>name</th></tr><tr><td>a</td></tr></table>")
    assert "text-align:left" in page
    assert "<style>" not in protect("<p>no table</p>")
    # An amount cell never wraps ("455.8" above "KB") when a wide table squeezes its column.
    assert re.search(r"td\.num\{white-space:nowrap\}", page)


def test_amount_columns_align_right_and_word_columns_left():
    from workshop_lib.display import html_table

    page = html_table(
        ("service", "usage", "per execution", "how we know"),
        [("Lambda", "5 invokes, 1,084 ms billed", "$0.0000171", "REPORT lines (measured)"),
         ("SNS", "1 publishes", "—", "request counter (measured)")],
    )  # fmt: skip
    headers = re.findall(r"<th( class=num)?>([^<]*)</th>", page)
    assert [(name, bool(num)) for num, name in headers] == [
        ("service", False),
        ("usage", False),
        ("per execution", True),
        ("how we know", False),
    ]
    assert "<td class=num>$0.0000171</td>" in page and "<td>REPORT lines (measured)</td>" in page


def test_a_real_cost_table_keeps_its_dollars():
    from workshop_lib.costs import lambda_cost

    page = lambda_cost(memory_mb=512, duration_ms=120, invocations=2_000_000)._repr_html_()
    assert page.count("$") >= 2
    assert unprotected_dollars(page) == []
    # Amount columns line up on the right, their headers with them.
    assert "<th class=num>" in page and "<td class=num>$" in page


@pytest.mark.parametrize("label", ["memory of images-process-image-fn (MB)"])
def test_slider_labels_too_long_for_their_track_are_refused(label):
    pytest.importorskip("ipywidgets")
    from workshop_lib.display import selection_slider

    with pytest.raises(ValueError, match="keep it to"):
        selection_slider(label, [("128", 128)], 128)
    slider = selection_slider("memory (MB)", [("128", 128), ("256", 256)], 128)
    other = selection_slider("executions a month", [("1", 1)], 1)
    assert slider.style.description_width == other.style.description_width
    assert slider.layout.width == other.layout.width


def test_a_table_report_shows_the_same_rows_as_text_and_html():
    class Bill(TableReport):
        HEADERS = ("part", "cost")

        def _title(self) -> str:
            return "A bill"

        def _rows(self) -> list[tuple[str, str]]:
            return [("requests", "$0.20"), ("duration", "$1.50")]

        def _footer(self) -> tuple[str, str]:
            return ("total", "$1.70")

        def _notes(self) -> list[str]:
            return ["Free tier not applied."]

    text, page = str(Bill()), Bill()._repr_html_()
    assert text.splitlines()[0] == "A bill" and text.endswith("Free tier not applied.")
    assert "total     $1.70" in text and "duration  $1.50" in text
    assert "<strong>A bill</strong>" in page and "<th>total</th><th class=num>$1.70</th>" in page
    assert "<li>Free tier not applied.</li>" in page and unprotected_dollars(page) == []

    class Check(Bill):
        def _verdict(self) -> bool:
            return False

    assert "<strong style='color:#b42318'>A bill</strong>" in Check()._repr_html_()


def test_one_table_serves_text_cells_html_cells_and_inline_styles():
    from workshop_lib.display import html_table

    text = html_table(("name", "cost"), [("<b>", "$1.00")], caption="c", footer=("total", "$1"))
    assert "<td>&lt;b&gt;</td><td class=num>$1.00</td>" in text
    assert "<caption>c</caption>" in text and "<tfoot><tr><th>total</th>" in text
    shown = html_table(
        ("state", "took"),
        [("<code>A</code>", "12 ms")],
        escape=False,
        align_amounts=False,
        style="margin:0",
        cell_style="padding:1px",
    )
    assert shown.startswith("<table style='margin:0'><thead><tr><th style='padding:1px'>state")
    assert "<td style='padding:1px'><code>A</code></td><td style='padding:1px'>12 ms</td>" in shown
