"""The local cloud's server process: moto plus our Lambda runtime, bound to 127.0.0.1 only.

Started by `workshop cloud start` (see `_control.py`); not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import io
import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from .. import constants as C
from ..lambda_runtime import FunctionSpec, LambdaRuntime
from ..owner import LocalCredentials, local_credentials, owner_name
from . import _auth, _patches

EXIT_PORT_IN_USE = 3


class MotoLogSink:
    """Writes Lambda log lines into the local cloud's CloudWatch Logs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def put(self, spec: FunctionSpec, stream: str, events: list[tuple[int, str]]) -> None:
        from moto.logs.models import logs_backends

        backend = logs_backends[spec.account_id][spec.region]
        with self._lock:
            backend.ensure_log_group(spec.log_group)
            backend.ensure_log_stream(spec.log_group, stream)
            backend.put_log_events(
                spec.log_group,
                stream,
                [{"timestamp": ts, "message": message} for ts, message in events],
            )


class RequestLog:
    """Which AWS API calls reached the cloud, and when: the cost model counts them."""

    def __init__(self, limit: int = 200_000) -> None:
        self._entries: collections.deque[tuple[float, str, str]] = collections.deque(maxlen=limit)

    def record(self, environ: dict[str, Any]) -> None:
        service = _service_of(environ)
        if service:
            self._entries.append((time.time(), service, _operation_of(environ, service)))

    @staticmethod
    def query_action(environ: dict[str, Any]) -> str | None:
        """The Action of a query-protocol call (SNS, IAM, CloudFormation...), from its body.

        The body is read and put back, so moto still sees it.
        """
        if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        values = urllib.parse.parse_qs(body.decode("utf-8", errors="replace"))
        return (values.get("Action") or [None])[0]

    def counts(self, since: float, until: float) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for stamp, service, operation in list(self._entries):
            if since <= stamp <= until:
                per_service = totals.setdefault(service, {})
                per_service[operation] = per_service.get(operation, 0) + 1
        return totals


def _service_of(environ: dict[str, Any]) -> str | None:
    # SigV4: Credential=KEY/DATE/REGION/SERVICE/aws4_request
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return None
    try:
        return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")[3]
    except IndexError:
        return None


def _operation_of(environ: dict[str, Any], service: str) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    action = RequestLog.query_action(environ)
    if action:
        return action
    method = environ.get("REQUEST_METHOD", "GET")
    if service == "s3":
        # S3 bills by request class: PUT/COPY/POST/LIST (tier 1) vs GET and others (tier 2).
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "/").strip("/")
        if method == "GET" and ("/" not in path or "list-type" in query):
            return "LIST"
        return method
    if service == "lambda" and "/invocations" in environ.get("PATH_INFO", ""):
        return "Invoke"
    return method


class ControlApp:
    """WSGI middleware: `/_workshop/*` is ours, everything else goes to moto."""

    def __init__(
        self,
        moto_app: Any,
        runtime: LambdaRuntime,
        settings: _patches.Settings,
        port: int,
        credentials: LocalCredentials,
    ) -> None:
        self.moto_app = moto_app
        self.credentials = credentials
        self.runtime = runtime
        self.settings = settings
        self.port = port
        self.started = time.time()
        self.requests = RequestLog()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        refusal = _auth.refuse_reason(environ, self.credentials)
        if refusal is not None:
            return self._refuse(environ, refusal, start_response)
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_workshop/"):
            self.requests.record(environ)

            def start_without_cors(status: str, headers: list, *rest: Any) -> Any:
                return start_response(status, _auth.without_cors(headers), *rest)

            return self.moto_app(environ, start_without_cors)
        action = path.removeprefix("/_workshop/")
        body: dict[str, Any] = {}
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            body = json.loads(raw or b"{}")
        if action == "health":
            reply = self.health()
        elif action == "config":
            if "time_scale" in body:
                self.settings.time_scale = float(body["time_scale"])
            reply = self.health()
        elif action == "reset":
            self.reset()
            reply = self.health()
        elif action == "requests":
            reply = {
                "requests": self.requests.counts(
                    float(body.get("since", 0)), float(body.get("until", time.time()))
                )
            }
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [json.dumps({"error": f"unknown action {action!r}"}).encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(reply).encode()]

    def _refuse(self, environ: dict[str, Any], refusal: _auth.Refusal, start_response: Any) -> Any:
        status, headers, body = _auth.refusal_response(environ, refusal)
        if environ.get("PATH_INFO") == "/_workshop/health":
            # Enough for another user's `workshop cloud` to say whose cloud holds this port.
            body = json.dumps(
                {"workshop": True, "owner": owner_name(), "error": refusal.code}
            ).encode()
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def health(self) -> dict[str, Any]:
        return {
            "workshop": True,
            "pid": os.getpid(),
            "port": self.port,
            "started": self.started,
            "time_scale": self.settings.time_scale,
            "environments": self.runtime.environments(),
        }

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        self.runtime.reset()
        moto_api_backend.reset()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workshop_lib.cloud._server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--time-scale", type=float, default=C.DEFAULT_TIME_SCALE)
    parser.add_argument("--max-environments", type=int, default=C.DEFAULT_MAX_ENVIRONMENTS)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ["MOTO_PORT"] = str(args.port)
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"  # no browser page may call the cloud

    from werkzeug.serving import make_server

    endpoint = f"http://{C.CLOUD_HOST}:{args.port}"
    settings = _patches.Settings(time_scale=args.time_scale)
    credentials = local_credentials()
    runtime = LambdaRuntime(
        credentials=(credentials.access_key_id, credentials.secret_access_key),
        state_dir=args.state_dir,
        endpoint_url=endpoint,
        log_sink=MotoLogSink(),
        max_environments=args.max_environments,
        idle_seconds=float(os.environ.get(C.ENV_IDLE_SECONDS, C.DEFAULT_IDLE_SECONDS)),
        time_scale=lambda: settings.time_scale,
    )
    _patches.apply(runtime, settings, args.port)

    from moto.server import DomainDispatcherApplication, create_backend_app

    app = ControlApp(
        DomainDispatcherApplication(create_backend_app), runtime, settings, args.port, credentials
    )
    try:
        # 127.0.0.1 only: this server runs arbitrary Lambda code for whoever can reach it.
        server = make_server(C.CLOUD_HOST, args.port, app, threaded=True)
    except OSError as error:
        print(f"cannot listen on {C.CLOUD_HOST}:{args.port}: {error}", file=sys.stderr)
        runtime.shutdown()
        return EXIT_PORT_IN_USE

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGUSR1"):  # `cloud.diagnose()`: every thread's stack into the log
        signal.signal(signal.SIGUSR1, _dump_threads)
    signal.signal(signal.SIGINT, stop)
    print(f"local cloud listening on {endpoint} (pid {os.getpid()})", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        runtime.shutdown()
    return 0


def _dump_threads(*_: Any) -> None:
    # A Python-level handler runs in the main thread holding the GIL, so no request thread can
    # end (and free its state) mid-dump. faulthandler.register dumped from the C signal handler,
    # without the GIL: with a thread per request coming and going, that could crash the server.
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
