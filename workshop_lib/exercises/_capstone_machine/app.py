"""The capstone's wrapping machine: wraps one gift, and jams now and then.

`check()` deploys it beside the learner's workflow. An order whose id is in JAM_ORDERS jams
once (MachineJammed) and works when tried again: the first attempt leaves a marker in
JAM_BUCKET, so a retry finds it. Every wrapped order leaves `wrapped/<orderId>` there too, so
the check can tell which orders were wrapped.
"""

import os

import boto3


class MachineJammed(Exception):
    """The machine jammed; the same order works when it is tried again."""


def lambda_handler(event, context):
    order_id = str(event["orderId"])
    bucket = os.environ["JAM_BUCKET"]
    s3 = boto3.client("s3")
    if order_id in os.environ.get("JAM_ORDERS", "").split(","):
        try:
            s3.head_object(Bucket=bucket, Key=f"jammed/{order_id}")
        except s3.exceptions.ClientError:
            s3.put_object(Bucket=bucket, Key=f"jammed/{order_id}", Body=b"jammed once")
            raise MachineJammed(f"paper stuck in the rollers while wrapping {order_id}") from None
    parcel = f"{event['gift']} in {event['paper']} paper"
    s3.put_object(Bucket=bucket, Key=f"wrapped/{order_id}", Body=parcel.encode("utf-8"))
    return {"orderId": order_id, "parcel": parcel}
