"""A standalone HTML report of one execution, for `workshop inspect --html`.

Everything is inside the one file: the diagram as inline SVG, the timeline as a base64 PNG,
no scripts, no stylesheets or fonts from elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..display import figure_png, png_img
from ._html import _FONT, esc, execution_html, execution_logs_html, muted, section

if TYPE_CHECKING:
    from ._execution import Execution


def report_page(execution: Execution, *, include_logs: bool = True) -> str:
    parts = [
        f"<h1 style='font-family:system-ui,sans-serif;font-size:20px'>Execution "
        f"{esc(execution.name)}</h1>",
        execution_html(execution, opened=True),
        section("Timeline", _timeline_image(execution, with_logs=include_logs), opened=True),
    ]
    if include_logs:
        try:
            logs_html = execution_logs_html(execution.logs())
        except Exception as error:  # a report without logs is still worth writing
            logs_html = muted(f"The logs could not be read: {error}")
        parts.append(section("Lambda logs", logs_html, opened=True))
    if execution.arn:
        parts.append(f"<p>{muted('Execution ARN: ' + execution.arn)}</p>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Execution {esc(execution.name)}</title></head>"
        f'<body style="margin:16px;max-width:1200px;{_FONT}">\n{body}\n</body></html>\n'
    )


def _timeline_image(execution: Execution, *, with_logs: bool) -> str:
    try:
        figure = execution.timeline(with_logs=with_logs)
    except Exception as error:  # matplotlib trouble must not cost the whole report
        return muted(f"The timeline could not be drawn: {error}")
    return png_img(figure_png(figure, dpi=110), "Timeline of the execution", style="max-width:100%")
