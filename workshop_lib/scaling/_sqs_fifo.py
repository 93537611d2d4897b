"""A real SQS FIFO queue absorbing a burst: send fast, drain at the consumers' pace, check.

    url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    sent = send_burst(url, 60, groups=3, resend_every=10)   # batches of 10, some sent twice
    received = drain(url)                                   # receive, process, delete
    check_fifo(sent, received)                              # nothing lost, order kept, no repeats

Within a message group a FIFO queue hands messages out in the order they were sent; across
groups there is no order, which is what lets several consumers work in parallel. A message
sent again with the same deduplication id within five minutes is accepted and dropped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .. import clients
from ..display import TableReport
from ..pricing import PriceBook, load_prices
from ._errors import ScalingInputError


@dataclass(frozen=True)
class QueueMessage:
    """One message of the burst: its number, group and deduplication id."""

    number: int
    group: str
    deduplication_id: str


def send_burst(
    queue_url: str,
    count: int,
    *,
    groups: int = 3,
    resend_every: int = 0,
    prices: PriceBook | None = None,
) -> list[QueueMessage]:
    """Send `count` numbered messages as fast as batching allows, spread over `groups` message
    groups (message i goes to group i % groups). `resend_every=n` sends every n-th message a
    second time with the same deduplication id, as a producer retrying after a timeout would.
    Returns the distinct messages sent, in sending order."""
    if count < 1 or groups < 1:
        raise ScalingInputError("count and groups must be at least 1.", hint="e.g. 60 and 3")
    if not queue_url.endswith(".fifo"):
        raise ScalingInputError(
            f"{queue_url} is not a FIFO queue: a standard queue neither keeps order nor drops "
            "repeated messages.",
            hint='Create one whose name ends in ".fifo", with Attributes={"FifoQueue": "true"}.',
        )
    batch_size = int((prices or load_prices()).sqs_fifo.messages_per_batch)
    sqs = clients.client("sqs")
    messages = [QueueMessage(i, f"customer-{i % groups}", f"order-{i}") for i in range(count)]
    outgoing = list(messages)
    if resend_every:
        outgoing += [m for m in messages if m.number % resend_every == resend_every - 1]
    for start in range(0, len(outgoing), batch_size):
        batch = outgoing[start : start + batch_size]
        response = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {
                    "Id": str(index),
                    "MessageBody": json.dumps({"number": m.number}),
                    "MessageGroupId": m.group,
                    "MessageDeduplicationId": m.deduplication_id,
                }
                for index, m in enumerate(batch)
            ],
        )
        if response.get("Failed"):
            failure = response["Failed"][0]
            raise ScalingInputError(
                f"SQS refused a message: {failure.get('Code')}: {failure.get('Message')}",
                hint="Is it a FIFO queue (name ending in .fifo, FifoQueue=true)?",
            )
    return messages


def drain(
    queue_url: str,
    *,
    max_messages: int | None = None,
    idle_polls: int = 2,
    wait_s: int = 1,
) -> list[QueueMessage]:
    """Receive (10 at a time), 'process' and delete every message until the queue is empty.

    Returns the messages in the order they were received. Stops after `idle_polls` empty
    receives in a row (each long-polls up to `wait_s` seconds), or after `max_messages`.
    """
    sqs = clients.client("sqs")
    received: list[QueueMessage] = []
    empty = 0
    while empty < idle_polls and (max_messages is None or len(received) < max_messages):
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_s,
            AttributeNames=["MessageGroupId", "MessageDeduplicationId"],
        )
        batch = response.get("Messages", [])
        if not batch:
            empty += 1
            continue
        empty = 0
        for message in batch:
            attributes = message.get("Attributes", {})
            received.append(
                QueueMessage(
                    json.loads(message["Body"])["number"],
                    attributes.get("MessageGroupId", ""),
                    attributes.get("MessageDeduplicationId", ""),
                )
            )
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    return received


@dataclass(frozen=True)
class FifoCheck(TableReport):
    """Did the queue keep its promises? Nothing lost, no duplicates, order kept per group."""

    sent: int
    received: int
    lost: tuple[int, ...]
    duplicates: tuple[int, ...]
    out_of_order_groups: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.out_of_order_groups)

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("messages sent (distinct)", str(self.sent)),
            ("messages received", str(self.received)),
            ("lost", str(len(self.lost))),
            ("received twice", str(len(self.duplicates))),
            ("groups out of order", ", ".join(self.out_of_order_groups) or "none"),
        ]

    def _title(self) -> str:
        verdict = "nothing lost, order kept" if self.ok else "PROBLEMS"
        return f"FIFO queue check: {verdict}"

    HEADERS = ("", "count")

    def _verdict(self) -> bool:
        return self.ok


def check_fifo(sent: Sequence[QueueMessage], received: Sequence[QueueMessage]) -> FifoCheck:
    """Compare what was sent with what came out of the queue."""
    sent_numbers = {m.number for m in sent}
    seen: set[int] = set()
    duplicates = []
    for message in received:
        if message.number in seen:
            duplicates.append(message.number)
        seen.add(message.number)
    by_group: dict[str, list[int]] = defaultdict(list)
    for message in received:
        by_group[message.group].append(message.number)
    expected: dict[str, list[int]] = defaultdict(list)
    for message in sent:
        expected[message.group].append(message.number)
    out_of_order = sorted(
        group
        for group, numbers in by_group.items()
        if _first_seen(numbers) != [n for n in expected.get(group, []) if n in set(numbers)]
    )
    return FifoCheck(
        sent=len(sent_numbers),
        received=len(received),
        lost=tuple(sorted(sent_numbers - seen)),
        duplicates=tuple(duplicates),
        out_of_order_groups=tuple(out_of_order),
    )


def _first_seen(numbers: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    ordered = []
    for number in numbers:
        if number not in seen:
            seen.add(number)
            ordered.append(number)
    return ordered
