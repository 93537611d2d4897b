"""The instructor's page: self-contained HTML (no script, no CDN) that reloads itself.

The outer element carries the class display.IGNORE_CLASS ("mathjax_ignore") so JupyterLab's
maths renderer leaves the page's text alone when the same HTML is shown in a notebook.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from ..display import IGNORE_CLASS

_MARKS = {"correct": "✔", "incorrect": "✘", "not attempted": "…"}
_STYLE = """
.room{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#16191f}
.room table{border-collapse:collapse;margin:6px 0 14px}
.room th,.room td{border:1px solid #d5dbe2;padding:3px 7px;font-size:13px;text-align:center}
.room th.n,.room td.n{text-align:left;white-space:nowrap}
.room th.x{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500;max-height:170px}
.room td.correct{background:#dff3ea;color:#00684a}
.room td.incorrect{background:#fae1d3;color:#a33d00}
.room td.not-attempted{background:#f2f4f7;color:#5f6b7a}
.room td.stuck{outline:3px solid #D55E00;outline-offset:-3px;font-weight:700}
.room tr.left td{opacity:.5}
.room .muted{color:#5f6b7a;font-size:12px}
.room .stuck-list li{color:#a33d00}
.room .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""


def render(data: dict[str, Any], *, token: str | None, refresh: int | None) -> str:
    """The page for a board `snapshot()`; `token` goes into its own links (CSV, reload)."""
    head = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Workshop room</title>"
        + (f"<meta http-equiv='refresh' content='{int(refresh)}'>" if refresh else "")
        + "</head><body>"
    )
    return head + fragment(data, token=token, refresh=refresh) + "</body></html>"


def fragment(data: dict[str, Any], *, token: str | None = None, refresh: int | None = None) -> str:
    """The page's body as one element, for a notebook too."""
    columns = data["columns"]
    learners = data["learners"]
    rule = data["stuck_rule"]
    out = [f"<div class='room {IGNORE_CLASS}'><style>{_STYLE}</style>"]
    csv_link = f" · <a href='room.csv?token={quote(token)}'>Download CSV</a>" if token else ""
    again = f" · refreshes every {refresh} s" if refresh else ""
    out.append(
        f"<h2>Workshop room</h2><p class='muted'>{len(learners)} learner"
        f"{'s' if len(learners) != 1 else ''} · updated {escape(data['time'])}{again}{csv_link}"
        "</p>"
    )
    out.append(_stuck_list(data["stuck"], rule))
    out.append(_grid(columns, learners))
    out.append(_summary(data["summary"]))
    rejected = data["rejected"]
    if rejected:
        parts = ", ".join(f"{count} {escape(reason)}" for reason, count in sorted(rejected.items()))
        out.append(f"<p class='muted'>Refused so far: {parts}.</p>")
    out.append("</div>")
    return "".join(out)


def _stuck_list(stuck: list[dict[str, Any]], rule: dict[str, Any]) -> str:
    explain = (
        f"<span class='muted'>(the same exercise failing for more than {rule['minutes']:g} min, "
        f"or the same mistake {rule['repeats']} times)</span>"
    )
    if not stuck:
        return f"<h3>Stuck</h3><p>Nobody right now {explain}.</p>"
    items = "".join(
        f"<li><b>{escape(s['learner'])}</b> on {escape(s['notebook'])} · "
        f"{escape(s['exercise'])}: {escape(s['reason'])}</li>"
        for s in stuck
    )
    return f"<h3>Stuck ({len(stuck)}) {explain}</h3><ul class='stuck-list'>{items}</ul>"


def _grid(columns: list[dict[str, str]], learners: list[dict[str, Any]]) -> str:
    header = "".join(
        f"<th class='x' title='{escape(c['title'], quote=True)}'>"
        f"{escape(c['notebook'][:2])} · {escape(c['exercise'])}</th>"
        for c in columns
    )
    rows = []
    for row in learners:
        cells = []
        for c in columns:
            cell = row["cells"].get(f"{c['notebook']}/{c['exercise']}")
            if cell is None:
                cells.append("<td>·</td>")
                continue
            status = cell["status"] or "not attempted"
            classes = status.replace(" ", "-") + (" stuck" if cell["stuck"] else "")
            tip = f"{status}, {cell['attempts']} attempt{'s' if cell['attempts'] != 1 else ''}"
            if cell["mistake"]:
                tip += f"; mistake: {cell['mistake']}"
            if cell["stuck"]:
                tip += f"; STUCK: {cell['stuck']}"
            cells.append(
                f"<td class='{classes}' title='{escape(tip, quote=True)}'>{_MARKS[status]}"
                f"{cell['attempts'] if status == 'incorrect' else ''}"
                f"<span class='sr'> {escape(tip)}</span></td>"  # for screen readers and search
            )
        where = escape(row["notebook"] or "—")
        if row["catch_ups"]:
            where += f" <span class='muted'>(catch-up {row['catch_ups'][-1]:02d})</span>"
        status = " (left)" if row["left"] else ""
        rows.append(
            f"<tr class='{'left' if row['left'] else ''}'><td class='n'><b>{escape(row['name'])}"
            f"</b>{status}</td><td class='n'>{where}</td><td>{row['passed']}</td>"
            f"<td class='muted'>{row['minutes_since_seen']:g} min</td>{''.join(cells)}</tr>"
        )
    if not rows:
        rows.append(
            f"<tr><td colspan='{len(columns) + 4}' class='n muted'>Nobody has joined yet: "
            "learners run the join command the room printed.</td></tr>"
        )
    return (
        "<h3>Learners</h3><table><tr><th class='n'>Learner</th><th class='n'>In notebook</th>"
        f"<th>Passed</th><th>Last seen</th>{header}</tr>{''.join(rows)}</table>"
        "<p class='muted'>✔ passed · ✘n failed n times · … ran check() without an answer · "
        "· not tried. Hover a cell for the mistake.</p>"
    )


def _summary(summaries: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td class='n'>{escape(s['notebook'])}</td><td class='n'>{escape(s['title'])}</td>"
        f"<td>{s['passed']}</td><td>{s['tried']}</td><td class='n'>"
        + (f"{escape(s['common_mistake'])} ({s['common_count']}×)" if s["common_mistake"] else "—")
        + "</td></tr>"
        for s in summaries
    )
    return (
        "<h3>Per exercise</h3><table><tr><th class='n'>Notebook</th><th class='n'>Exercise</th>"
        "<th>Passed</th><th>Tried</th><th class='n'>Most common mistake</th></tr>"
        f"{rows}</table>"
    )
