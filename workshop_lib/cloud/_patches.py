"""Where the local cloud fills moto's gaps. Every patch to moto lives in this one module.

Each patch is small and names the gap it fills. `tests/test_cloud_upstream.py` checks every
gap against plain moto, so it fails (and tells us to drop a patch) when upstream fixes one.

1. Lambda code runs: moto only runs handlers in Docker and otherwise echoes. Invokes go to our
   runtime (workshop_lib.lambda_runtime) instead.
2. S3 event notifications invoke Lambda asynchronously, with the event fields AWS sends
   (versionId, sequencer), instead of holding up the PutObject that caused them.
3. Executions started without a name get a unique one (moto names them all "None").
4. Retry intervals and Wait states follow the configurable time scale instead of sleeping in
   real time.
5. Errors from the execution environment itself (timeout, out of memory, crash) reach Step
   Functions as `Lambda.Unknown`, as AWS documents, instead of moto's generic "Exception".
6. The Step Functions interpreter reuses its clients, and calls Lambda in process.
7. moto's dispatcher stops listing its own package directory on every request.
8. CloudFormation state machines: DefinitionSubstitutions (what SAM templates use), an inline
   Definition, the type (STANDARD/EXPRESS) and logging are honoured, and the machine is created
   where executions run (moto puts CloudFormation's in a backend that cannot execute).
9. CloudFormation buckets: NotificationConfiguration (S3 -> Lambda/SQS/SNS, with prefix and
   suffix filters) and VersioningConfiguration are applied.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..lambda_runtime import CodeSource, FunctionSpec, LambdaRuntime, ThrottledError

_SANDBOX_ERRORS = frozenset({"Sandbox.Timedout", "Runtime.OutOfMemory", "Runtime.ExitError"})


class Settings:
    """Mutable settings of the running cloud (changed through /_workshop/config)."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale


def apply(runtime: LambdaRuntime, settings: Settings, port: int) -> None:
    _configure_moto()
    _run_lambda_code(runtime)
    _invoke_from_s3_asynchronously(runtime)
    _name_unnamed_executions()
    _scale_retry_and_wait(settings)
    _name_sandbox_errors_like_aws()
    _reuse_interpreter_clients(port)
    _cache_service_list()
    _state_machines_from_cloudformation()
    _buckets_from_cloudformation()


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
        environment=dict(fn.environment_vars or {}),
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
            raise TooManyRequests(str(error)) from None
        if outcome.failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = spec.version
        response_headers["x-amz-log-result"] = base64.b64encode(
            outcome.log_tail().encode("utf-8")
        ).decode("ascii")
        return outcome.payload

    models.LambdaFunction.invoke = invoke


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

    for cls in (
        state_task_lambda.StateTaskLambda,
        state_task_service_lambda.StateTaskServiceLambda,
    ):
        original = cls._from_error

        def from_error(self: Any, env: Any, ex: Exception, _original: Any = original) -> Any:
            failure = _original(self, env, ex)
            if is_sandbox_error(ex):
                # The cause keeps Lambda's own payload; only the error name changes.
                failure.error_name = CustomErrorName("Lambda.Unknown")
                for details in (failure.event_details or {}).values():
                    if isinstance(details, dict) and "error" in details:
                        details["error"] = "Lambda.Unknown"
            return failure

        cls._from_error = from_error


def _reuse_interpreter_clients(port: int) -> None:
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
