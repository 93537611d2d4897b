"""boto3 clients, made once per execution environment and reused by every warm invoke."""

from __future__ import annotations

import functools
from typing import Any

import boto3


@functools.cache
def client(service: str) -> Any:
    # Creating a client costs tens of milliseconds; a warm environment keeps this one, with its
    # open connections, for the next invoke.
    return boto3.client(service)
