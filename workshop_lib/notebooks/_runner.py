"""Execute notebooks headless, the way `make workshop` and the test suite do."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import constants as C
from ..display import Displayable, html_table
from ..paths import NOTEBOOKS

_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NotebookResult:
    path: Path
    ok: bool
    seconds: float
    error: str | None = None
    executed: Path | None = None
    html: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class RunReport(Displayable):
    results: list[NotebookResult]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    def table(self) -> str:
        width = max([len(r.name) for r in self.results] + [8])
        lines = [f"{'Notebook':<{width}}  Result  Seconds", "-" * (width + 18)]
        for result in self.results:
            verdict = "pass" if result.ok else "FAIL"
            lines.append(f"{result.name:<{width}}  {verdict:<6}  {result.seconds:7.1f}")
        passed = sum(r.ok for r in self.results)
        lines.append(f"{passed} passed, {len(self.results) - passed} failed")
        failures = [r for r in self.results if not r.ok]
        for result in failures:
            lines += ["", f"--- {result.name} failed:", (result.error or "").strip()[-3000:]]
        return "\n".join(lines)

    def _html(self) -> str:
        rows = [(r.name, "✔" if r.ok else "✘", f"{r.seconds:.1f}") for r in self.results]
        return html_table(("Notebook", "OK", "s"), rows)


def discover(directory: Path = NOTEBOOKS) -> list[Path]:
    """The workbook's notebooks in order (numbered file names)."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def run_notebook(
    path: Path,
    *,
    out_dir: Path | None = None,
    timeout: int = 900,
    html_export: bool = True,
    extra_env: dict[str, str] | None = None,
) -> NotebookResult:
    """Run every cell top to bottom in a fresh kernel; write the executed copy and HTML."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    env = {**os.environ, **(extra_env or {})}
    env.setdefault(C.ENV_MODE, C.MODE_OFFLINE)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        notebook,
        timeout=timeout,
        # A cell that runs too long is interrupted, so the error shows where it was stuck.
        interrupt_on_timeout=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        env=env,
        config=kernel_config(),
    )
    started = time.perf_counter()
    error = None
    try:
        client.execute(env=env)
    except CellExecutionError as failure:
        error = str(failure)
    except Exception as failure:  # a dead kernel, a timeout: still report, don't crash the run
        error = f"{type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - started
    executed = html_path = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        executed = out_dir / path.name
        nbformat.write(notebook, executed)
        if html_export:
            html_path = out_dir / f"{path.stem}.html"
            html_path.write_text(export_html(notebook), encoding="utf-8")
    return NotebookResult(path, error is None, seconds, error, executed, html_path)


def kernel_config() -> Any:
    """Kernel settings: encrypted sockets between the runner and its kernels where pyzmq can
    (CurveZMQ keys the kernel manager provisions). Then ipykernel has no reason to warn that it
    runs "over TCP without encryption", which newcomers rightly read as a security problem."""
    import zmq
    from traitlets.config import Config

    if not zmq.has("curve"):
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def export_html(notebook: object) -> str:
    """A self-contained HTML page of an executed notebook, with no CDN scripts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="offline", extra_template_basedirs=[str(_TEMPLATES)], embed_images=True
    )
    body, _ = exporter.from_notebook_node(notebook)
    return body


def run_all(
    paths: Sequence[Path] | None = None,
    *,
    out_dir: Path | None = None,
    port: int | None = None,
    progress: bool = True,
) -> RunReport:
    """Start the local cloud if needed, run the notebooks in order, stop what we started."""
    from .. import cloud

    chosen: Iterable[Path] = paths or discover()
    current = cloud.status(port)
    started_here = not current.running
    if started_here:
        current = cloud.start(port)
    env = {C.ENV_CLOUD_PORT: str(current.port), C.ENV_MODE: C.MODE_OFFLINE}
    results = []
    try:
        for path in chosen:
            if progress:
                print(f"running {path.name} ...", flush=True)
            results.append(run_notebook(path, out_dir=out_dir, extra_env=env))
    finally:
        if started_here:
            cloud.stop(current.port)
    return RunReport(results)
