"""The artifacts bucket: where packaged code and large templates go before CloudFormation."""

from __future__ import annotations

import hashlib

from .. import clients


def artifacts_bucket() -> str:
    """`workshop-artifacts-<account>-<region>` (in aws mode with the learner's prefix, so one
    learner's cleanup never empties a classmate's), created on first use (bucket names are
    global)."""
    from ..learner import name as learner_name

    s3 = clients.client("s3")
    region = s3.meta.region_name
    account = clients.client("sts").get_caller_identity()["Account"]
    name = learner_name(f"workshop-artifacts-{account}-{region}")
    try:
        s3.head_bucket(Bucket=name)
    except s3.exceptions.ClientError:
        options = {}
        if region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **options)
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    return name


def upload_artifact(key: str, body: bytes) -> tuple[str, str]:
    """Upload unless the same bytes are already there (like `sam package`)."""
    s3 = clients.client("s3")
    bucket = artifacts_bucket()
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    try:
        existing = s3.head_object(Bucket=bucket, Key=key)
        if existing.get("ETag", "").strip('"') == digest:
            return bucket, key
    except s3.exceptions.ClientError:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return bucket, key
