"""From a SAM template on disk to a CloudFormation template ready to deploy.

This is what `sam package` and the SAM transform do together: local code folders are zipped
and uploaded to an artifacts bucket, state machine definitions are read from their files, and
aws-sam-translator (the library inside the SAM CLI and CloudFormation's SAM transform) turns
the Serverless resources into plain CloudFormation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DeployError
from ..packaging import zip_directory

Uploader = Callable[[str, bytes], tuple[str, str]]
"""(key, body) -> (bucket, key): puts one artifact in the artifacts bucket."""

Builder = Callable[[Path, str, "FunctionSettings"], bytes]
"""(code folder, logical id, settings) -> the function's zip."""


@dataclass(frozen=True)
class FunctionSettings:
    """What a function's package depends on: its runtime and architecture."""

    runtime: str = "python3.12"
    architecture: str = "x86_64"


def code_only(folder: Path, logical_id: str, settings: FunctionSettings) -> bytes:
    """The default builder: the folder as it is (offline, dependencies come from the venv)."""
    return zip_directory(folder)


def load_template(path: Path) -> dict[str, Any]:
    """Read a SAM/CloudFormation YAML template, short-form tags (!Ref, !GetAtt, ...) included."""
    from samtranslator.yaml_helper import yaml_parse

    try:
        return yaml_parse(path.read_text(encoding="utf-8"))
    except Exception as error:  # yaml errors say line and column
        raise DeployError(
            f"{path} is not a valid template: {error}", hint="Fix the YAML at the line shown."
        ) from error


def package(
    template: dict[str, Any],
    base: Path,
    upload: Uploader,
    *,
    prefix: str,
    build: Builder = code_only,
) -> dict[str, Any]:
    """Replace local CodeUri/DefinitionUri with uploaded artifacts and inline definitions."""
    packaged = copy.deepcopy(template)
    for logical_id, resource in packaged.get("Resources", {}).items():
        kind = resource.get("Type")
        properties = resource.setdefault("Properties", {})
        if kind == "AWS::Serverless::Function":
            code_uri = properties.get("CodeUri") or _global(packaged, "Function", "CodeUri")
            if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
                folder = (base / code_uri).resolve()
                if not folder.is_dir():
                    raise DeployError(
                        f"{logical_id}: CodeUri {code_uri!r} is not a folder under {base}.",
                        hint="CodeUri is relative to the template's folder.",
                    )
                archive = build(folder, logical_id, function_settings(packaged, properties))
                digest = hashlib.sha256(archive).hexdigest()
                bucket, key = upload(f"{prefix}/{logical_id}-{digest[:16]}.zip", archive)
                properties["CodeUri"] = {"Bucket": bucket, "Key": key}
        elif kind == "AWS::Serverless::StateMachine":
            definition_uri = properties.get("DefinitionUri")
            if isinstance(definition_uri, str) and not definition_uri.startswith("s3://"):
                path = (base / definition_uri).resolve()
                properties["Definition"] = read_definition(path)
                del properties["DefinitionUri"]
    return packaged


def function_settings(template: dict[str, Any], properties: dict[str, Any]) -> FunctionSettings:
    """A function's runtime and architecture, from its properties or the template's Globals."""
    runtime = properties.get("Runtime") or _global(template, "Function", "Runtime")
    architectures = properties.get("Architectures") or _global(
        template, "Function", "Architectures"
    )
    return FunctionSettings(
        runtime=runtime if isinstance(runtime, str) else "python3.12",
        architecture=architectures[0] if isinstance(architectures, list) else "x86_64",
    )


def functions(template: dict[str, Any], base: Path) -> dict[str, tuple[Path, FunctionSettings]]:
    """Each local function of a SAM template: logical id -> (code folder, settings)."""
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        code_uri = properties.get("CodeUri") or _global(template, "Function", "CodeUri")
        if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
            found[logical_id] = (
                (base / code_uri).resolve(),
                function_settings(template, properties),
            )
    return found


def read_definition(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployError(
            f"The state machine definition {path} does not exist.",
            hint="DefinitionUri is relative to the template's folder.",
        ) from None
    except json.JSONDecodeError as error:
        raise DeployError(
            f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}.",
            hint="Fix the JSON there (a missing comma or quote is the usual cause).",
        ) from None


def translate(
    template: dict[str, Any],
    *,
    region: str,
    partition: str = "aws",
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Turn a SAM template into CloudFormation with aws-sam-translator (no AWS calls)."""
    import boto3
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    if "Transform" not in template:
        return template
    # The translator logs a warning about its own usage metrics on every call: not for us.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.Session(
            region_name=region, aws_access_key_id="unused", aws_secret_access_key="unused"
        ),
    )
    bundled = get_bundled_managed_policy_map(partition) or {}
    try:
        return translator.translate(
            copy.deepcopy(template),
            parameter_values=dict(parameters or {}),
            get_managed_policy_map=lambda: bundled,
        )
    except InvalidDocumentException as error:
        messages = "\n".join(f"  - {cause.message}" for cause in error.causes)
        raise DeployError(
            f"The SAM template is not valid:\n{messages}", hint="Fix the resources named above."
        ) from None


def _global(template: dict[str, Any], section: str, name: str) -> Any:
    return template.get("Globals", {}).get(section, {}).get(name)
