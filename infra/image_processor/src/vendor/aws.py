"""boto3 clients, made once per execution environment and reused by every warm invoke.

Every handler in infra/ builds its clients this way: `aws.client("s3")`, at call time. The
canonical copy is infra/shared/aws.py; each Lambda package holds a byte-identical copy in its
vendor/ folder (see infra/shared/vendor.py). The workbook, loading a handler into a notebook,
swaps the module's `aws` for its own clients, so the same code talks to the local cloud or to
the learner's account.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3


@functools.cache
def client(service: str) -> Any:
    # Creating a client costs tens of milliseconds; a warm environment keeps this one, with its
    # open connections, for the next invoke.
    return boto3.client(service)
