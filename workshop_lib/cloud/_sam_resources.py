"""CloudFormation resource types that SAM templates produce and moto's CloudFormation lacks.

g. `AWS::Lambda::Alias` (what `AutoPublishAlias` makes), with `AWS::Lambda::Version` whose
   Ref is the version's ARN and whose `Version` attribute works (moto's had neither).
h. `AWS::Lambda::Url` (`FunctionUrlConfig`), on the function a qualified ARN names.
i. `AWS::ApiGatewayV2::Api` from an OpenAPI `Body` and `AWS::ApiGatewayV2::Stage` (what an
   `HttpApi` event makes).

Without them moto skipped these resources, so every Ref to them was empty and the stack failed
on the first resource that used one. `tests/test_cloud_upstream.py` checks each is still
missing upstream.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

TYPES = (
    "AWS::Lambda::Alias",
    "AWS::Lambda::Url",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
)


def _unqualified(arn_or_name: str) -> str:
    """A function ARN without its version or alias (a name stays as it is)."""
    parts = str(arn_or_name).split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else str(arn_or_name)


def install() -> None:
    """Define the models (moto finds CloudFormation models through their base class)."""
    from moto.apigatewayv2.models import apigatewayv2_backends
    from moto.awslambda.utils import get_backend
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    class Version(CloudFormationModel):
        def __init__(self, function_arn: str, version: str) -> None:
            self.function_arn = function_arn
            self.version = version

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Version"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Version"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Version:
            name = cloudformation_json["Properties"]["FunctionName"]
            published = get_backend(account_id, region_name).publish_version(
                name, cloudformation_json["Properties"].get("Description") or ""
            )
            return cls(_unqualified(published.function_arn), str(published.version))

        @property
        def physical_resource_id(self) -> str:
            return f"{self.function_arn}:{self.version}"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "Version":
                return self.version
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            raise UnformattedGetAttTemplateException()

        def delete(self, account_id: str, region_name: str) -> None:
            return None  # versions go with their function

    class Alias(CloudFormationModel):
        def __init__(self, function_name: str, alias: Any) -> None:
            self.function_name = function_name
            self.alias = alias

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "AliasArn"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Alias:
            properties = cloudformation_json["Properties"]
            function = _unqualified(properties["FunctionName"])
            alias = get_backend(account_id, region_name).create_alias(
                name=properties["Name"],
                function_name=function,
                function_version=str(properties.get("FunctionVersion", "$LATEST")),
                description=properties.get("Description", ""),
                routing_config=properties.get("RoutingConfig"),
            )
            return cls(function, alias)

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[override]
            cls,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> Alias:
            properties = cloudformation_json["Properties"]
            original_resource.alias.update(
                properties.get("Description"),
                str(properties.get("FunctionVersion", "$LATEST")),
                properties.get("RoutingConfig"),
            )
            return original_resource

        @property
        def physical_resource_id(self) -> str:
            return self.alias.arn

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.alias.arn

        def delete(self, account_id: str, region_name: str) -> None:
            with contextlib.suppress(Exception):  # the function may be gone already
                get_backend(account_id, region_name).delete_alias(
                    self.alias.name, self.function_name
                )

    class Url(CloudFormationModel):
        def __init__(self, function_arn: str, config: Any) -> None:
            self.function_arn = function_arn
            self.config = config

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Url"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("FunctionUrl", "FunctionArn")

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Url:
            properties = cloudformation_json["Properties"]
            # moto keeps one URL per function; AWS allows one per alias too.
            function = _unqualified(properties["TargetFunctionArn"])
            config = {k: v for k, v in properties.items() if k != "TargetFunctionArn"}
            made = get_backend(account_id, region_name).create_function_url_config(function, config)
            return cls(function, made)

        @property
        def physical_resource_id(self) -> str:
            return self.config.function.function_arn

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "FunctionUrl":
                return self.config.url
            return self.config.function.function_arn

        def delete(self, account_id: str, region_name: str) -> None:
            with contextlib.suppress(Exception):
                get_backend(account_id, region_name).delete_function_url_config(self.function_arn)

    class HttpApi(CloudFormationModel):
        def __init__(self, api: Any) -> None:
            self.api = api

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Api"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("ApiEndpoint", "ApiId")

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> HttpApi:
            properties = cloudformation_json["Properties"]
            body = properties.get("Body") if isinstance(properties.get("Body"), dict) else {}
            info = body.get("info") or {}
            api = apigatewayv2_backends[account_id][region_name].create_api(
                api_key_selection_expression=properties.get("ApiKeySelectionExpression", ""),
                cors_configuration=properties.get("CorsConfiguration", ""),
                description=properties.get("Description") or info.get("description", ""),
                disable_schema_validation=properties.get("DisableSchemaValidation", ""),
                disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint", ""),
                name=properties.get("Name") or info.get("title") or resource_name,
                protocol_type=properties.get("ProtocolType", "HTTP"),
                route_selection_expression=properties.get("RouteSelectionExpression", ""),
                tags=properties.get("Tags") or {},
                version=properties.get("Version") or info.get("version", ""),
            )
            if body.get("paths"):
                api.import_api(json.dumps(body), fail_on_warnings=False)
            return cls(api)

        @property
        def physical_resource_id(self) -> str:
            return self.api.api_id

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.api.api_endpoint if attribute_name == "ApiEndpoint" else self.api.api_id

        def delete(self, account_id: str, region_name: str) -> None:
            apigatewayv2_backends[account_id][region_name].delete_api(self.api.api_id)

    class HttpStage(CloudFormationModel):
        def __init__(self, api_id: str, name: str) -> None:
            self.api_id = api_id
            self.name = name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Stage"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> HttpStage:
            properties = cloudformation_json["Properties"]
            api = apigatewayv2_backends[account_id][region_name].get_api(properties["ApiId"])
            config = {k[:1].lower() + k[1:]: v for k, v in properties.items() if k != "ApiId"}
            stage = api.create_stage(config)
            return cls(api.api_id, stage.name)

        @property
        def physical_resource_id(self) -> str:
            return self.name

        def delete(self, account_id: str, region_name: str) -> None:
            with contextlib.suppress(Exception):  # the API may be gone already
                backend = apigatewayv2_backends[account_id][region_name]
                backend.get_api(self.api_id).delete_stage(self.name)

    # The model map is cached on first use: rebuild it with ours in (ours replace moto's
    # Version, being defined later).
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
