"""A local AWS Lambda runtime: real handler code in worker processes, no Docker.

moto stores functions but cannot run them without Docker; the local cloud hands every invoke
to this runtime instead. It behaves like AWS Lambda's Python runtime: cold and warm execution
environments, the context object, AWS's error payloads, INIT and invoke timeouts, memory
limits and logs. Environments are forked from a zygote that has imported boto3 once, and
nothing they start outlives them, the runtime or a crash of the local cloud (`reap_orphans`).
"""

from ._environment import ExecutionEnvironment, Outcome
from ._orphans import reap_orphans
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
    "reap_orphans",
]
