"""Environment-variable names and defaults, in one place.

Every setting the workbook reads from the environment is named here, with its default, so a
learner (or an instructor preparing a room) can find them all in one file.
"""

from __future__ import annotations

__all__ = [
    "CLOUD_HOST",
    "DEFAULT_CLOUD_PORT",
    "DEFAULT_IDLE_SECONDS",
    "DEFAULT_MAX_ENVIRONMENTS",
    "DEFAULT_MODE",
    "DEFAULT_ROOM_PORT",
    "DEFAULT_ROOM_SEND_TIMEOUT_SECONDS",
    "DEFAULT_TIME_SCALE",
    "ENV_CLOUD_PORT",
    "ENV_DEFAULT_REGION",
    "ENV_IDLE_SECONDS",
    "ENV_LEARNER",
    "ENV_MAX_ENVIRONMENTS",
    "ENV_MODE",
    "ENV_PROFILE",
    "ENV_REGION",
    "ENV_ROOM_SEND_TIMEOUT",
    "ENV_STATE_DIR",
    "ENV_TIME_SCALE",
    "LAMBDA_ASYNC_PAYLOAD_LIMIT",
    "LAMBDA_INIT_TIMEOUT_SECONDS",
    "LAMBDA_LOG_TAIL_BYTES",
    "LAMBDA_RUNTIME_VERSION",
    "LAMBDA_SYNC_PAYLOAD_LIMIT",
    "LEARNER_PREFIX_MAX",
    "LOCAL_CAPACITY_WAIT_SECONDS",
    "LOG_DELIVERY_ACTIONS",
    "LOG_EVENT_MAX_BYTES",
    "MIN_UNRESERVED_CONCURRENCY",
    "MODES",
    "MODE_AWS",
    "MODE_OFFLINE",
    "OFFLINE_ACCESS_KEY",
    "OFFLINE_ACCOUNT_ID",
    "OFFLINE_REGION",
    "OFFLINE_SECRET_KEY",
    "OWNER_TAG_KEY",
    "ROOM_HOST",
    "ROOM_REFRESH_SECONDS",
    "ROOM_RETRY_SECONDS",
    "ROOM_STUCK_MINUTES",
    "ROOM_STUCK_REPEATS",
    "STACK_WAIT_SECONDS_AWS",
    "STACK_WAIT_SECONDS_OFFLINE",
    "STEP_FUNCTIONS_PAYLOAD_LIMIT",
    "TAG_KEY",
    "TAG_VALUE",
]

# -- Modes -----------------------------------------------------------------------------------
ENV_MODE = "WORKSHOP_MODE"
"""`offline` (the default: the local cloud on 127.0.0.1) or `aws` (a real account)."""
MODE_OFFLINE = "offline"
MODE_AWS = "aws"
MODES = (MODE_OFFLINE, MODE_AWS)
DEFAULT_MODE = MODE_OFFLINE

# -- The local cloud -------------------------------------------------------------------------
ENV_CLOUD_PORT = "WORKSHOP_CLOUD_PORT"
DEFAULT_CLOUD_PORT = 4747
CLOUD_HOST = "127.0.0.1"
"""The only address the local cloud ever binds to. Never 0.0.0.0: the cloud runs Lambda code."""

ENV_STATE_DIR = "WORKSHOP_STATE_DIR"
"""Where the local cloud keeps its pid file, unpacked function code and environments' /tmp."""

ENV_TIME_SCALE = "WORKSHOP_TIME_SCALE"
DEFAULT_TIME_SCALE = 0.01
"""Offline, Retry intervals and Wait states sleep for `seconds * scale`. 1.0 means real time."""

ENV_MAX_ENVIRONMENTS = "WORKSHOP_MAX_ENVIRONMENTS"
DEFAULT_MAX_ENVIRONMENTS = 32
"""Offline cap on live Lambda execution environments (processes), to protect a laptop."""
LOCAL_CAPACITY_WAIT_SECONDS = 60.0
"""How long a synchronous invoke waits for a free slot under the local cap before a 429."""

ENV_IDLE_SECONDS = "WORKSHOP_ENVIRONMENT_IDLE_SECONDS"
DEFAULT_IDLE_SECONDS = 600.0
"""An idle execution environment is retired after this long, like AWS recycles them."""

OFFLINE_REGION = "us-east-1"
OFFLINE_ACCOUNT_ID = "123456789012"
OFFLINE_ACCESS_KEY = "workshop-offline"
OFFLINE_SECRET_KEY = "workshop-offline"

# -- Real accounts ---------------------------------------------------------------------------
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENV_PROFILE = "AWS_PROFILE"

TAG_KEY = "workshop"
TAG_VALUE = "sfn-lambda-workbook"
"""Every resource the workbook creates carries this tag, so cleanup can find it."""
OWNER_TAG_KEY = "workshop:owner"
"""aws mode: whose resource it is (the learner's prefix), so cleanup touches only one's own."""
ENV_LEARNER = "WORKSHOP_LEARNER"
"""aws mode: the learner's name prefix (default: the IAM user name, remembered in the state
directory). Several learners can then share one class account without touching each other's
stacks. Offline it is not used: names stay as they are."""
LEARNER_PREFIX_MAX = 12
"""The longest prefix: stack-named buckets must stay within S3's 63 characters."""
MIN_UNRESERVED_CONCURRENCY = 100
"""AWS refuses to reserve concurrency that would leave the account less than this unreserved."""

# -- Lambda runtime emulation ----------------------------------------------------------------
LAMBDA_RUNTIME_VERSION = "python:3.12.local"
LAMBDA_INIT_TIMEOUT_SECONDS = 10.0
"""AWS gives the INIT phase at most 10 s; an INIT that runs over goes on within the first invoke
(and counts against the function's timeout)."""
LAMBDA_LOG_TAIL_BYTES = 4096
LOG_EVENT_MAX_BYTES = 256 * 1024 - 26
"""A Lambda log line becomes one CloudWatch Logs event: 256 KiB, less the 26 bytes of overhead
CloudWatch Logs counts per event; a longer line is cut at that size."""
LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
LAMBDA_ASYNC_PAYLOAD_LIMIT = 1024 * 1024
STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * 1024

STACK_WAIT_SECONDS_AWS = 1800.0
"""How long deploy/destroy wait for CloudFormation in a real account."""
STACK_WAIT_SECONDS_OFFLINE = 60.0
"""...and on the local cloud, where a stack operation ends within its API call."""

LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
"""What a state machine's role needs to log to CloudWatch Logs. AWS allows no narrower
Resource than "*" for these, so least-privilege checks accept the wildcard for them."""

# -- The instructor's room (workshop room) ----------------------------------------------------
ROOM_HOST = "127.0.0.1"
"""Where `workshop room serve` listens unless --bind names another address."""
DEFAULT_ROOM_PORT = 4848
ENV_ROOM_SEND_TIMEOUT = "WORKSHOP_ROOM_SEND_TIMEOUT"
DEFAULT_ROOM_SEND_TIMEOUT_SECONDS = 2.0
"""How long a learner's background sender waits for the room before keeping events for later."""
ROOM_RETRY_SECONDS = 30.0
"""While events wait undelivered, the sender tries again this often (and at each new event)."""
ROOM_STUCK_MINUTES = 5.0
ROOM_STUCK_REPEATS = 3
"""Stuck: the same exercise failing for this many minutes, or the same mistake this many times."""
ROOM_REFRESH_SECONDS = 10
