"""SAM templates, read and translated: the templates in infra/ are the source of truth.

`load_template` reads a template (short-form tags included), `functions` lists its local Lambda
functions with their runtime and architecture, `package` replaces local code and definition
folders with uploaded artifacts, and `translate` turns the Serverless resources into plain
CloudFormation with aws-sam-translator, the library inside the SAM CLI. No AWS calls: the
deploy, the local cloud's CloudFormation, the diagrams and the exercise checks all read
templates through here, so they agree on what a template means.
"""

from ._sam import (
    Builder,
    FunctionSettings,
    Uploader,
    code_only,
    function_settings,
    functions,
    load_template,
    package,
    read_definition,
    translate,
)

__all__ = [
    "Builder",
    "FunctionSettings",
    "Uploader",
    "code_only",
    "function_settings",
    "functions",
    "load_template",
    "package",
    "read_definition",
    "translate",
]
