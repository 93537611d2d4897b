"""Where the local cloud fills moto's gaps. Every patch to moto lives in this one module.

Each patch is small and names the gap it fills. `tests/test_cloud_upstream.py` checks every
gap against plain moto, so it fails (and tells us to drop a patch) when upstream fixes one.

1. Lambda code runs: moto only runs handlers in Docker and otherwise echoes. Invokes go to our
   runtime (workshop_lib.lambda_runtime) instead; deleting a function retires its environments.
2. S3 event notifications invoke Lambda asynchronously, with the event fields AWS sends
   (versionId, sequencer), instead of holding up the PutObject that caused them.
3. Executions started without a name get a unique one (moto names them all "None").
4. Retry intervals and Wait states follow the configurable time scale instead of sleeping in
   real time.
5. Errors from the execution environment itself (timeout, out of memory, crash) reach Step
   Functions as `Lambda.Unknown`, as AWS documents, and Lambda API errors (throttling) as
   `Lambda.<ErrorCode>` for every Task form, instead of moto's generic "Exception".
6. The Step Functions interpreter reuses its clients, and calls Lambda in process.
7. moto's dispatcher stops listing its own package directory on every request.
8. CloudFormation state machines: DefinitionSubstitutions (what SAM templates use), an inline
   Definition, the type (STANDARD/EXPRESS) and logging are honoured, and the machine is created
   where executions run (moto puts CloudFormation's in a backend that cannot execute).
9. CloudFormation buckets: NotificationConfiguration (S3 -> Lambda/SQS/SNS, with prefix and
   suffix filters) and VersioningConfiguration are applied.
10. Executions of a state machine with a LoggingConfiguration write their history to its
    CloudWatch Logs group (the only history Express workflows have on AWS).
11. StartSyncExecution exists (Express workflows), with AWS's billing details.
12. Lambda and Step Functions publish their standard CloudWatch metrics.
13. A stack whose resource fails to create rolls back (CREATE_FAILED event with the reason,
    ROLLBACK_COMPLETE, created resources removed), as CloudFormation does, instead of moto's
    raw server error and a stack stuck in progress.
14. A Choice rule on a field that is not in the input fails the execution with States.Runtime
    ("Invalid path ..."), as AWS does, instead of quietly counting as false. IsPresent still
    tests for a missing field.
15. A definite JSONPath through an array index (`$[0].resized`, the usual way to read a
    Parallel state's results) selects the one value, as on AWS, instead of a one-item list.
16. Today's ASL as AWS runs it: JSONata, variables, TestState and AWS-exact results
    (`_conformance.py` and the modules it names).
17. Redrive, callbacks (task tokens), Distributed Map and direct service integrations as AWS
    runs them (`_orchestration.py` and the modules it names).
18. What `sam deploy` needs from CloudFormation: the SAM transform on the server, change sets
    that give stacks their outputs or roll back, templates and definitions in S3, REST APIs
    from an OpenAPI body (`_sam_deploys.py`).
19. A stack update whose only change is a parameter's value (a new default, as `workshop
    deploy --parameter` sends it) updates the resources that use it (`_stack_parameters.py`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..lambda_runtime import CodeSource, FunctionSpec, LambdaRuntime, ThrottledError
from . import _stack_parameters
from ._after_import import after_import
from ._conformance import install as _current_step_functions
from ._orchestration import install as _orchestration_patterns
from ._sam_deploys import install as _sam_deploys
from ._sfn_results import state_failure

_SANDBOX_ERRORS = frozenset({"Sandbox.Timedout", "Runtime.OutOfMemory", "Runtime.ExitError"})


class Settings:
    """Mutable settings of the running cloud (changed through /_workshop/config)."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale


def apply(runtime: LambdaRuntime, settings: Settings, port: int) -> None:
    """Patch moto. Each patch runs when moto first imports the module it changes, so the
    cloud starts without importing services nobody has used yet."""
    _configure_moto()
    _cache_service_list()
    _publish_lambda_metrics(runtime)
    after_import("moto.awslambda.models", lambda: _run_lambda_code(runtime))
    after_import("moto.s3.models", lambda: _invoke_from_s3_asynchronously(runtime))
    after_import("moto.s3.models", _buckets_from_cloudformation)
    after_import("moto.stepfunctions.models", _state_machines_from_cloudformation)
    after_import("moto.stepfunctions.responses", _start_sync_execution)
    after_import("moto.cloudformation.models", _roll_back_failed_stacks)
    after_import("moto.cloudformation.models", _sam_deploys)
    after_import("moto.cloudformation.parsing", _stack_parameters.install)
    after_import("moto.stepfunctions.parser.models", _current_step_functions)
    after_import("moto.stepfunctions.parser.models", lambda: _orchestration_patterns(settings))
    for patch in (
        _name_unnamed_executions,
        lambda: _scale_retry_and_wait(settings),
        _name_sandbox_errors_like_aws,
        lambda: _reuse_interpreter_clients(port, runtime.credentials),
        _log_executions_to_cloudwatch,
        _publish_execution_metrics,
        _fail_choice_on_missing_field,
        _definite_paths_select_one_value,
    ):
        after_import("moto.stepfunctions.parser.models", patch)


# -- 1. Lambda --------------------------------------------------------------------------------


def function_spec(fn: Any) -> FunctionSpec:
    """Describe a moto LambdaFunction for the runtime."""
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn.split(":$LATEST")[0],
        version=str(fn.version),
        handler=fn.handler or "",
        runtime=fn.run_time or "python3.12",
        memory_mb=int(fn.memory_size or 128),
        timeout_s=float(fn.timeout or 3),
        code=CodeSource(fn.code_sha_256, lambda: fn.code_bytes),
        # CloudFormation can hand over numbers (a Number parameter); Lambda stores strings.
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        region=fn.region,
        account_id=fn.account_id,
        reserved_concurrency=(
            int(fn.reserved_concurrency) if fn.reserved_concurrency not in (None, "") else None
        ),
        async_max_retries=_async_retries(fn),
    )


def _async_retries(fn: Any) -> int:
    for config in getattr(fn, "event_invoke_config", []) or []:
        value = getattr(config, "config", {}).get("MaximumRetryAttempts")
        if value is not None:
            return int(value)
    return 2


def _run_lambda_code(runtime: LambdaRuntime) -> None:
    from moto.awslambda import models
    from moto.awslambda.exceptions import LambdaClientError

    class TooManyRequests(LambdaClientError):
        code = 429

        def __init__(self, message: str) -> None:
            super().__init__("TooManyRequestsException", message)

    class RequestTooLarge(LambdaClientError):
        code = 413

        def __init__(self, message: str) -> None:
            super().__init__("RequestTooLargeException", message)

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
        event = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        headers = {str(k).lower(): v for k, v in dict(request_headers or {}).items()}
        invocation_type = headers.get("x-amz-invocation-type", "RequestResponse")
        spec = function_spec(self)
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            if len(event) > 1024 * 1024:
                raise RequestTooLarge(
                    "Request must be smaller than 1048576 bytes for the InvokeFunction operation"
                )
            runtime.invoke_async(spec, event)
            return b""
        if len(event) > 6 * 1024 * 1024:
            raise RequestTooLarge(
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
            )
        client_context = headers.get("x-amz-client-context")
        try:
            outcome = runtime.invoke(spec, event, client_context=client_context)
        except ThrottledError as error:
            publish_metrics(
                spec.account_id,
                spec.region,
                "AWS/Lambda",
                [("Throttles", 1, "Count")],
                {"FunctionName": spec.name},
            )
            raise TooManyRequests(str(error)) from None
        if outcome.failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = spec.version
        response_headers["x-amzn-RequestId"] = outcome.request_id  # as AWS answers
        if outcome.cpu_ms is not None:
            # Local extra (AWS has no such header): power tuning's offline model uses it.
            response_headers["x-workshop-cpu-ms"] = f"{outcome.cpu_ms:.3f}"
        response_headers["x-amz-log-result"] = base64.b64encode(
            outcome.log_tail().encode("utf-8")
        ).decode("ascii")
        return outcome.payload

    models.LambdaFunction.invoke = invoke

    original_delete = models.LambdaBackend.delete_function

    def delete_function(self: Any, function_name: str, qualifier: str | None = None) -> None:
        arn = function_spec(self.get_function(function_name)).arn
        original_delete(self, function_name, qualifier)
        runtime.retire(arn, qualifier)  # as on AWS, a deleted function's warm environments go

    models.LambdaBackend.delete_function = delete_function


# -- 2. S3 -> Lambda ----------------------------------------------------------------------------


def _invoke_from_s3_asynchronously(runtime: LambdaRuntime) -> None:
    from moto.s3 import notifications

    original_event = notifications._get_s3_event
    sequencer = _Sequencer()

    def s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict:
        event = original_event(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["eventVersion"] = "2.1"
            record["userIdentity"] = {"principalId": "AWS:WORKSHOP"}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": uuid.uuid4().hex,
            }
            s3_object = record["s3"]["object"]
            s3_object["sequencer"] = sequencer.next()
            version = getattr(key, "version_id", None)
            if version and version != "null":
                s3_object["versionId"] = version
        return event

    def invoke_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        from moto.awslambda.utils import get_backend

        try:
            fn = get_backend(account_id, region_name).get_function(fn_arn)
        except Exception:  # the function is gone: AWS drops the event too
            return
        runtime.invoke_async(function_spec(fn), json.dumps(event_body).encode("utf-8"))

    notifications._get_s3_event = s3_event
    notifications._invoke_awslambda = invoke_lambda


class _Sequencer:
    """S3's `sequencer`: a hex value that grows with every event for ordering."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return f"{self._last:016X}"


# -- Step Functions -------------------------------------------------------------------------------


def _configure_moto() -> None:
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    # Roles attach AWS managed policies (AWSLambdaBasicExecutionRole, ...), as in SAM templates.
    default_user_config.setdefault("iam", {})["load_aws_managed_policies"] = True


def _name_unnamed_executions() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original: Callable[..., Any] = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    StepFunctionsParserBackend.start_execution = start_execution


def _scale_retry_and_wait(settings: Settings) -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    class ScaledTime:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(max(0.0, seconds) * settings.time_scale)

    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, wait_seconds) * settings.time_scale
        while env.is_running():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if env.program_state_event.wait(remaining) and not env.is_running():
                return

    retrier_decl.time = ScaledTime()
    wait_function.WaitFunction._wait_interval = wait_interval


def _name_sandbox_errors_like_aws() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils,
        state_task_lambda,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda,
    )

    def is_sandbox_error(ex: Exception) -> bool:
        if not isinstance(ex, lambda_eval_utils.LambdaFunctionErrorException):
            return False
        try:
            payload = json.loads(ex.payload)
        except ValueError:
            return True
        error_type = payload.get("errorType") if isinstance(payload, dict) else None
        return error_type is None or error_type in _SANDBOX_ERRORS

    from botocore.exceptions import ClientError

    def lambda_service_error(ex: Exception) -> tuple[str, str] | None:
        # A Lambda API error (throttling, say) is Lambda.<ErrorCode>, whichever Task form
        # called it; moto names it so only for arn:aws:states:::lambda:invoke.
        if isinstance(ex, ClientError):
            return state_task_service_lambda.StateTaskServiceLambda._error_cause_from_client_error(
                ex
            )
        return None

    for cls in (
        state_task_lambda.StateTaskLambda,
        state_task_service_lambda.StateTaskServiceLambda,
    ):
        original = cls._from_error

        def from_error(self: Any, env: Any, ex: Exception, _original: Any = original) -> Any:
            failure = _original(self, env, ex)
            renamed: tuple[str, str | None] | None = None
            if is_sandbox_error(ex):
                # The cause keeps Lambda's own payload; only the error name changes.
                renamed = ("Lambda.Unknown", None)
            else:
                service_error = lambda_service_error(ex)
                if service_error is not None:
                    renamed = service_error
            if renamed is not None:
                name, cause = renamed
                failure.error_name = CustomErrorName(name)
                for details in (failure.event_details or {}).values():
                    if isinstance(details, dict) and "error" in details:
                        details["error"] = name
                        if cause is not None:
                            details["cause"] = cause
            return failure

        cls._from_error = from_error


def _reuse_interpreter_clients(port: int, credentials: tuple[str, str]) -> None:
    import boto3
    from moto.stepfunctions.parser.asl.utils import boto_client

    cache: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    class CachingBoto3:
        def __getattr__(self, name: str) -> Any:
            return getattr(boto3, name)

        @staticmethod
        def client(service_name: str, region_name: str, **kwargs: Any) -> Any:
            key = (service_name, region_name)
            with lock:
                if key not in cache:
                    if service_name == "lambda":
                        cache[key] = _InProcessLambda(region_name)
                    else:
                        kwargs["endpoint_url"] = f"http://127.0.0.1:{port}"
                        # Signed with the owner's key pair: the cloud refuses anything else.
                        kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"] = credentials
                        cache[key] = boto3.client(
                            service_name=service_name, region_name=region_name, **kwargs
                        )
                return cache[key]

    boto_client.boto3 = CachingBoto3()


class _InProcessLambda:
    """The interpreter's Lambda client, calling the Lambda backend without an HTTP round trip.

    It answers like boto3's `invoke`: StatusCode, FunctionError, ExecutedVersion and a
    readable Payload; service errors become botocore ClientErrors (Lambda.<Code> in Step
    Functions), exactly as they would over HTTP.
    """

    def __init__(self, region: str) -> None:
        self.region = region

    def invoke(self, **parameters: Any) -> dict[str, Any]:
        import io

        from botocore.exceptions import ClientError
        from moto.awslambda.utils import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.core.exceptions import JsonRESTError

        payload = parameters.get("Payload") or b"{}"
        headers = {"x-amz-invocation-type": parameters.get("InvocationType", "RequestResponse")}
        if parameters.get("LogType"):
            headers["x-amz-log-type"] = parameters["LogType"]
        response_headers: dict[str, Any] = {}
        try:
            backend = get_backend(DEFAULT_ACCOUNT_ID, self.region)
            body = backend.invoke(
                parameters["FunctionName"],
                parameters.get("Qualifier"),
                payload,
                headers,
                response_headers,
            )
        except JsonRESTError as error:
            raise ClientError(
                {
                    "Error": {"Code": error.error_type, "Message": error.message},
                    "ResponseMetadata": {
                        "HTTPStatusCode": error.code,
                        "RequestId": uuid.uuid4().hex,
                    },
                },
                "Invoke",
            ) from None
        event_invoke = headers["x-amz-invocation-type"] == "Event"
        response: dict[str, Any] = {
            "StatusCode": 202 if event_invoke else 200,
            "ExecutedVersion": response_headers.get("x-amz-executed-version", "$LATEST"),
            "ResponseMetadata": {"RequestId": response_headers.get("x-amzn-RequestId", "")},
            "Payload": io.BytesIO(body if isinstance(body, bytes) else (body or "").encode()),
        }
        if "x-amz-function-error" in response_headers:
            response["FunctionError"] = response_headers["x-amz-function-error"]
        if parameters.get("LogType") == "Tail":
            response["LogResult"] = response_headers.get("x-amz-log-result", "")
        return response


# -- 7. the server's dispatcher -------------------------------------------------------------------


def _cache_service_list() -> None:
    from moto import backends

    # moto lists its own package directory (a stat per entry) on every request to find the
    # service; the list never changes while the server runs.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


# -- 8. CloudFormation state machines --------------------------------------------------------------


def state_machine_definition(properties: dict[str, Any]) -> str:
    """The definition CloudFormation would create: inline or string, substitutions applied."""
    definition = properties.get("DefinitionString") or properties.get("Definition") or ""
    if not isinstance(definition, str):
        definition = json.dumps(definition)
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    return definition


def _state_machines_from_cloudformation() -> None:
    from moto.stepfunctions import models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends
    from moto.utilities.tagging_service import TaggingService

    def backend(account_id: str, region_name: str) -> Any:
        return stepfunctions_parser_backends[account_id][region_name]

    def options(properties: dict[str, Any]) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        if properties.get("StateMachineType"):
            chosen["sm_type"] = properties["StateMachineType"]
        for source, target in (
            ("LoggingConfiguration", "loggingConfiguration"),
            ("TracingConfiguration", "tracingConfiguration"),
        ):
            if properties.get(source):
                chosen[target] = _lower_first_keys(properties[source])
        return chosen

    def tags(properties: dict[str, Any]) -> list[dict[str, str]]:
        raw = properties.get("Tags") or []
        flat = TaggingService().flatten_tag_list(raw) if isinstance(raw, list) else dict(raw)
        return [{"key": k, "value": v} for k, v in flat.items()]

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json["Properties"]
        return backend(account_id, region_name).create_state_machine(
            properties.get("StateMachineName", resource_name),
            state_machine_definition(properties),
            properties.get("RoleArn", ""),
            tags=tags(properties),
            **options(properties),
        )

    def delete(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        backend(account_id, region_name).delete_state_machine(resource_name)

    def update(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        chosen = backend(account_id, region_name)
        updates = options(properties)
        return chosen.update_state_machine(
            original_resource.arn,
            definition=state_machine_definition(properties),
            role_arn=properties.get("RoleArn"),
            logging_configuration=updates.get("loggingConfiguration"),
            tracing_configuration=updates.get("tracingConfiguration"),
        )

    models.StateMachine.create_from_cloudformation_json = classmethod(create)
    models.StateMachine.delete_from_cloudformation_json = classmethod(delete)
    models.StateMachine.update_from_cloudformation_json = classmethod(update)


def _lower_first_keys(value: Any) -> Any:
    """CloudFormation spells API fields with a capital (Level, Destinations): lower them."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower_first_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_first_keys(v) for v in value]
    return value


# -- 9. CloudFormation buckets ---------------------------------------------------------------------


def bucket_notifications(configuration: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration in the shape moto's S3 backend stores."""
    kinds = (
        ("LambdaConfigurations", "CloudFunctionConfiguration", "Function", "CloudFunction"),
        ("QueueConfigurations", "QueueConfiguration", "Queue", "Queue"),
        ("TopicConfigurations", "TopicConfiguration", "Topic", "Topic"),
    )
    converted: dict[str, Any] = {}
    for cfn_name, api_name, cfn_target, api_target in kinds:
        entries = []
        for index, entry in enumerate(configuration.get(cfn_name) or []):
            item: dict[str, Any] = {
                "Id": entry.get("Id", f"{api_name}-{index}"),
                api_target: entry[cfn_target],
                "Event": [entry["Event"]],
            }
            rules = (entry.get("Filter") or {}).get("S3Key", {}).get("Rules")
            if rules:
                item["Filter"] = {
                    "S3Key": {
                        "FilterRule": [
                            {"Name": rule["Name"], "Value": rule["Value"]} for rule in rules
                        ]
                    }
                }
            entries.append(item)
        if entries:
            converted[api_name] = entries
    return converted


def _buckets_from_cloudformation() -> None:
    from moto.s3 import models

    original_create = models.FakeBucket.create_from_cloudformation_json.__func__
    original_update = models.FakeBucket.update_from_cloudformation_json.__func__

    def apply(bucket: Any, properties: dict[str, Any]) -> None:
        versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
        if versioning:
            bucket.versioning_status = versioning
        notifications = properties.get("NotificationConfiguration")
        if notifications is not None:
            bucket.set_notification_configuration(bucket_notifications(notifications))

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        bucket = original_create(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        apply(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    def update(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        bucket = original_update(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        apply(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    models.FakeBucket.create_from_cloudformation_json = classmethod(create)
    models.FakeBucket.update_from_cloudformation_json = classmethod(update)


# -- 10. execution logging ----------------------------------------------------------------------


class ExecutionLogSession:
    """Writes an execution's history events to CloudWatch Logs in AWS's format.

    moto ships a logging session it never switches on, and whose publishing fails; this one
    takes its place. Each record is JSON: id, previous_event_id, event_timestamp (epoch ms as a
    string), type, execution_arn and details, as AWS documents for Express workflows.
    """

    def __init__(self, execution_arn: str, state_machine_name: str, configuration: Any) -> None:
        import datetime

        self.execution_arn = execution_arn
        self.configuration = configuration
        day = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d-%H-%M")
        self.stream = f"states/{state_machine_name}/{day}/{execution_arn.rsplit(':', 1)[-1]}"

    def log_level_filter(self, history_event_type: Any) -> bool:
        from moto.stepfunctions.parser.asl.eval.event.logging import is_logging_enabled_for

        return is_logging_enabled_for(
            log_level=self.configuration.log_level, history_event_type=history_event_type
        )

    def publish_history_log(self, history_log: dict[str, Any]) -> None:
        import datetime

        from moto.logs.models import logs_backends

        stamp = history_log["event_timestamp"]
        if isinstance(stamp, str):
            stamp = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        millis = int(stamp.timestamp() * 1000)
        record = dict(history_log)
        record["event_timestamp"] = str(millis)
        record["type"] = getattr(record["type"], "value", str(record["type"]))
        backend = logs_backends[self.configuration.log_account_id][self.configuration.log_region]
        group = self.configuration.log_group_name
        with contextlib.suppress(Exception):  # logging must never fail the execution
            backend.ensure_log_stream(group, self.stream)
            backend.put_log_events(
                group, self.stream, [{"timestamp": millis, "message": json.dumps(record)}]
            )


def _log_executions_to_cloudwatch() -> None:
    from moto.stepfunctions.parser.asl.eval.event.logging import CloudWatchLoggingConfiguration
    from moto.stepfunctions.parser.backend import execution as execution_module

    original_init = execution_module.Execution.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        configuration = dict(getattr(self.state_machine, "loggingConfiguration", None) or {})
        configuration.setdefault("includeExecutionData", False)
        try:
            logging_config = CloudWatchLoggingConfiguration.from_logging_configuration(
                state_machine_arn=self.state_machine.arn, logging_configuration=configuration
            )
        except (KeyError, ValueError, IndexError):
            logging_config = None
        self._cloud_watch_logging_session = (
            ExecutionLogSession(self.exec_arn, self.state_machine.name, logging_config)
            if logging_config is not None
            else None
        )

    execution_module.Execution.__init__ = init


# -- 11. StartSyncExecution ---------------------------------------------------------------------


def start_sync_execution(
    backend: Any, state_machine_arn: str, name: str | None, execution_input: str | None
) -> dict[str, Any]:
    """Run an Express execution to the end and answer like AWS's StartSyncExecution."""
    import copy
    import datetime
    import math

    from moto.core.exceptions import JsonRESTError
    from moto.stepfunctions.parser.backend.execution import SyncExecution

    state_machine = backend.describe_state_machine(state_machine_arn)
    # moto keeps the real type in `type` (its `sm_type` always says STANDARD).
    if str(getattr(state_machine, "type", "STANDARD")).upper() != "EXPRESS":
        raise JsonRESTError(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )
    input_data = execution_input or "{}"
    try:
        json.loads(input_data)
    except ValueError as error:
        raise JsonRESTError("InvalidExecutionInput", str(error)) from None
    clone = copy.deepcopy(
        state_machine,
        {id(state_machine.executions): [], id(state_machine.backend): state_machine.backend},
    )
    execution_name = name or str(uuid.uuid4())
    arn = state_machine.arn.replace(":stateMachine:", ":express:") + (
        f":{execution_name}:{uuid.uuid4()}"
    )
    execution = SyncExecution(
        name=execution_name,
        sm_type=clone.type,
        role_arn=clone.roleArn,
        exec_arn=arn,
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=clone,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        input_data=input_data,
        trace_header=None,
        activity_store={},
    )
    execution.start()
    output = dict(execution.to_start_sync_execution_output())
    elapsed_ms = (output["stopDate"] - output["startDate"]).total_seconds() * 1000
    # Express bills memory in 64 MB steps and duration in 100 ms steps.
    output["billingDetails"] = {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": max(100, math.ceil(elapsed_ms / 100) * 100),
    }
    return output


def _start_sync_execution() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def handler(self: Any) -> Any:
        output = start_sync_execution(
            self.stepfunction_backend,
            self._get_param("stateMachineArn"),
            self._get_param("name"),
            self._get_param("input", if_none="{}"),
        )
        return ActionResult(output)

    StepFunctionResponse.start_sync_execution = handler


# -- 12. CloudWatch metrics ---------------------------------------------------------------------


def publish_metrics(
    account_id: str,
    region: str,
    namespace: str,
    values: list[tuple[str, float, str]],
    dimensions: dict[str, str],
) -> None:
    """Record metric values in the local CloudWatch, the way the AWS service would."""
    import datetime

    from moto.cloudwatch.models import cloudwatch_backends

    # moto stores metric timestamps as naive UTC, like the ones its API parses.
    now = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    dimension_list = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    try:
        cloudwatch_backends[account_id][region].put_metric_data(
            namespace,
            [
                {
                    "MetricName": name,
                    "Value": float(value),
                    "Unit": unit,
                    "Timestamp": now,
                    "Dimensions": dimension_list,
                }
                for name, value, unit in values
            ],
        )
    except Exception:  # metrics must never break the call that produced them
        logging.getLogger(__name__).warning(
            "could not publish %s metrics", namespace, exc_info=True
        )


def _publish_lambda_metrics(runtime: LambdaRuntime) -> None:
    def lambda_metrics(spec: FunctionSpec, outcome: Any) -> None:
        values = [
            ("Invocations", 1, "Count"),
            ("Duration", outcome.report.duration_ms, "Milliseconds"),
            ("Errors", 1 if outcome.failed else 0, "Count"),
            ("ConcurrentExecutions", outcome.concurrency, "Count"),
        ]
        publish_metrics(
            spec.account_id, spec.region, "AWS/Lambda", values, {"FunctionName": spec.name}
        )

    runtime.add_listener(lambda_metrics)


def _publish_execution_metrics() -> None:
    from moto.stepfunctions.parser.backend import execution as execution_module

    communication = execution_module.BaseExecutionWorkerCommunication
    original_reflect = communication._reflect_execution_status
    original_start = execution_module.Execution.start
    outcomes = {
        "SUCCEEDED": "ExecutionsSucceeded",
        "FAILED": "ExecutionsFailed",
        "ABORTED": "ExecutionsAborted",
        "TIMED_OUT": "ExecutionsTimedOut",
    }

    def machine_arn(execution: Any) -> str:
        return execution.state_machine.arn.split(":express:")[0]

    def start(self: Any, *args: Any, **kwargs: Any) -> Any:
        publish_metrics(
            self.account_id,
            self.region_name,
            "AWS/States",
            [("ExecutionsStarted", 1, "Count")],
            {"StateMachineArn": machine_arn(self)},
        )
        return original_start(self, *args, **kwargs)

    def reflect(self: Any) -> None:
        original_reflect(self)
        execution = self.execution
        status = getattr(execution.exec_status, "value", str(execution.exec_status))
        values: list[tuple[str, float, str]] = []
        if status in outcomes:
            values.append((outcomes[status], 1, "Count"))
        if execution.stop_date and execution.start_date:
            elapsed = (execution.stop_date - execution.start_date).total_seconds() * 1000
            values.append(("ExecutionTime", elapsed, "Milliseconds"))
        publish_metrics(
            execution.account_id,
            execution.region_name,
            "AWS/States",
            values,
            {"StateMachineArn": machine_arn(execution)},
        )

    execution_module.Execution.start = start
    communication._reflect_execution_status = reflect


# -- 13. CloudFormation rollback ------------------------------------------------------------


class ResourceFailed(Exception):
    """A stack resource could not be created or updated."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


def _reason(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    code = getattr(error, "error_type", None)
    return f"{message} (Service error code: {code})" if code else message


def _roll_back_failed_stacks() -> None:
    from moto.cloudformation import models, parsing

    for name in ("parse_and_create_resource", "parse_and_update_resource"):
        original = getattr(parsing, name)

        def wrapped(
            logical_id: str,
            resource_json: Any,
            *args: Any,
            _original: Any = original,
            **kwargs: Any,
        ) -> Any:
            try:
                return _original(logical_id, resource_json, *args, **kwargs)
            except ResourceFailed:
                raise
            except Exception as error:
                kind = resource_json.get("Type", "?") if isinstance(resource_json, dict) else "?"
                raise ResourceFailed(logical_id, kind, _reason(error)) from error

        setattr(parsing, name, wrapped)

    original_create = models.Stack.create_resources
    original_update = models.Stack.update

    def failed_event(stack: Any, failure: ResourceFailed, status: str) -> None:
        stack.events.append(
            models.Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=failure.logical_id,
                physical_resource_id="",
                resource_type=failure.resource_type,
                resource_status=status,
                resource_status_reason=failure.reason,
                resource_properties=None,
            )
        )

    def create_resources(self: Any) -> None:
        try:
            original_create(self)
        except ResourceFailed as failure:
            failed_event(self, failure, "CREATE_FAILED")
            self._add_stack_event(
                "ROLLBACK_IN_PROGRESS",
                resource_status_reason=f"The following resource(s) failed to create: "
                f"[{failure.logical_id}]. Rollback requested by user.",
            )
            with contextlib.suppress(Exception):
                self.resource_map.delete()
            # Nothing is left: without this, moto would try to create the resources again
            # when the stack's resources are listed.
            self.resource_map._resource_json_map = {}
            self.output_map._output_json_map = {}  # a rolled-back stack has no outputs
            self._add_stack_event("ROLLBACK_COMPLETE")
            self.status = "ROLLBACK_COMPLETE"

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            original_update(self, *args, **kwargs)
        except ResourceFailed as failure:
            # moto cannot restore the previous resources; the stack says what AWS would.
            failed_event(self, failure, "UPDATE_FAILED")
            self._add_stack_event(
                "UPDATE_ROLLBACK_IN_PROGRESS",
                resource_status_reason=f"The following resource(s) failed to update: "
                f"[{failure.logical_id}].",
            )
            self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            self.status = "UPDATE_ROLLBACK_COMPLETE"

    models.Stack.create_resources = create_resources
    models.Stack.update = update


# -- 14. Choice on a missing field ------------------------------------------------------------


def _fail_choice_on_missing_field() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.comparison_operator_type import (  # noqa: E501
        ComparisonOperatorType,
    )
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.comparison_variable import (  # noqa: E501
        ComparisonVariable,
    )
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.variable import (
        NoSuchVariable,
    )

    def _eval_body(self: Any, env: Any) -> None:
        self.variable.eval(env)
        missing = isinstance(env.stack[-1], NoSuchVariable)
        if missing and self.comparison_function.operator_type != ComparisonOperatorType.IsPresent:
            path = self.variable.string_sampler.literal_value
            cause = (
                f"Invalid path '{path}': The choice state's condition path references an "
                "invalid value."
            )
            raise state_failure(env, "States.Runtime", cause)
        self.comparison_function.eval(env)

    ComparisonVariable._eval_body = _eval_body


# -- 15. Definite JSONPaths through an array index ----------------------------------------------

# What makes a path select possibly many nodes: wildcards, deep scans, filters, slices, unions.
_INDEFINITE_PATH = re.compile(r"\*|\.\.|\?\(|\[[^\]]*[:,][^\]]*\]")


def _definite_paths_select_one_value() -> None:
    from moto.stepfunctions.parser.asl.utils import json_path

    # moto unwraps its one-item list only when the path *ends* in an index ("$[0]"), so
    # "$[0].field" came back as [value]. A path that can match one node at most yields that
    # node's value.
    ends_in_index = json_path._is_singleton_array_access

    def selects_one(path: str) -> bool:
        return ends_in_index(path=path) or not _INDEFINITE_PATH.search(path)

    json_path._is_singleton_array_access = selects_one
