"""HTML views of executions, steps and logs: plain markup with inline styles.

No scripts and nothing fetched: sections fold with `<details>`, the diagram is inline SVG, so
the views work in JupyterLab, VS Code, GitHub and an nbconvert HTML export alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..display import escape as esc
from ..display import html_table, theme
from ._format import (
    cause_text,
    clock_text,
    json_text,
    offset_text,
    seconds_text,
    status_name,
)
from ._step import Attempt, Branch, Step

if TYPE_CHECKING:
    from ._execution import Execution
    from ._logs import ExecutionLogs, StepLogs

_ROW_LIMIT = 300
_EVENT_LIMIT = _ROW_LIMIT * 4
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:13px"
_PRE = (
    f"background:{theme.PANEL};border:1px solid {theme.RULE};border-radius:4px;padding:6px 8px;"
    "max-height:22em;overflow:auto;white-space:pre-wrap;font-size:12px;margin:4px 0"
)
_TABLE = "border-collapse:collapse;font-size:12px;margin:4px 0"
_CELL = f"border-bottom:1px solid {theme.RULE};padding:2px 8px;text-align:left;vertical-align:top"


def pill(status: object) -> str:
    name = status_name(status)  # type: ignore[arg-type]
    colour = theme.STATUS_COLOURS.get(name, theme.MUTED)
    return (
        f"<span style='background:{colour};color:#fff;border-radius:9px;padding:1px 8px;"
        f"font-size:11px;font-weight:600'>{esc(name.replace('_', ' '))}</span>"
    )


def pre(text: str) -> str:
    return f'<pre style="{_PRE}">{esc(text)}</pre>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table whose cells are already HTML (escape them before), styled inline so a saved
    report looks the same outside a notebook."""
    return html_table(
        headers, rows, escape=False, align_amounts=False, style=_TABLE, cell_style=_CELL
    )


def section(title: str, body: str, *, opened: bool = False) -> str:
    flag = " open" if opened else ""
    return (
        f"<details{flag} style='margin:6px 0'><summary style='cursor:pointer;font-weight:600'>"
        f"{esc(title)}</summary><div style='margin:4px 0 4px 14px'>{body}</div></details>"
    )


def muted(text: str) -> str:
    return f"<span style='color:{theme.MUTED}'>{esc(text)}</span>"


# -- the execution -------------------------------------------------------------------------------


def execution_html(execution: Execution, *, opened: bool = False, graph: bool = True) -> str:
    parts = [f'<div style="{_FONT}">', summary_html(execution)]
    if execution.error or execution.cause:
        parts.append(error_html(execution.error, execution.cause))
    if graph:
        parts.append(graph_html(execution))
    steps = execution.all_steps()
    parts.append(section(f"Steps ({len(steps)})", steps_table_html(execution), opened=opened))
    parts.append(section("Input and output", input_output_html(execution), opened=opened))
    parts.append(
        section(f"Events ({len(execution.events)})", events_table_html(execution), opened=opened)
    )
    for note in execution.notes:
        parts.append(f"<div>{muted(note)}</div>")
    parts.append(
        f"<div style='color:{theme.MUTED};font-size:11px;margin-top:4px'>Look closer: "
        '<code>execution.step("Name")</code>, <code>execution.logs()</code>, '
        "<code>execution.timeline()</code>.</div></div>"
    )
    return "".join(parts)


def summary_html(execution: Execution) -> str:
    if execution.finished:
        took = f"took {seconds_text(execution.duration)}"
    else:
        took = f"running for {seconds_text(execution.elapsed)}"
    machine = execution.state_machine_name
    where = f" · state machine <code>{esc(machine)}</code>" if machine else ""
    kind = " · Express (read from CloudWatch Logs)" if execution.express else ""
    return (
        f"<div style='margin:2px 0 6px'>{pill(execution.status)} <b>{esc(execution.name)}</b> · "
        f"{esc(took)}{where}{kind} · started {esc(clock_text(execution.start))}</div>"
    )


def error_html(error: str | None, cause: str | None) -> str:
    body = f"<b>{esc(error or 'Error')}</b>"
    if cause:
        body += pre(cause_text(cause))
    return (
        f"<div style='border-left:4px solid {theme.STATUS_COLOURS['FAILED']};padding:2px 10px;"
        f"margin:4px 0'>{body}</div>"
    )


def graph_html(execution: Execution) -> str:
    graph = execution.graph
    if graph is None:
        return (
            f"<div>{muted('(No diagram: the state machine definition could not be read.)')}</div>"
        )
    return f"<div style='margin:4px 0'>{graph.to_svg()}</div>"


def input_output_html(execution: Execution) -> str:
    parts = ["<div><b>Input</b></div>", pre(json_text(execution.input))]
    if execution.output is not None:
        parts += ["<div><b>Output</b></div>", pre(json_text(execution.output))]
    return "".join(parts)


def steps_table_html(execution: Execution) -> str:
    origin = execution.start
    rows: list[list[str]] = []
    for step in execution.all_steps():
        if len(rows) >= _ROW_LIMIT:
            rows.append(
                [muted(f"… {len(execution.all_steps()) - _ROW_LIMIT} more steps"), *[""] * 6]
            )
            break
        indent = "&nbsp;" * 4 * step.depth
        where = f"{esc(step.parent.label)} › " if step.parent is not None else ""
        rows.append(
            [
                f"{indent}{where}<b>{esc(step.name)}</b>",
                esc(step.type),
                pill(step.status),
                esc(offset_text(_offset(step.entered, origin))),
                esc(seconds_text(step.duration)),
                esc(len(step.retries)) if step.retries else "",
                _problem(step),
            ]
        )
    if not rows:
        return muted("No state has started yet.")
    return table(["State", "Type", "Status", "Started", "Duration", "Retries", "Error"], rows)


def _problem(step: Step) -> str:
    if not step.error:
        return ""
    text = esc(step.error)
    if step.caught_by:
        text += f" → caught, went to <b>{esc(step.caught_by)}</b>"
    return text


def events_table_html(execution: Execution) -> str:
    return event_rows_html(execution.events_frame(), framed=False)


def event_rows_html(rows: Sequence[Mapping[str, Any]], *, framed: bool = True) -> str:
    """The events table; `framed` adds the font and a caption, for a table shown on its own."""
    shown = [
        [
            esc(row["id"]),
            esc(row["type"]),
            esc(row["state"]),
            f"<code>{esc(row['resource'])}</code>" if row["resource"] else "",
            esc(offset_text(row["elapsed_seconds"])),
            esc(clock_text(row["timestamp"])),
        ]
        for row in rows[:_EVENT_LIMIT]
    ]
    if not shown:
        return muted("No events yet.")
    body = table(["ID", "Type", "State", "Resource", "Elapsed", "Timestamp"], shown)
    if len(rows) > _EVENT_LIMIT:
        body += f"<div>{muted(f'… and {len(rows) - _EVENT_LIMIT} more events')}</div>"
    if not framed:
        return body
    caption = muted(f"{len(rows)} events · Elapsed: time since the execution started")
    return f'<div style="{_FONT}"><div>{caption}</div>{body}</div>'


# -- one step ------------------------------------------------------------------------------------


def step_html(step: Step) -> str:
    parts = [
        f'<div style="{_FONT}">',
        f"<div>{pill(step.status)} <b>{esc(step.path)}</b> {muted(step.type)} · "
        f"{esc(seconds_text(step.duration))} · entered {esc(clock_text(step.entered))}</div>",
    ]
    facts = []
    if step.function_name:
        facts.append(f"Lambda function <code>{esc(step.function_name)}</code>")
    elif step.resource:
        facts.append(f"Resource <code>{esc(step.resource)}</code>")
    if step.request_id:
        facts.append(f"request id <code>{esc(step.request_id)}</code>")
    if step.caught_by:
        facts.append(f"error caught, the execution went on to <b>{esc(step.caught_by)}</b>")
    if step.map_run_arn:
        facts.append(
            f"items ran as child executions of Map Run <code>{esc(step.map_run_arn)}</code>"
        )
    if facts:
        parts.append(f"<div>{' · '.join(facts)}</div>")
    if step.attempts and (step.type == "Task" or len(step.attempts) > 1):
        parts.append(
            f"<div style='margin-top:4px'><b>Attempts</b></div>{attempts_html(step.attempts)}"
        )
        if any(_sped_up(attempt) for attempt in step.attempts):
            note = (
                "The observed waits are much shorter than the policy's: offline, the local "
                "cloud speeds up Retry waits (WORKSHOP_TIME_SCALE). In AWS they match."
            )
            parts.append(f"<div>{muted(note)}</div>")
    if step.error or step.cause:
        parts.append(error_html(step.error, step.cause))
    parts += ["<div><b>Input</b></div>", pre(json_text(step.input))]
    if step.parameters is not None:
        parts += ["<div><b>Parameters sent</b></div>", pre(json_text(step.parameters))]
    if step.output is not None:
        parts += ["<div><b>Output</b></div>", pre(json_text(step.output))]
    if step.all_branches:
        parts.append(branches_html(step))
    parts.append("</div>")
    return "".join(parts)


def attempts_html(attempts: Sequence[Attempt]) -> str:
    rows = []
    for attempt in attempts:
        policy = ""
        if attempt.retry_interval is not None:
            policy = ("up to " if attempt.jitter else "") + seconds_text(attempt.retry_interval)
        lambda_time = ""
        if attempt.report is not None:
            report = attempt.report
            lambda_time = f"{report.duration_ms:.1f} ms"
            if report.init_duration_ms is not None:
                lambda_time = (
                    f"<span style='color:{theme.INIT}'>init {report.init_duration_ms:.1f} ms"
                    f"</span> + {lambda_time}"
                )
        rows.append(
            [
                esc(attempt.number) + (" (retry)" if attempt.is_retry else ""),
                pill(attempt.status),
                esc(attempt.error or ""),
                esc(policy),
                esc(seconds_text(attempt.observed_gap)) if attempt.observed_gap is not None else "",
                esc(seconds_text(attempt.duration)),
                lambda_time,
                f"<code>{esc(attempt.request_id)}</code>" if attempt.request_id else "",
            ]
        )
    headers = [
        "#",
        "Outcome",
        "Error",
        "Retry policy wait",
        "Observed wait",
        "Duration",
        "Lambda (REPORT)",
        "Request id",
    ]
    # A column with nothing in it says nothing: REPORT lines come from the logs, read by
    # `execution.logs()`; a success's request id is often not in the history.
    keep = [i for i in range(len(headers)) if i < 6 or any(row[i] for row in rows)]
    body = table([headers[i] for i in keep], [[row[i] for i in keep] for row in rows])
    if not any(row[6] for row in rows):
        note = "Lambda REPORT lines (duration, memory) show after execution.logs()."
        body += f"<div>{muted(note)}</div>"
    return body


def branches_html(step: Step) -> str:
    groups = step.iterations if step.type == "Map" else step.branches
    noun = "Iterations" if step.type == "Map" else "Branches"
    rows = [
        [
            esc(group.label),
            pill(group.status),
            esc(
                " → ".join(s.name for s in group.steps[:8]) + (" …" if len(group.steps) > 8 else "")
            ),
            esc(seconds_text(_span(group.started, group.ended))),
        ]
        for group in groups[:_ROW_LIMIT]
    ]
    attribute = "iterations" if step.type == "Map" else "branches"
    hint = muted(f'Open one: step.{attribute}[0].steps, or step.{attribute}[0].step("Name")')
    done = sum(1 for group in groups if group.status.value == "SUCCEEDED")
    title = f"{noun}: {done} of {len(groups)} succeeded"
    body = table(["", "Status", "Steps", "Duration"], rows) + hint
    return section(title, body, opened=len(groups) <= 20)


def branch_html(branch: Branch) -> str:
    rows = [
        [
            f"{'&nbsp;' * 4 * (s.depth - branch.owner.depth - 1)}<b>{esc(s.name)}</b>",
            esc(s.type),
            pill(s.status),
            esc(seconds_text(s.duration)),
            _problem(s),
        ]
        for s in branch.walk()
    ]
    title = f"{branch.owner.name} {branch.label}"
    return (
        f'<div style="{_FONT}">{pill(branch.status)} <b>{esc(title)}</b>'
        f"{table(['State', 'Type', 'Status', 'Duration', 'Error'], rows)}</div>"
    )


# -- logs ----------------------------------------------------------------------------------------


def step_logs_html(entry: StepLogs) -> str:
    parts = [f"<div><b>{esc(entry.step.path)}</b> {muted('Lambda ' + entry.function_name)}</div>"]
    if entry.note:
        parts.append(f"<div>{muted(entry.note)}</div>")
    for attempt, log in entry.attempts:
        heading = f"Attempt {attempt.number} {pill(attempt.status)}"
        if log is None:
            parts.append(f"<div>{heading} {muted('no log lines found for this attempt')}</div>")
            continue
        cold = " · cold start" if log.report is not None and log.report.cold_start else ""
        parts.append(f"<div>{heading} <code>{esc(log.request_id)}</code>{esc(cold)}</div>")
        parts.append(pre(log.text))
    return f'<div style="{_FONT};margin-bottom:8px">{"".join(parts)}</div>'


def execution_logs_html(logs: ExecutionLogs) -> str:
    if not logs:
        return f'<div style="{_FONT}">{muted("No Lambda task ran in this execution.")}</div>'
    return "".join(step_logs_html(entry) for entry in logs)


def _sped_up(attempt: Attempt) -> bool:
    if attempt.retry_interval is None or attempt.observed_gap is None or attempt.jitter:
        return False
    return attempt.observed_gap < 0.5 * attempt.retry_interval


def _offset(moment: datetime | None, origin: datetime | None) -> float | None:
    if moment is None or origin is None:
        return None
    return (moment - origin).total_seconds()


def _span(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()
