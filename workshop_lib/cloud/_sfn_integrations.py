"""Direct service integrations of the local Step Functions: requests and results shaped as AWS's.

moto's port of LocalStack's interpreter left out the step that maps a Task's `Parameters` onto
the service's API (StateMachineArn -> stateMachineArn) and the result back (executionArn ->
ExecutionArn, a streamed S3 Body -> text). Without it `states:startExecution` (in every form)
fails with a bare KeyError, `aws-sdk:s3:getObject` cannot hand over its Body, and a result with
a timestamp (`aws-sdk:s3:listObjectsV2`) breaks DescribeExecution. This module puts the mapping
back, with botocore's service models, and writes timestamps as AWS does: epoch milliseconds in
the optimized integrations, ISO 8601 text in the AWS SDK ones. AWS SDK errors are named after
the service in PascalCase (`S3.NoSuchKeyException`; moto said `s3.NoSuchKeyException`).
The optimized SNS, SQS and DynamoDB integrations answer, as on AWS, with the SDK's
`SdkHttpMetadata` and `SdkResponseMetadata` beside the service's own fields, keys in order.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import json
import uuid
import zlib
from typing import Any

# The Content-Type each optimized integration's service answers with (AWS's Java SDK).
_CONTENT_TYPES = {
    "sns": "text/xml",
    "sqs": "text/xml",
    "dynamodb": "application/x-amz-json-1.0",
}


def with_sdk_metadata(service: str, response: dict[str, Any]) -> dict[str, Any]:
    """An optimized integration's result with the SDK metadata AWS adds, keys sorted."""
    request_id = str(uuid.uuid4())
    body = json.dumps(response, separators=(",", ":"), default=str).encode("utf-8")
    headers = {
        "Content-Length": str(len(body)),
        "Content-Type": _CONTENT_TYPES[service],
        "Date": email.utils.formatdate(usegmt=True),
        "x-amzn-RequestId": request_id,
    }
    if service == "dynamodb":
        headers["Connection"] = "keep-alive"
        headers["Server"] = "Server"
        headers["x-amz-crc32"] = str(zlib.crc32(body))
    result = dict(response)
    result["SdkHttpMetadata"] = {
        "AllHttpHeaders": {name: [value] for name, value in sorted(headers.items())},
        "HttpHeaders": dict(sorted(headers.items())),
        "HttpStatusCode": 200,
    }
    result["SdkResponseMetadata"] = {"RequestId": request_id}
    return dict(sorted(result.items()))


@functools.lru_cache(maxsize=64)
def _operation_model(service: str, action: str) -> Any:
    """The botocore operation model of `service`'s snake_case `action` (None if unknown)."""
    import botocore.session
    from moto.stepfunctions.parser.utils import camel_to_snake_case

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service: leave its parameters as written
        return None
    for name in model.operation_names:
        if camel_to_snake_case(name) == action:
            return model.operation_model(name)
    return None


def _timestamps(value: Any, as_millis: bool) -> Any:
    """Datetimes of a service response, as the JSON Step Functions passes on."""
    if isinstance(value, dict):
        return {k: _timestamps(v, as_millis) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamps(v, as_millis) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        if as_millis:
            return int(value.timestamp() * 1000)
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value


def install() -> None:
    """Patch the interpreter's service tasks (runs once moto's parser models are imported)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    base = state_task_service.StateTaskService

    def normalise_parameters(
        self: Any,
        parameters: dict,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        service = self._get_boto_service_name(boto_service_name=boto_service_name)
        action = self._get_boto_service_action(service_action_name=service_action_name)
        operation = _operation_model(service, action)
        if operation is not None and operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)

    def normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        service = self._get_boto_service_name(boto_service_name=boto_service_name)
        action = self._get_boto_service_action(service_action_name=service_action_name)
        operation = _operation_model(service, action)
        if operation is not None and operation.output_shape is not None:
            self._from_boto_response(response, operation.output_shape)
        if isinstance(response, dict):
            as_millis = not isinstance(self, state_task_service_aws_sdk.StateTaskServiceAwsSdk)
            converted = _timestamps(response, as_millis)
            if "SdkHttpMetadata" in converted:  # the Java SDK's answer: keys in order
                converted = dict(sorted(converted.items()))
            response.clear()
            response.update(converted)

    base._normalise_parameters = normalise_parameters
    base._normalise_response = normalise_response

    sdk = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    known_names = state_task_service_aws_sdk._SERVICE_ERROR_NAMES

    def service_error_name(service_name: str) -> str:
        return known_names.get(service_name.lower()) or service_name[:1].upper() + service_name[1:]

    sdk._normalise_service_error_name = staticmethod(service_error_name)

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_dynamodb,
        state_task_service_sns,
        state_task_service_sqs,
    )

    for service, cls in (
        ("sns", state_task_service_sns.StateTaskServiceSns),
        ("sqs", state_task_service_sqs.StateTaskServiceSqs),
        ("dynamodb", state_task_service_dynamodb.StateTaskServiceDynamoDB),
    ):
        original_task = cls._eval_service_task

        def eval_service_task(
            self: Any,
            env: Any,
            *args: Any,
            _original: Any = original_task,
            _service: str = service,
            **kwargs: Any,
        ) -> None:
            _original(self, env, *args, **kwargs)
            # Request-response only: a callback's result is what SendTaskSuccess sent.
            if self.resource.condition is None and isinstance(env.stack[-1], dict):
                env.stack.append(with_sdk_metadata(_service, env.stack.pop()))

        cls._eval_service_task = eval_service_task
