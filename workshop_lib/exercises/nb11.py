"""The capstone of notebook 11: a gift-wrapping workflow the learner builds from an empty
definition, checked by deploying it and running it against orders the learner has not seen.

The answer is a folder holding `workflow.asl.json` (JSONata, with the placeholders below) and
`check_order/app.py` (the learner's Lambda function). `check()` deploys both beside the
library's flaky wrapping machine (`_capstone_machine/app.py`), a quarantine queue and an
announcement topic, runs a good order, a bad one and one that jams the machine once, reports
each behaviour with a hint, and removes everything it made.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import json
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from IPython.display import HTML, display

from .. import clients
from ..display import current_cell, protect, theme
from ..paths import NOTEBOOKS
from ..roles import trust_policy
from ..waiting import when_role_ready
from ._exercise import Exercise, Outcome, ____
from ._progress import record

NOTEBOOK = "11_capstone"
WORKFLOW_FILE = "workflow.asl.json"
FUNCTION_DIR = "check_order"
MACHINE = Path(__file__).with_name("_capstone_machine")
PLACEHOLDERS = (
    "${CheckOrderArn}",
    "${WrapMachineArn}",
    "${QuarantineQueueUrl}",
    "${AnnounceTopicArn}",
)
_REFERENCE_NOTEBOOK = NOTEBOOKS / f"{NOTEBOOK}.ipynb"


@dataclass(frozen=True)
class Behaviour:
    """One behaviour the brief asks for, whether the hidden runs showed it, and a hint."""

    name: str
    passed: bool
    detail: str
    hint: str = ""

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘"
        return f"{mark} {self.name}: {self.detail}" + ("" if self.passed else f" Hint: {self.hint}")


@dataclass(frozen=True)
class CapstoneOutcome(Outcome):
    """The verdict with one line per behaviour."""

    behaviours: tuple[Behaviour, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"  {b}" for b in self.behaviours)])

    def _html(self) -> str:
        # The notebook says "repeat until every line is green": each mark in its verdict colour.
        rows = "".join(
            "<tr>"
            f"<td style='text-align:left;color:{theme.SUCCESS if b.passed else theme.FAILURE}'>"
            f"<b>{'✔' if b.passed else '✘'}</b></td>"
            f"<td style='text-align:left'><b>{html.escape(b.name)}</b></td>"
            f"<td style='text-align:left'>{html.escape(b.detail)}"
            + ("" if b.passed else f"<br><i>Hint: {html.escape(b.hint)}</i>")
            + "</td></tr>"
            for b in self.behaviours
        )
        table = f"<table style='margin-top:6px'>{rows}</table>" if rows else ""
        return f"<div>{super()._html()}{table}</div>"


# -- the hidden orders -----------------------------------------------------------------------------

_GOOD = {"gift": "a wooden train", "paper": "gold"}
_BAD_ORDERS = (
    {"gift": "", "paper": "red"},
    {"gift": "a kite", "paper": "plaid"},
    {"paper": "green"},
)
PAPERS = ("red", "green", "gold")


def _order_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:8]}"


# -- the answer ------------------------------------------------------------------------------------


def _folder(answer: Any) -> Path | None:
    if answer is ____ or answer is None or answer is Ellipsis:
        return None
    return Path(answer)


def _not_attempted(folder: Path | None) -> str | None:
    """Why the capstone counts as not attempted yet, or None when there is something to run."""
    if folder is None:
        return "give check() the folder that holds your workflow, e.g. check(CAPSTONE)."
    workflow = folder / WORKFLOW_FILE
    if not workflow.is_file():
        return f"there is no {workflow} yet: run the cell that writes it."
    try:
        states = json.loads(workflow.read_text(encoding="utf-8")).get("States")
    except (ValueError, AttributeError):
        return None  # something was written: the check says what is wrong with it
    if not states:
        return (
            f"{WORKFLOW_FILE} has no states yet: write them from the brief, run the cell, "
            "then check again."
        )
    return None


# -- deploying -------------------------------------------------------------------------------------


@dataclass
class _Deployment:
    """What one check created, so it can all be removed afterwards."""

    suffix: str
    names: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    cleanups: list[Callable[[], Any]] = field(default_factory=list)
    jam: str = ""
    """The order id the machine jams on (once)."""
    inbox: Any = None
    """An SQS queue subscribed to the announcement topic."""

    def remove(self) -> None:
        for cleanup in reversed(self.cleanups):
            # Best effort: clean_up() at the notebook's end removes anything left.
            with contextlib.suppress(Exception):
                cleanup()


class _Refused(Exception):
    """Step Functions refused the learner's definition; the message says why."""


@dataclass(frozen=True)
class _Unfinished:
    """A run that could not be started or did not end in time, read like an Execution."""

    error: str
    status: str = "DID NOT FINISH"
    cause: str | None = None


def _deploy(folder: Path, deployment: _Deployment) -> None:
    from .. import functions
    from ..learner import name as learner_name
    from ..santa import make_bucket, remove_bucket

    sqs, sns, iam = (clients.client(s) for s in ("sqs", "sns", "iam"))
    suffix = deployment.suffix
    bucket = make_bucket(f"capstone-{suffix}")
    deployment.names["bucket"] = bucket
    deployment.cleanups.append(lambda: remove_bucket(bucket))
    queue_url = sqs.create_queue(QueueName=learner_name(f"capstone-quarantine-{suffix}"))[
        "QueueUrl"
    ]
    deployment.cleanups.append(lambda: sqs.delete_queue(QueueUrl=queue_url))
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    topic_arn = sns.create_topic(Name=learner_name(f"capstone-announce-{suffix}"))["TopicArn"]
    deployment.cleanups.append(lambda: sns.delete_topic(TopicArn=topic_arn))
    from ..inbox import Inbox

    inbox = Inbox.subscribe(topic_arn)
    deployment.cleanups.append(inbox.delete)
    deployment.arns.update(queue=queue_url, topic=topic_arn)
    deployment.inbox = inbox

    # The functions' role may read and write the machine's bucket (its jam markers).
    role_name = functions.execution_role_name()
    functions.execution_role()
    policy = f"capstone-machine-{suffix}"
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName=policy,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    }
                ],
            }
        ),
    )
    deployment.cleanups.append(
        lambda: iam.delete_role_policy(RoleName=role_name, PolicyName=policy)
    )
    check_name, machine_name = f"capstone-check-order-{suffix}", f"capstone-wrap-{suffix}"
    checker = functions.deploy_function(check_name, folder / FUNCTION_DIR, timeout_s=10)
    deployment.cleanups.append(lambda: functions.delete_function(check_name))
    deployment.cleanups.append(lambda: _delete_log_group(check_name))
    deployment.jam = _order_id("jam")
    machine = functions.deploy_function(
        machine_name,
        MACHINE,
        timeout_s=10,
        environment={"JAM_BUCKET": bucket, "JAM_ORDERS": deployment.jam},
    )
    deployment.cleanups.append(lambda: functions.delete_function(machine_name))
    deployment.cleanups.append(lambda: _delete_log_group(machine_name))
    deployment.arns.update(check=checker.arn, machine=machine.arn)

    workflow_role = learner_name(f"capstone-workflow-{suffix}")
    role_arn = iam.create_role(
        RoleName=workflow_role, AssumeRolePolicyDocument=json.dumps(trust_policy("states"))
    )["Role"]["Arn"]
    deployment.cleanups.append(lambda: iam.delete_role(RoleName=workflow_role))
    iam.put_role_policy(
        RoleName=workflow_role,
        PolicyName="capstone",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": [
                            checker.arn,
                            machine.arn,
                            f"{checker.arn}:*",
                            f"{machine.arn}:*",
                        ],
                    },
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
                    {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
                ],
            }
        ),
    )
    deployment.cleanups.append(
        lambda: iam.delete_role_policy(RoleName=workflow_role, PolicyName="capstone")
    )
    definition = (folder / WORKFLOW_FILE).read_text(encoding="utf-8")
    for placeholder, value in zip(
        PLACEHOLDERS, (checker.arn, machine.arn, queue_url, topic_arn), strict=True
    ):
        definition = definition.replace(placeholder, value)
    sfn = clients.client("stepfunctions")
    name = learner_name(f"capstone-gift-wrapping-{suffix}")
    try:  # a new role takes a few seconds to be usable in AWS
        arn = when_role_ready(
            lambda: sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn)[
                "stateMachineArn"
            ]
        )
    except sfn.exceptions.InvalidDefinition as error:
        raise _Refused(error.response["Error"]["Message"]) from None
    deployment.cleanups.append(lambda: sfn.delete_state_machine(stateMachineArn=arn))
    deployment.arns["workflow"] = arn


def _delete_log_group(function: str) -> None:
    from ..learner import name as learner_name

    logs = clients.client("logs")
    with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
        logs.delete_log_group(logGroupName=f"/aws/lambda/{learner_name(function)}")


def _object_exists(bucket: str, key: str) -> bool:
    s3 = clients.client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def _quarantined(queue_url: str, wait_s: float = 5.0) -> list[str]:
    sqs = clients.client("sqs")
    bodies: list[str] = []
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        bodies += [m["Body"] for m in answer.get("Messages", [])]
        if bodies:
            break
    return bodies


# -- the behaviours --------------------------------------------------------------------------------

_HINTS = {
    "jsonata": 'put "QueryLanguage": "JSONata" at the top of the definition: every state then '
    "writes its data with Arguments, Output and Assign, and expressions go in {% %}.",
    "accepted": "read Step Functions' message above: it names the state and the field. Every "
    "Task needs a Resource, every state a Next or End, and StartAt must name a state.",
    "check_order": "check_order/app.py must raise an exception named BadOrder (a class "
    "BadOrder(Exception) in the file) for an order with no gift, an empty gift, or a paper "
    f"that is not one of {', '.join(PAPERS)}, and return the order when it is good.",
    "deployed": "the message above says what failed; check that check_order/app.py defines "
    "lambda_handler, and run check() again (offline, `workshop cloud status` shows whether "
    "the local cloud is up).",
    "good": "a good order goes CheckOrder -> Wrap -> Announce: Wrap calls ${WrapMachineArn} "
    "with the order, Announce is arn:aws:states:::sns:publish with TopicArn "
    "${AnnounceTopicArn} and a Message that holds the orderId and the machine's parcel.",
    "bad": "catch BadOrder on the state that runs check_order (Catch with ErrorEquals "
    '["BadOrder"]) and go to a state that sends the order and the error to the quarantine: '
    "arn:aws:states:::sqs:sendMessage with QueueUrl ${QuarantineQueueUrl}. In a catcher the "
    "error is $states.errorOutput; keep the order in a variable (Assign) to send it too.",
    "jam": "the machine sometimes raises MachineJammed and works when tried again: give the "
    'Wrap state a Retry with ErrorEquals ["MachineJammed"], an IntervalSeconds of 1 and a '
    "few MaxAttempts.",
}


BEHAVIOURS = (
    "Written in JSONata",
    "check_order accepts good orders and raises BadOrder for bad ones",
    "A good order is wrapped and announced",
    "A bad order goes to quarantine with its error, unwrapped",
    "A jammed machine is tried again",
)
"""What the brief asks for; the verdict counts these."""
REFUSED = "Step Functions accepts the definition"
DEPLOYED = "Your files deploy"
RUN_TIMEOUT_S = 120
_RUNS = (
    ("check_order", BEHAVIOURS[1]),
    ("good", BEHAVIOURS[2]),
    ("bad", BEHAVIOURS[3]),
    ("jam", BEHAVIOURS[4]),
)


def _behaviours(folder: Path) -> list[Behaviour]:
    found: list[Behaviour] = []
    try:
        definition = json.loads((folder / WORKFLOW_FILE).read_text(encoding="utf-8"))
    except ValueError as error:
        return [Behaviour("The definition is valid JSON", False, str(error), _HINTS["accepted"])]
    jsonata = isinstance(definition, dict) and definition.get("QueryLanguage") == "JSONata"
    found.append(
        Behaviour(
            BEHAVIOURS[0],
            jsonata,
            "QueryLanguage is JSONata."
            if jsonata
            else "the definition is in JSONPath (no top-level QueryLanguage JSONata).",
            _HINTS["jsonata"],
        )
    )
    if not (folder / FUNCTION_DIR / "app.py").is_file():
        missing = f"not run: there is no {FUNCTION_DIR}/app.py in {folder}."
        return found + [Behaviour(name, False, missing, _HINTS[key]) for key, name in _RUNS]

    deployment = _Deployment(uuid.uuid4().hex[:6])
    try:
        try:
            _deploy(folder, deployment)
        except _Refused as error:
            found.append(Behaviour(REFUSED, False, str(error)[:600], _HINTS["accepted"]))
            skipped = "not run: Step Functions refused the definition (see above)."
            found += [Behaviour(name, False, skipped, _HINTS[key]) for key, name in _RUNS]
            return found
        except Exception as error:  # the check's own deployment failed: say where
            message = getattr(error, "response", {}).get("Error", {}).get("Message") or str(error)
            found.append(Behaviour(DEPLOYED, False, message[:600], _HINTS["deployed"]))
            skipped = "not run: the deployment failed (see above)."
            found += [Behaviour(name, False, skipped, _HINTS[key]) for key, name in _RUNS]
            return found
        found.append(_check_order_behaviour(deployment))
        good_id, bad_id, jam_id = _order_id("good"), _order_id("bad"), deployment.jam
        runs = {
            order_id: _run(deployment.arns["workflow"], {"orderId": order_id, **order})
            for order_id, order in (
                (good_id, _GOOD),
                (bad_id, _BAD_ORDERS[1]),
                (jam_id, {"gift": "a snow globe", "paper": "red"}),
            )
        }
        announced = "\n".join(m.message for m in deployment.inbox.messages(wait_s=5, expected=2))
        quarantined = _quarantined(deployment.arns["queue"])
        bucket = deployment.names["bucket"]
        found.append(_good_behaviour(runs[good_id], good_id, announced, bucket))
        found.append(_bad_behaviour(runs[bad_id], bad_id, announced, quarantined, bucket))
        found.append(_jam_behaviour(runs[jam_id], jam_id, announced, bucket))
    finally:
        deployment.remove()
    return found


def _run(arn: str, order: dict[str, Any]) -> Any:
    """The finished execution, or an `_Unfinished` saying why there is none."""
    from ..executions import run

    try:
        return run(arn, order, live=False, timeout=RUN_TIMEOUT_S)
    except Exception as error:  # a workflow that waits forever, or that cannot start
        return _Unfinished(f"{type(error).__name__}: {error}"[:300])


def _check_order_behaviour(deployment: _Deployment) -> Behaviour:
    from ..functions import invoke

    name = deployment.arns["check"].split(":")[-1]
    problems = []
    good = {"orderId": _order_id("good"), **_GOOD}
    answer = invoke(name, good)
    if not answer.ok:
        problems.append(f"a good order {json.dumps(good)} failed with {answer.payload}")
    for order in _BAD_ORDERS:
        order = {"orderId": _order_id("bad"), **order}
        answer = invoke(name, order)
        error = (answer.payload or {}).get("errorType") if not answer.ok else None
        if error != "BadOrder":
            what = "was accepted" if answer.ok else f"raised {error}, not BadOrder"
            problems.append(f"the bad order {json.dumps(order)} {what}")
    return Behaviour(
        BEHAVIOURS[1],
        not problems,
        "; ".join(problems) if problems else "1 good and 3 bad orders, each judged right.",
        _HINTS["check_order"],
    )


def _good_behaviour(execution: Any, order_id: str, announced: str, bucket: str) -> Behaviour:
    problems = []
    if execution.status != "SUCCEEDED":
        problems.append(f"the run ended {execution.status} ({execution.error}: {execution.cause})")
    if not _object_exists(bucket, f"wrapped/{order_id}"):
        problems.append("the wrapping machine never wrapped it")
    if order_id not in announced:
        problems.append("no announcement on the topic names the order")
    return Behaviour(
        BEHAVIOURS[2],
        not problems,
        "; ".join(problems) + "." if problems else "wrapped, announced, the run succeeded.",
        _HINTS["good"],
    )


def _bad_behaviour(
    execution: Any, order_id: str, announced: str, quarantined: list[str], bucket: str
) -> Behaviour:
    problems = []
    held = [body for body in quarantined if order_id in body]
    if execution.status not in ("SUCCEEDED", "FAILED"):
        problems.append(f"the run ended {execution.status}")
    if not held:
        problems.append(
            f"nothing reached the quarantine queue for it (the run ended {execution.status}"
            + (f" with {execution.error}" if execution.error else "")
            + ")"
        )
    elif not any("BadOrder" in body for body in held):
        problems.append("it reached the quarantine without its error (BadOrder)")
    if _object_exists(bucket, f"wrapped/{order_id}"):
        problems.append("it was wrapped anyway")
    if order_id in announced:
        problems.append("it was announced as wrapped")
    return Behaviour(
        BEHAVIOURS[3],
        not problems,
        "; ".join(problems) + "." if problems else "quarantined with BadOrder, never wrapped.",
        _HINTS["bad"],
    )


def _jam_behaviour(execution: Any, order_id: str, announced: str, bucket: str) -> Behaviour:
    problems = []
    jammed = _object_exists(bucket, f"jammed/{order_id}")
    if not jammed:
        problems.append("the machine was never reached for it")
    elif execution.status != "SUCCEEDED" or not _object_exists(bucket, f"wrapped/{order_id}"):
        problems.append(
            f"the machine jammed once (MachineJammed) and was not tried again: the run ended "
            f"{execution.status}" + (f" with {execution.error}" if execution.error else "")
        )
    elif order_id not in announced:
        problems.append("wrapped on the second try, but never announced")
    return Behaviour(
        BEHAVIOURS[4],
        not problems,
        "; ".join(problems) + "." if problems else "jammed once, retried, wrapped, announced.",
        _HINTS["jam"],
    )


# -- the exercise ----------------------------------------------------------------------------------


class Capstone(Exercise):
    """An exercise whose answer is a folder, checked by deploying and running it."""

    deploys = True

    def evaluate(self, answer: Any) -> CapstoneOutcome:
        folder = _folder(answer)
        why = _not_attempted(folder)
        if why is not None:
            return CapstoneOutcome(self.title, "not attempted", why)
        assert folder is not None
        behaviours = tuple(_behaviours(folder))
        passed = sum(b.passed for b in behaviours if b.name in BEHAVIOURS)
        if passed == len(BEHAVIOURS) and all(b.passed for b in behaviours):
            return CapstoneOutcome(
                self.title,
                "correct",
                f"all {passed} behaviours pass: the gift-wrapping queue does what the brief asks.",
                behaviours=behaviours,
            )
        failing = [b for b in behaviours if not b.passed]
        message = f"{passed} of {len(BEHAVIOURS)} behaviours pass. " + " ".join(
            str(b) for b in failing
        )
        return CapstoneOutcome(self.title, "incorrect", message, behaviours=behaviours)

    def check(self, answer: Any = ____) -> Outcome:
        outcome = self.evaluate(answer)
        record(self.notebook, self.key, outcome.status)
        from ..room import report_check

        report_check(self, outcome)
        display(outcome)
        return replace(outcome, shown_in_cell=current_cell())

    def solution(self) -> None:
        display(
            HTML(
                protect(
                    f"<div style='border-left:4px solid {theme.INFO};padding:2px 10px'>"
                    "The capstone has no solution to show: the hints of check() say, behaviour "
                    "by behaviour, what is missing. Ask your instructor when you are stuck.</div>"
                )
            )
        )


def _solution_cells() -> tuple[str, str]:
    """The reference check_order and workflow, from the instructor notebook's solution cells."""
    import nbformat

    notebook = nbformat.read(_REFERENCE_NOTEBOOK, as_version=4)
    handler = workflow = None
    for cell in notebook.cells:
        if cell.cell_type != "code" or "# BEGIN SOLUTION" not in cell.source:
            continue
        if cell.source.startswith(f"%%writefile capstone/{FUNCTION_DIR}/app.py"):
            handler = cell.source.split("\n", 1)[1]
        elif "workflow = " in cell.source:
            block = re.search(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", cell.source, re.DOTALL)
            workflow = block.group(1) if block else None
    if handler is None or workflow is None:
        raise RuntimeError(f"{_REFERENCE_NOTEBOOK} lost its capstone solution cells")
    return handler, workflow


def reference_folder(**changes: Callable[[dict[str, Any]], None] | str) -> Path:
    """A folder holding the instructor's solution; `workflow=` edits the definition (a function
    of the dict) and `handler=` replaces check_order's source, for wrong answers in tests."""
    handler, workflow_code = _solution_cells()
    namespace: dict[str, Any] = {}
    exec(workflow_code, namespace)
    definition = namespace["workflow"]
    edit = changes.get("workflow")
    if callable(edit):
        edit(definition)
    folder = Path(tempfile.mkdtemp(prefix="capstone-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / FUNCTION_DIR).mkdir()
    new_handler = changes.get("handler")
    (folder / FUNCTION_DIR / "app.py").write_text(
        new_handler if isinstance(new_handler, str) else handler, encoding="utf-8"
    )
    (folder / WORKFLOW_FILE).write_text(json.dumps(definition, indent=2), encoding="utf-8")
    return folder


class _Wrong:
    """A wrong answer built on demand (a folder), so importing the module deploys nothing."""

    def __init__(self, label: str, **changes: Any) -> None:
        self.label, self.changes = label, changes

    def __fspath__(self) -> str:
        return str(reference_folder(**self.changes))

    def __repr__(self) -> str:
        return f"<capstone: {self.label}>"


def _no_retry(workflow: dict[str, Any]) -> None:
    for state in workflow["States"].values():
        state.pop("Retry", None)


def _no_catch(workflow: dict[str, Any]) -> None:
    """No Catch, and no quarantine states (they would be unreachable)."""
    states = workflow["States"]
    for state in states.values():
        state.pop("Catch", None)
    for name in [
        n
        for n, state in states.items()
        if "Quarantine" in json.dumps(state) or state.get("Type") == "Fail"
    ]:
        del states[name]


def _quarantine_without_error(workflow: dict[str, Any]) -> None:
    for state in workflow["States"].values():
        if "sqs:sendMessage" in str(state.get("Resource")):
            state["Arguments"]["MessageBody"] = "{% $order %}"


def _misspelt_next(workflow: dict[str, Any]) -> None:
    workflow["States"]["Wrap"]["Next"] = "Anounce"


def _retry_on_lambda_errors(workflow: dict[str, Any]) -> None:
    for state in workflow["States"].values():
        for rule in state.get("Retry", []):
            rule["ErrorEquals"] = ["Lambda.ServiceException", "Lambda.TooManyRequestsException"]


def _jsonpath(workflow: dict[str, Any]) -> None:
    workflow.pop("QueryLanguage", None)


_LENIENT = """class BadOrder(Exception):
    pass


def lambda_handler(event, context):
    return event
"""

capstone = Capstone(
    key="capstone",
    notebook=NOTEBOOK,
    title="The gift-wrapping queue",
    checker=lambda answer: None,
    hints=[
        "Start with the happy path: CheckOrder -> Wrap -> Announce, and check(): the good "
        "order's behaviour tells you when it works. Then add the Catch, then the Retry.",
        "Each behaviour that fails comes with its own hint in check()'s table.",
        "Reread notebook 09 (JSONata: Arguments, Output, Assign, $states.errorOutput in a "
        "catcher) and notebook 03 (Retry and Catch).",
    ],
    solution_code="",
    solution_value=reference_folder,
    known_wrong=[
        (_Wrong("no Retry", workflow=_no_retry), "was not tried again"),
        (_Wrong("no Catch", workflow=_no_catch), "nothing reached the quarantine"),
        (_Wrong("no error", workflow=_quarantine_without_error), "without its error"),
        (_Wrong("Retry on Lambda's errors", workflow=_retry_on_lambda_errors), "not tried again"),
        (_Wrong("JSONPath", workflow=_jsonpath), "in JSONPath"),
        (_Wrong("a Next to no state", workflow=_misspelt_next), "refused the definition"),
        (_Wrong("accepts everything", handler=_LENIENT), "was accepted"),
    ],
)
