"""workshop_lib: the code behind the Step Functions and Lambda workbook."""

from __future__ import annotations

__version__ = "0.1.0"
