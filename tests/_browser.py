"""A real browser for tests: the distribution's headless Chromium, driven by Playwright.

Nothing is downloaded: Playwright is told to use the Chromium installed by the system's package
manager (`apt-get install chromium` on Debian; /usr/bin/chromium), or the one named by
WORKSHOP_CHROMIUM. Where there is none, the test that asked for it is skipped with the reason.

    browser = launch_browser()        # or pytest.skip(...)
    try: ... finally: close_browser(browser)

`jupyter_lab(root, env)` runs a JupyterLab server on 127.0.0.1 with a token and throw-away
config, data and runtime directories, for tests that open notebooks in that browser.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ENV = "WORKSHOP_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_HINT = "install it with `sudo apt-get install -y chromium` (Debian/Ubuntu)"
# Headless, and quiet: no first-run UI, no background calls home, no update checks, no QUIC.
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> Path | None:
    """The system's Chromium, or None."""
    named = os.environ.get(CHROMIUM_ENV)
    candidates = [named] if named else [*CHROMIUM_CANDIDATES, shutil.which("chromium") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def launch_browser() -> Any:
    """A launched headless Chromium (a Playwright `Browser`), or `pytest.skip` saying why not.
    Close it with `close_browser`."""
    executable = chromium_path()
    if executable is None:
        where = os.environ.get(CHROMIUM_ENV) or " or ".join(CHROMIUM_CANDIDATES)
        pytest.skip(f"no Chromium at {where}: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[dev]'")
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(
            executable_path=str(executable), headless=True, args=list(LAUNCH_ARGS)
        )
    except Exception as error:
        driver.stop()
        pytest.skip(f"Chromium at {executable} would not start: {error}")
    browser._workshop_driver = driver  # stopped by close_browser
    return browser


def close_browser(browser: Any) -> None:
    try:
        browser.close()
    finally:
        browser._workshop_driver.stop()


@contextmanager
def browser_session() -> Iterator[Any]:
    """`launch_browser()` as a context manager."""
    browser = launch_browser()
    try:
        yield browser
    finally:
        close_browser(browser)


@dataclass(frozen=True)
class JupyterLab:
    url: str
    token: str
    root: Path
    work: Path
    """Its config, runtime and settings folders, and jupyterlab.log."""

    def notebook_url(self, name: str) -> str:
        """The notebook alone, in a fresh workspace of its own (nothing an earlier page left
        open is restored beside it)."""
        workspace = Path(name).stem.replace(".", "-")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyter_lab(
    root: Path, work: Path, env: Mapping[str, str] | None = None, *, settings: Mapping | None = None
) -> Iterator[JupyterLab]:
    """JupyterLab serving `root` on 127.0.0.1, its config, data, runtime, settings and
    workspaces under `work`; stopped (with its kernels) when the block ends.
    `settings` maps a plugin id ("@jupyterlab/notebook-extension:tracker") to its overrides."""
    port, token = _free_port(), secrets.token_hex(16)
    dirs = {name: work / name for name in ("config", "data", "runtime", "settings", "workspaces")}
    for directory in dirs.values():
        directory.mkdir(parents=True, exist_ok=True)
    for plugin, values in (settings or {}).items():
        package, name = plugin.split(":")
        target = dirs["settings"] / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    server_env = {
        **os.environ,
        **(env or {}),
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabServerApp.extension_manager=readonly",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
    ]
    log = (work / "jupyterlab.log").open("w")
    process = subprocess.Popen(
        command, env=server_env, stdout=log, stderr=subprocess.STDOUT, cwd=root
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, token, process, work / "jupyterlab.log")
        yield JupyterLab(url, token, root, work)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


# 127.0.0.1 never goes through a proxy, whatever the environment says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_until_up(url: str, token: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited at start:\n{log.read_text()[-3000:]}")
        try:
            with _DIRECT.open(f"{url}/api/status?token={token}", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within 90 s:\n{log.read_text()[-3000:]}")
