"""The room's error: what is wrong with joining or reaching a room, and what to do."""

from __future__ import annotations

from ..errors import WorkshopError


class RoomError(WorkshopError):
    """A room that does not answer, a wrong token, a bad address or name."""
