"""A local AWS Lambda runtime: real handler code in worker processes, no Docker.

moto stores functions but cannot run them without Docker; the local cloud hands every invoke
to this runtime instead. It behaves like AWS Lambda's Python runtime: cold and warm execution
environments, the context object, AWS's error payloads, timeouts, memory limits and logs.
"""

from ._environment import ExecutionEnvironment, Outcome
from ._runtime import LambdaRuntime, ThrottledError
from ._spec import CodeSource, FunctionSpec, LogSink

__all__ = [
    "CodeSource",
    "ExecutionEnvironment",
    "FunctionSpec",
    "LambdaRuntime",
    "LogSink",
    "Outcome",
    "ThrottledError",
]
