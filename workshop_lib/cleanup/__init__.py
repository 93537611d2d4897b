"""Teardown: delete everything the workbook created in the current mode, and prove it."""

from ._cleanup import CleanupReport, cleanup
from ._resources import Inventory, Resource, find_all

clean_up = cleanup

__all__ = ["CleanupReport", "Inventory", "Resource", "clean_up", "cleanup", "find_all"]
