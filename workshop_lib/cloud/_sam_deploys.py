"""What `sam deploy` needs from the local cloud's CloudFormation (moto), and moto lacks.

The SAM CLI sends the template as written (`Transform: AWS::Serverless-2016-10-31`), with its
code and state machine definitions uploaded to S3, and creates or updates every stack through
a change set. Gaps filled here (`tests/test_cloud_upstream.py` has a canary for each):

a. The SAM transform runs on the server, as on AWS (moto ignores `Transform` and so cannot
   create `AWS::Serverless::*` resources). GetTemplate still returns the template as sent.
b. Executing a change set gives the stack its outputs, description, parameters and exports
   (moto only applies the resources, so `sam list stack-outputs` and the SAM CLI's own managed
   stack found no outputs and stopped), and an event per resource changed.
c. A resource that fails while a change set executes rolls the stack back with the reason in
   its events (moto answered with a server error and left the stack in progress).
d. A state machine's `DefinitionS3Location` (where `sam package` puts a `DefinitionUri` file)
   is read from S3.
e. A `TemplateURL` on the local cloud's own address (`http://127.0.0.1:PORT/bucket/key`, how
   the SAM CLI names an uploaded template) is read path-style, with its versionId (moto took
   "127" for the bucket).
f. An `AWS::ApiGateway::RestApi` defined by an OpenAPI `Body` (what SAM makes of an `Api`
   event) gets its name from the body and its routes and Lambda integrations from the paths
   (moto required a `Name` and then had no methods to deploy).
g.-i. The resource types SAM makes that moto lacks (`_sam_resources.py`).
"""

from __future__ import annotations

import contextlib
import ipaddress
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from . import _sam_resources
from ._after_import import after_import

_SERVERLESS = "AWS::Serverless-2016-10-31"
_STATE_MACHINE = "AWS::StepFunctions::StateMachine"


def install() -> None:
    """Patch moto's CloudFormation models (call once moto.cloudformation.models is imported)."""
    from moto.cloudformation import models

    _transform_on_the_server(models)
    _complete_change_set_execution(models)
    _read_local_template_urls(models)
    after_import("moto.cloudformation.responses", _read_local_template_urls_in_responses)
    after_import("moto.apigateway.models", _rest_apis_from_bodies)
    _sam_resources.install()


# -- a. and d. the template CloudFormation processes -------------------------------------------


def processed_template(
    template: dict[str, Any], *, account_id: str, region: str, parameters: dict[str, Any]
) -> dict[str, Any]:
    """The template after CloudFormation's own processing: the SAM transform, S3 definitions."""
    from moto.cloudformation.exceptions import ValidationError

    from ..errors import DeployError
    from ..templates import translate

    transforms = template.get("Transform") if isinstance(template, dict) else None
    names = transforms if isinstance(transforms, list) else [transforms]
    if _SERVERLESS in names:
        try:
            template = translate(template, region=region, parameters=parameters)
        except DeployError as error:
            raise ValidationError(
                message=f"Transform {_SERVERLESS} failed with: {error.message}"
            ) from None
    for resource in (template.get("Resources") or {}).values():
        if isinstance(resource, dict) and resource.get("Type") == _STATE_MACHINE:
            _inline_s3_definition(resource.get("Properties") or {}, account_id)
    return template


def _inline_s3_definition(properties: dict[str, Any], account_id: str) -> None:
    location = properties.get("DefinitionS3Location")
    if not isinstance(location, dict):
        return
    bucket, key = location.get("Bucket"), location.get("Key")
    if not (isinstance(bucket, str) and isinstance(key, str)):
        return  # an intrinsic function moto did not resolve: leave it to moto's error
    from moto.s3.models import s3_backends

    stored = s3_backends[account_id]["global"].get_object(bucket, key, location.get("Version"))
    properties.pop("DefinitionS3Location")
    properties["DefinitionString"] = stored.value.decode("utf-8")


def _region_of(stack_id: str) -> str:
    return stack_id.split(":")[3]


def _transform_on_the_server(models: Any) -> None:
    stack_parse = models.Stack._parse_template
    change_set_parse = models.ChangeSet._parse_template

    def parse_stack_template(self: Any) -> None:
        stack_parse(self)
        # Stack.__init__ parses before it stores the parameters and region: read what exists.
        self.template_dict = processed_template(
            self.template_dict,
            account_id=self.account_id,
            region=_region_of(self.stack_id),
            parameters=getattr(self, "parameters", None) or {},
        )

    def parse_change_set_template(self: Any) -> None:
        change_set_parse(self)
        self.template_dict = processed_template(
            self.template_dict,
            account_id=self.stack.account_id,
            region=_region_of(self.stack.stack_id),
            parameters=self.parameters or {},
        )

    def has_template(self: Any, other_template: str) -> bool:
        # Compare the templates as sent: the stored one is processed, the new one not yet.
        return self.parse_template(self.template) == self.parse_template(other_template)

    models.Stack._parse_template = parse_stack_template
    models.ChangeSet._parse_template = parse_change_set_template
    models.Stack.has_template = has_template


# -- b. and c. executing a change set -----------------------------------------------------------


def _complete_change_set_execution(models: Any) -> None:
    original = models.CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = _find_change_set(self, change_set_name, stack_name)
        if change_set is None:
            return original(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        try:
            # By ARN: moto looks names up across all stacks, and SAM CLI names repeat.
            original(self, change_set.change_set_id, stack_name)
        except Exception as error:
            if not hasattr(error, "logical_id"):  # not a resource failure (patch 13)
                raise
            _roll_back(models, stack, change_set, error)
            return None
        stack.template_dict = change_set.template_dict
        stack.description = change_set.template_dict.get("Description")
        if change_set.parameters:
            stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            self.exports[export.name] = export
        _add_resource_events(models, stack, change_set)
        return None

    models.CloudFormationBackend.execute_change_set = execute_change_set


_VERBS = {"Add": "CREATE", "Modify": "UPDATE", "Remove": "DELETE"}


def _add_resource_events(models: Any, stack: Any, change_set: Any) -> None:
    """Each changed resource's IN_PROGRESS and COMPLETE events, before the stack's own last
    one, as CloudFormation reports them (and `sam deploy` prints them)."""
    from moto.core.utils import utcnow

    last = stack.events[-1] if stack.events else None
    if last is None or last.logical_resource_id != stack.name:
        return
    stack.events.pop()
    for change in change_set.changes:
        verb = _VERBS.get(change.action)
        if verb is None:
            continue
        physical = ""
        if verb != "DELETE":
            with contextlib.suppress(Exception):
                resource = stack.resource_map._parsed_resources.get(change.logical_resource_id)
                physical = str(getattr(resource, "physical_resource_id", "") or "")
        for phase in ("IN_PROGRESS", "COMPLETE"):
            stack.events.append(
                models.Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=change.logical_resource_id,
                    physical_resource_id=physical,
                    resource_type=change.resource_type,
                    resource_status=f"{verb}_{phase}",
                    resource_status_reason=None,
                    resource_properties=None,
                )
            )
    last.timestamp = utcnow()  # the stack finishes after its resources
    stack.events.append(last)


def _find_change_set(backend: Any, name: str, stack_name: str | None) -> Any:
    if name in backend.change_sets:  # an ARN
        return backend.change_sets[name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == name and stack_name in (
            None,
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    return None


def _roll_back(models: Any, stack: Any, change_set: Any, failure: Any) -> None:
    creating = change_set.change_set_type == "CREATE"
    stack.events.append(
        models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=failure.logical_id,
            physical_resource_id="",
            resource_type=failure.resource_type,
            resource_status="CREATE_FAILED" if creating else "UPDATE_FAILED",
            resource_status_reason=failure.reason,
            resource_properties=None,
        )
    )
    change_set.execution_status = "EXECUTE_FAILED"
    if creating:
        stack._add_stack_event(
            "ROLLBACK_IN_PROGRESS",
            resource_status_reason=f"The following resource(s) failed to create: "
            f"[{failure.logical_id}]. Rollback requested by user.",
        )
        with contextlib.suppress(Exception):
            stack.resource_map.delete()
        stack.resource_map._resource_json_map = {}
        stack._add_stack_event("ROLLBACK_COMPLETE")
        stack.status = "ROLLBACK_COMPLETE"
    else:
        # moto cannot restore the previous resources; the stack says what AWS would.
        stack._add_stack_event(
            "UPDATE_ROLLBACK_IN_PROGRESS",
            resource_status_reason=f"The following resource(s) failed to update: "
            f"[{failure.logical_id}].",
        )
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"


# -- e. template URLs on the local cloud --------------------------------------------------------


def local_template_url(url: str) -> tuple[str, str, str | None] | None:
    """(bucket, key, version) of a path-style URL on a loopback address, else None."""
    parts = urlparse(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    path = parts.path.lstrip("/")
    if not loopback or "/" not in path:
        return None
    bucket, key = path.split("/", 1)
    version = parse_qs(parts.query).get("versionId", [None])[0]
    return bucket, unquote(key), version


def _template_reader(original: Any) -> Any:
    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        local = local_template_url(template_url)
        if local is None:
            return original(template_url, account_id=account_id, partition=partition)
        from moto.s3.models import s3_backends

        bucket, key, version = local
        stored = s3_backends[account_id][partition].get_object(bucket, key, version)
        return stored.value.decode("utf-8")

    return get_stack_from_s3_url


def _read_local_template_urls(models: Any) -> None:
    models.get_stack_from_s3_url = _template_reader(models.get_stack_from_s3_url)


def _read_local_template_urls_in_responses() -> None:
    from moto.cloudformation import responses

    responses.get_stack_from_s3_url = _template_reader(responses.get_stack_from_s3_url)


# -- f. REST APIs from an OpenAPI body ------------------------------------------------------------

_ANY_METHOD = "x-amazon-apigateway-any-method"
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", _ANY_METHOD}


def _rest_apis_from_bodies() -> None:
    from moto.apigateway import models

    original = models.RestAPI.create_from_cloudformation_json

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json.get("Properties") or {}
        body = properties.get("Body")
        if properties.get("Name") or not isinstance(body, dict):
            return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = models.apigateway_backends[account_id][region_name]
        info = body.get("info") or {}
        api = backend.create_rest_api(
            name=info.get("title") or resource_name,
            description=properties.get("Description") or info.get("description") or "",
            endpoint_configuration=properties.get("EndpointConfiguration"),
        )
        add_routes(backend, api.id, body)
        return api

    models.RestAPI.create_from_cloudformation_json = classmethod(create)


def add_routes(backend: Any, api_id: str, body: dict[str, Any]) -> None:
    """Resources, methods and integrations for the paths of an OpenAPI (or Swagger) body."""
    root = next(r for r in backend.get_resources(api_id) if r.path_part == "/")
    for path, operations in (body.get("paths") or {}).items():
        resource = root
        for part in [p for p in str(path).split("/") if p]:
            children = [
                r
                for r in backend.get_resources(api_id)
                if r.parent_id == resource.id and r.path_part == part
            ]
            resource = (
                children[0] if children else backend.create_resource(api_id, resource.id, part)
            )
        for method, operation in (operations or {}).items():
            if method.lower() not in _HTTP_METHODS or not isinstance(operation, dict):
                continue
            method_type = "ANY" if method == _ANY_METHOD else method.upper()
            backend.put_method(api_id, resource.id, method_type, authorization_type="NONE")
            integration = operation.get("x-amazon-apigateway-integration")
            if isinstance(integration, dict) and integration.get("uri"):
                backend.put_integration(
                    api_id,
                    resource.id,
                    method_type,
                    integration_type=str(integration.get("type", "aws_proxy")).upper(),
                    uri=integration["uri"],
                    integration_method=integration.get("httpMethod", "POST"),
                )
