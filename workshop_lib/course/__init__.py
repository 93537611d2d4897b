"""The course around the notebooks: learner edition, progress, catch-up."""

from ._catchup import CatchUpReport, catch_up
from ._editions import build, check, learner_notebook, learner_source
from ._progress_view import Progress, progress

__all__ = [
    "CatchUpReport",
    "Progress",
    "build",
    "catch_up",
    "check",
    "learner_notebook",
    "learner_source",
    "progress",
]
