"""The library's colours, named for what they mean, so a view says `theme.FAILURE`, not a hex.

Four families, each chosen for a reason:
- verdicts in HTML text, badges and side bars (passed, failed, running, a warning): GitHub's
  colours, dark enough to read as text on white;
- the status of a state or execution in diagrams, timelines and pills: the Okabe-Ito palette,
  which stays distinguishable with the common forms of colour blindness (each status also has
  its own glyph or label, so colour is never the only signal);
- ink, paper and rules shared by every view;
- chart series and the hues of state kinds and AWS services in diagrams.
"""

from __future__ import annotations

# -- verdicts (HTML text on white) ------------------------------------------------------------
SUCCESS = "#1a7f37"
FAILURE = "#b42318"
RUNNING = "#0969da"
INFO = RUNNING  # the side bar of a hint or a note
WARNING = "#9a6700"
NEUTRAL = "#57606a"
ACCENT = "#8250df"

# -- statuses of states and executions (Okabe-Ito) --------------------------------------------
SUCCEEDED = "#009E73"
FAILED = "#D55E00"
CAUGHT = "#E69F00"
IN_PROGRESS = "#0072B2"
CANCELLED = "#6b6b6b"
NOT_REACHED = "#b9c1cb"
INIT = "#CC79A7"  # a Lambda cold start's Init phase
RETRIED = "#f2b48a"  # a failed attempt that was retried: a paler FAILED

STATUS_COLOURS: dict[str, str] = {
    "SUCCEEDED": SUCCEEDED,
    "FAILED": FAILED,
    "TIMED_OUT": FAILED,
    "CAUGHT": CAUGHT,
    "IN_PROGRESS": IN_PROGRESS,
    "RUNNING": IN_PROGRESS,
    "CANCELLED": CANCELLED,
    "ABORTED": CANCELLED,
    "NOT_REACHED": NOT_REACHED,
    "PENDING_REDRIVE": CANCELLED,
}

# -- ink, paper and rules ----------------------------------------------------------------------
INK = "#16191f"
MUTED = "#5f6b7a"
BACKGROUND = "#ffffff"
PANEL = "#f6f8fa"  # the background of code and log blocks
BORDER = "#d0d7de"
RULE = "#e1e4e8"  # lines between table rows

# -- hues for state kinds (graph) and AWS services (architecture diagram) ----------------------
BLUE = "#0b6bcb"
PURPLE = "#7446c2"
SLATE = "#4a5563"
BROWN = "#8a5a00"
GREEN = "#117a42"
VERMILION = "#c33d0b"

# -- chart series (AWS's palette) --------------------------------------------------------------
ORANGE = "#FF9900"
PINK = "#E7157B"
LEAF = "#3F8624"
INDIGO = "#4053D6"
RED = "#D13212"
SERIES = (ORANGE, PINK, LEAF, INDIGO, RED)
ALARM = "#DE322F"  # a limit, a drop, an unconfirmed price
GO = "#2BD62E"  # accepted, confirmed
AMBER = "#FFA500"  # retries, a price list entry
LIGHT_GREY = "#DDDDDD"  # idle capacity, an unknown source
