"""The Lambda runtime under bursts and faults: slow INIT, a full local cap, crashes, orphans."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from test_lambda_runtime import HANDLER, HELPERS, ListSink, make_spec

from workshop_lib import constants
from workshop_lib.lambda_report import LambdaReport
from workshop_lib.lambda_runtime import LambdaRuntime, ThrottledError, reap_orphans
from workshop_lib.paths import REPO

SLOW_INIT = """
import time
time.sleep(float(open("init_seconds").read()))
IMPORTED = time.time()

def lambda_handler(event, context):
    return {"imported": IMPORTED, "remaining": context.get_remaining_time_in_millis()}
"""

FORKS_A_CHILD = """
import os, subprocess

def lambda_handler(event, context):
    child = subprocess.Popen(["sleep", "300"])
    if event.get("pidfile"):
        with open(event["pidfile"], "w") as handle:
            handle.write(str(child.pid))
        import time
        time.sleep(60)
    return {"child": child.pid, "worker": os.getpid()}
"""


def gone(pid: int, timeout: float = 10.0) -> bool:
    """The process has ended (a zombie waiting for its parent counts as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def runtime(tmp_path: Path, sink: ListSink):
    runtime = LambdaRuntime(state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink)
    yield runtime
    runtime.shutdown()


def invoke(runtime: LambdaRuntime, spec, event: dict):
    outcome = runtime.invoke(spec, json.dumps(event).encode())
    return outcome, json.loads(outcome.payload)


# -- INIT follows AWS's rules ------------------------------------------------------------------


def test_an_init_over_its_limit_goes_on_within_the_first_invoke(runtime, sink, monkeypatch):
    # A machine under load makes INIT slow: AWS does not fail it, it goes on in the invoke.
    monkeypatch.setattr(constants, "LAMBDA_INIT_TIMEOUT_SECONDS", 0.3)
    spec = make_spec({"app.py": SLOW_INIT, "init_seconds": "1.0"}, timeout_s=5.0)
    outcome, body = invoke(runtime, spec, {})
    assert outcome.error_type is None, body
    messages = sink.messages()
    init_report = [m for m in messages if m.startswith("INIT_REPORT")]
    assert len(init_report) == 1 and init_report[0].endswith("Phase: init\tStatus: timeout")
    # INIT ran within the invoke: it counts against the timeout and is part of Duration.
    assert body["remaining"] < 5000 - 500
    assert outcome.report.init_duration_ms is None and outcome.report.duration_ms >= 500
    again, second = invoke(runtime, spec, {})
    assert not again.failed and second["imported"] == body["imported"]  # INIT ran once


def test_an_init_that_outlasts_the_invoke_timeout_is_an_invoke_timeout(runtime, sink, monkeypatch):
    monkeypatch.setattr(constants, "LAMBDA_INIT_TIMEOUT_SECONDS", 0.2)
    spec = make_spec({"app.py": SLOW_INIT, "init_seconds": "30"}, timeout_s=1.0)
    outcome, body = invoke(runtime, spec, {})
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert outcome.report.status == "timeout"
    phases = [m for m in sink.messages() if m.startswith("INIT_REPORT")]
    assert phases[0].endswith("Phase: init\tStatus: timeout")
    assert phases[1].endswith("Phase: invoke\tStatus: timeout")


def test_a_crash_during_init_says_so_after_one_more_try_within_the_invoke(runtime, sink):
    spec = make_spec({"app.py": "import os\nos._exit(2)\n"})
    outcome, body = invoke(runtime, spec, {})
    assert outcome.error_type == body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"] == (
        f"RequestId: {outcome.request_id} Error: Runtime exited with error: exit status 2"
    )
    reports = [m.split("\t", 1)[1] for m in sink.messages() if m.startswith("INIT_REPORT")]
    assert reports == [
        "Phase: init\tStatus: error\tError Type: Runtime.ExitError",
        "Phase: invoke\tStatus: error\tError Type: Runtime.ExitError",
    ]
    assert outcome.report.status == "error"


def test_an_import_error_is_reported_in_both_init_phases(runtime, sink):
    spec = make_spec({"app.py": "import not_a_module_here\n"})
    _, body = invoke(runtime, spec, {})
    assert body["errorType"] == "Runtime.ImportModuleError"
    reports = [m.split("\t", 1)[1] for m in sink.messages() if m.startswith("INIT_REPORT")]
    assert reports == [
        "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError",
        "Phase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError",
    ]


def test_an_init_that_failed_once_succeeds_on_its_second_try(runtime, tmp_path):
    # A crash that does not repeat (a resource busy for a moment): AWS's second INIT recovers.
    flaky = (
        "import os\n"
        f"marker = {str(tmp_path / 'tried')!r}\n"
        "if not os.path.exists(marker):\n"
        "    open(marker, 'w').close()\n"
        "    os._exit(1)\n"
        "def lambda_handler(event, context):\n    return 'recovered'\n"
    )
    spec = make_spec({"app.py": flaky})
    outcome, body = invoke(runtime, spec, {})
    assert not outcome.failed and body == "recovered"
    again, _ = invoke(runtime, spec, {})
    assert not again.report.cold_start  # the environment whose INIT recovered stays warm


# -- bursts over the local cap ---------------------------------------------------------------


def test_a_burst_over_the_local_cap_waits_its_turn_and_every_invoke_succeeds(tmp_path, sink):
    runtime = LambdaRuntime(
        state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink, max_environments=2
    )
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS})
    results: list[dict] = []

    def call() -> None:
        results.append(invoke(runtime, spec, {"action": "sleep", "seconds": 0.2})[1])

    threads = [threading.Thread(target=call) for _ in range(10)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(results) == 10 and all("pid" in body for body in results)
        assert len({body["pid"] for body in results}) <= 2  # never more than the cap at once
    finally:
        runtime.shutdown()


def test_a_burst_that_waits_too_long_is_throttled_not_failed(tmp_path, sink, monkeypatch):
    monkeypatch.setattr(constants, "LOCAL_CAPACITY_WAIT_SECONDS", 0.3)
    runtime = LambdaRuntime(
        state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink, max_environments=1
    )
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS})
    outcomes: list[str] = []

    def call() -> None:
        try:
            outcome, _ = invoke(runtime, spec, {"action": "sleep", "seconds": 0.5})
            outcomes.append(outcome.error_type or "ok")
        except ThrottledError:
            outcomes.append("throttled")  # a 429 TooManyRequestsException, which Retry retries

    threads = [threading.Thread(target=call) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(set(outcomes)) == ["ok", "throttled"]  # never a handler failure
    finally:
        runtime.shutdown()


def test_asynchronous_invokes_are_not_starved_by_a_stream_of_synchronous_ones(tmp_path, sink):
    runtime = LambdaRuntime(
        state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink, max_environments=1
    )
    workflow = make_spec({"app.py": HANDLER, "helpers.py": HELPERS})
    trigger = make_spec(
        {"app.py": HANDLER, "helpers.py": HELPERS},
        name="trigger",
        arn="arn:aws:lambda:us-east-1:123456789012:function:trigger",
    )
    order: list[str] = []
    runtime.add_listener(lambda spec, outcome: order.append(spec.name))
    stop = threading.Event()

    def workflow_tasks() -> None:
        while not stop.is_set():
            invoke(runtime, workflow, {"action": "sleep", "seconds": 0.05})

    threads = [threading.Thread(target=workflow_tasks) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while order.count("elf") < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        submitted_after = len(order)
        runtime.invoke_async(trigger, b"{}")
        deadline = time.monotonic() + 60
        while "trigger" not in order and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        assert "trigger" in order
        # First come, first served: only the invokes already running or queued (about one per
        # workflow thread) went before it, not an endless stream of newer ones.
        assert order.index("trigger") - submitted_after <= 6
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        runtime.shutdown()


# -- no orphans --------------------------------------------------------------------------------


def test_a_handlers_children_end_with_its_environment(runtime, tmp_path):
    spec = make_spec({"app.py": FORKS_A_CHILD}, timeout_s=1.0)
    _, body = invoke(runtime, spec, {})
    assert not gone(body["child"], timeout=0.2)  # it runs while the environment is warm
    runtime.retire(spec.arn)  # the function was deleted
    assert gone(body["child"]) and gone(body["worker"])
    # A timed-out invoke kills the environment, and its children with it.
    pidfile = tmp_path / "child.pid"
    outcome, _ = invoke(runtime, spec, {"pidfile": str(pidfile)})
    assert outcome.error_type == "Sandbox.Timedout"
    assert gone(int(pidfile.read_text()))


def test_shutdown_ends_every_environment_and_the_zygote(tmp_path, sink):
    runtime = LambdaRuntime(state_dir=tmp_path, endpoint_url="http://127.0.0.1:9", log_sink=sink)
    spec = make_spec({"app.py": FORKS_A_CHILD})
    _, body = invoke(runtime, spec, {})
    zygote = runtime._zygote.pid if runtime._zygote else None
    runtime.shutdown()
    assert gone(body["child"]) and gone(body["worker"])
    assert zygote is None or gone(zygote)
    assert not list((tmp_path / "lambda-processes").glob("*.json"))


def test_a_killed_zygote_is_replaced_and_its_environments_go_cold(runtime):
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS})
    _, before = invoke(runtime, spec, {"action": "work"})
    zygote = runtime._zygote.pid if runtime._zygote else None
    if zygote is None:
        pytest.skip("no zygote on this platform: every worker is a fresh process")
    os.kill(zygote, signal.SIGKILL)
    assert gone(zygote) and gone(before["pid"])  # its environments die with it
    again, after = invoke(runtime, spec, {"action": "work"})
    assert not again.failed and again.report.cold_start and after["pid"] != before["pid"]
    assert runtime._zygote is not None and runtime._zygote.pid != zygote


SERVER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_lambda_runtime import ListSink, make_spec
from workshop_lib.lambda_runtime import LambdaRuntime
runtime = LambdaRuntime(state_dir=Path({state!r}), endpoint_url="http://127.0.0.1:9",
                        log_sink=ListSink())
spec = make_spec({{"app.py": {code!r}}})
outcome = runtime.invoke(spec, json.dumps({event!r}).encode())
zygote = runtime._zygote.pid if runtime._zygote else None
print(json.dumps({{**json.loads(outcome.payload), "zygote": zygote}}), flush=True)
time.sleep(300)
"""


def start_server(state: Path, event: dict) -> tuple[subprocess.Popen, dict]:
    script = SERVER.format(
        tests=str(REPO / "tests"), state=str(state), code=FORKS_A_CHILD, event=event
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=REPO, start_new_session=True
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    assert line, "the runtime in the subprocess did not answer"
    return server, json.loads(line)


def test_the_servers_death_by_kill_9_takes_every_environment_along(tmp_path):
    server, body = start_server(tmp_path, {})
    try:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert gone(body["worker"]) and gone(body["child"])
        if body["zygote"]:
            assert gone(body["zygote"])
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stdout.close()


def test_the_next_start_cleans_what_a_crash_left(tmp_path, sink):
    # The worst crash: server and zygote killed at once. The worker dies with the zygote; a
    # child that left its process group survives, and the next runtime start removes it.
    server, body = start_server(tmp_path, {})
    try:
        if body["zygote"]:
            os.kill(body["zygote"], signal.SIGKILL)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert gone(body["worker"])
        assert not gone(body["child"], timeout=0.3)  # left behind in the worker's session
        killed = reap_orphans(tmp_path)
        assert killed >= 1 and gone(body["child"])
        assert not list((tmp_path / "lambda-processes").glob("*.json"))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stdout.close()


def test_reaping_never_kills_a_process_it_cannot_prove_is_ours(tmp_path):
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        records = tmp_path / "lambda-processes"
        records.mkdir()
        identity = psutil.Process(bystander.pid)
        (records / f"{bystander.pid}.json").write_text(
            json.dumps(
                {
                    "pid": bystander.pid,
                    "create_time": identity.create_time() - 100,  # the pid was reused since
                    "cmdline": identity.cmdline(),
                    "role": "worker",
                    "server": None,
                }
            )
        )
        assert reap_orphans(tmp_path) == 0
        assert bystander.poll() is None
        assert not (records / f"{bystander.pid}.json").exists()  # the stale record is gone
    finally:
        bystander.kill()
        bystander.wait()


# -- logs and status -----------------------------------------------------------------------


def test_a_log_line_over_cloudwatchs_event_size_is_cut_to_it(runtime, sink):
    code = "def lambda_handler(event, context):\n    print('x' + 'é' * 200_000)\n    return 1\n"
    outcome, _ = invoke(runtime, make_spec({"app.py": code}), {})
    assert not outcome.failed
    long_lines = [m for m in sink.messages() if m.startswith("xé")]
    assert len(long_lines) == 1
    encoded = long_lines[0].encode("utf-8")
    assert len(encoded) == constants.LOG_EVENT_MAX_BYTES - 1  # cut on a character boundary
    assert constants.LOG_EVENT_MAX_BYTES == 256 * 1024 - 26
    assert LambdaReport.parse(sink.messages()[-1]) is not None


def test_status_after_a_reset_lists_no_environments(runtime):
    spec = make_spec({"app.py": HANDLER, "helpers.py": HELPERS})
    busy = threading.Thread(
        target=lambda: runtime.invoke(spec, json.dumps({"action": "sleep", "seconds": 5}).encode())
    )
    invoke(runtime, spec, {"action": "context"})
    busy.start()
    deadline = time.monotonic() + 30
    while runtime.busy(spec) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runtime.environments()
    runtime.reset()
    busy.join(timeout=10)
    assert runtime.environments() == []


def test_a_function_that_ships_its_own_module_gets_its_own_copy(runtime):
    # The zygote preloads boto3; a function bundling its own boto3 must still get that one.
    files = {
        "boto3/__init__.py": "VERSION = 'bundled'\n",
        "app.py": "import boto3\ndef lambda_handler(e, c):\n    return boto3.VERSION\n",
    }
    _, body = invoke(runtime, make_spec(files), {})
    assert body == "bundled"


# -- through a real local cloud ------------------------------------------------------------


@contextlib.contextmanager
def own_cloud(monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[int]:
    """A local cloud of this test's own (the session's stays untouched); yields its pid."""
    from conftest import free_port

    from workshop_lib import clients, cloud

    port = free_port()
    monkeypatch.setenv(constants.ENV_CLOUD_PORT, str(port))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    clients.forget_clients()
    status = cloud.start(port)
    try:
        yield status.pid
    finally:
        cloud.stop(port)
        clients.forget_clients()


def create_function(name: str, files: dict[str, str], **settings) -> None:
    from conftest import zip_source

    from workshop_lib import clients

    role = clients.client("iam").create_role(
        RoleName=f"role-{name}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source(files)},
        **settings,
    )


def test_a_local_cloud_killed_with_kill_9_leaves_no_handler_process_behind(monkeypatch):
    from workshop_lib import clients

    with own_cloud(monkeypatch) as server_pid:
        create_function("forks-a-child", {"app.py": FORKS_A_CHILD})
        response = clients.client("lambda").invoke(FunctionName="forks-a-child", Payload=b"{}")
        body = json.loads(response["Payload"].read())
        assert not gone(body["child"], timeout=0.2)
        os.kill(server_pid, signal.SIGKILL)
        assert gone(body["child"]) and gone(body["worker"])


def test_a_burst_over_a_small_local_cap_all_succeeds_through_the_api(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from workshop_lib import clients

    with own_cloud(monkeypatch, **{constants.ENV_MAX_ENVIRONMENTS: "2"}):
        create_function("busy-elf", {"app.py": HANDLER, "helpers.py": HELPERS}, Timeout=10)
        lam = clients.client("lambda")
        event = json.dumps({"action": "sleep", "seconds": 0.3})

        def call(_: int) -> dict:
            response = lam.invoke(FunctionName="busy-elf", Payload=event)
            assert "FunctionError" not in response
            return json.loads(response["Payload"].read())

        with ThreadPoolExecutor(max_workers=8) as pool:
            bodies = list(pool.map(call, range(12)))
        assert len(bodies) == 12
        assert len({body["pid"] for body in bodies}) <= 2  # the cap held: two environments


def test_a_layers_python_directory_is_importable_and_may_bring_its_own_boto3(runtime):
    from conftest import zip_source

    from workshop_lib.lambda_runtime import CodeSource

    layer = zip_source(
        {
            "python/elfhelp.py": "def help():\n    return 'from the layer'\n",
            "python/boto3/__init__.py": "VERSION = 'from the layer'\n",
        }
    )
    code = (
        "import boto3, elfhelp\n"
        "def lambda_handler(e, c):\n    return [elfhelp.help(), boto3.VERSION]\n"
    )
    spec = make_spec(
        {"app.py": code}, layers=(CodeSource(hashlib.sha256(layer).hexdigest(), lambda: layer),)
    )
    _, body = invoke(runtime, spec, {})
    assert body == ["from the layer", "from the layer"]


def test_cloud_stop_ends_handlers_children_and_logs_keep_cloudwatchs_event_size(monkeypatch):
    from workshop_lib import clients

    printer = "def lambda_handler(event, context):\n    print('x' * 300_000)\n    return 1\n"
    with own_cloud(monkeypatch):
        create_function("forks-a-child", {"app.py": FORKS_A_CHILD})
        create_function("prints-a-lot", {"app.py": printer})
        lam = clients.client("lambda")
        body = json.loads(lam.invoke(FunctionName="forks-a-child", Payload=b"{}")["Payload"].read())
        assert not lam.invoke(FunctionName="prints-a-lot", Payload=b"{}").get("FunctionError")
        events = clients.client("logs").filter_log_events(logGroupName="/aws/lambda/prints-a-lot")
        long = [e["message"] for e in events["events"] if e["message"].startswith("xxx")]
        assert [len(m.encode()) for m in long] == [constants.LOG_EVENT_MAX_BYTES]
    assert gone(body["child"]) and gone(body["worker"])  # `cloud stop` took them along
