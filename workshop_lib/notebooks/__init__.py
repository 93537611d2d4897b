"""Running the workbook's notebooks headless (for `make workshop` and the tests)."""

from ._runner import NotebookResult, RunReport, discover, export_html, run_all, run_notebook

__all__ = ["NotebookResult", "RunReport", "discover", "export_html", "run_all", "run_notebook"]
