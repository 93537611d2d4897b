"""An inbox for an SNS topic: a queue subscribed to the topic, so a notebook can read what was sent.

SNS pushes each message to its subscribers and keeps nothing, so a notebook needs a subscriber
that holds messages until they are read. An SQS queue does that, in a real account and in the
local cloud alike::

    inbox = Inbox.subscribe(stack["TopicArn"])
    ...                                # something publishes to the topic
    inbox.messages(wait_s=10, expected=1)
    inbox.delete()                     # unsubscribe and remove the queue
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import clients
from .display import Displayable, theme
from .errors import WorkshopError
from .learner import name as learner_name

__all__ = ["Inbox", "InboxError", "Message", "Messages"]

_MAX_QUEUE_NAME = 80
_NOT_ALLOWED_IN_QUEUE_NAMES = re.compile(r"[^A-Za-z0-9_-]+")
# SQS long polling waits at most 20 s per call.
_MAX_POLL_S = 20
_STATUS_COLOURS = {"SUCCEEDED": theme.SUCCESS, "FAILED": theme.FAILURE}


class InboxError(WorkshopError):
    """The inbox cannot be created, read or removed."""


@dataclass(frozen=True)
class Message(Displayable):
    """One message the topic delivered: what an email subscriber would see, and more."""

    subject: str | None
    message: str
    attributes: dict[str, str] = field(default_factory=dict)
    timestamp: datetime | None = None
    message_id: str = ""
    topic_arn: str = ""

    @property
    def status(self) -> str | None:
        """The `status` message attribute, when the publisher set one (Santa's notify does)."""
        return self.attributes.get("status")

    @classmethod
    def from_sqs_body(cls, body: str) -> Message:
        """Read the envelope SNS wraps around each message it puts on a queue."""
        try:
            envelope = json.loads(body)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "Message" not in envelope:
            # Raw message delivery (or something else wrote to the queue): just the text.
            return cls(subject=None, message=body)
        attributes = {
            name: str(value.get("Value", "")) if isinstance(value, dict) else str(value)
            for name, value in (envelope.get("MessageAttributes") or {}).items()
        }
        return cls(
            subject=envelope.get("Subject"),
            message=str(envelope.get("Message", "")),
            attributes=attributes,
            timestamp=_parse_time(envelope.get("Timestamp")),
            message_id=str(envelope.get("MessageId", "")),
            topic_arn=str(envelope.get("TopicArn", "")),
        )

    def __str__(self) -> str:
        when = self.timestamp.strftime("%H:%M:%S") if self.timestamp else "--:--:--"
        header = f"[{when}] {self.subject or '(no subject)'}"
        if self.attributes:
            header += "  " + ", ".join(f"{k}={v}" for k, v in sorted(self.attributes.items()))
        return f"{header}\n{self.message.rstrip()}"

    def _html(self) -> str:
        colour = _STATUS_COLOURS.get(self.status or "", theme.NEUTRAL)
        badge = (
            f"<span style='background:{colour};color:white;border-radius:3px;"
            f"padding:0 6px;font-size:85%'>{html.escape(self.status)}</span> "
            if self.status
            else ""
        )
        when = (
            self.timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            if self.timestamp
            else ""
        )
        others = {k: v for k, v in self.attributes.items() if k != "status"}
        extra = (
            "<br><small>"
            + html.escape(", ".join(f"{k}={v}" for k, v in sorted(others.items())))
            + "</small>"
            if others
            else ""
        )
        return (
            f"<div style='border:1px solid {theme.BORDER};border-left:4px solid {colour};"
            "padding:6px 10px;margin:6px 0;border-radius:4px'>"
            f"{badge}<b>{html.escape(self.subject or '(no subject)')}</b>"
            f" <small style='color:{theme.NEUTRAL}'>{html.escape(when)}</small>{extra}"
            "<pre style='margin:6px 0 0 0;white-space:pre-wrap'>"
            f"{html.escape(self.message.rstrip())}</pre></div>"
        )


class Messages(list[Message], Displayable):
    """The messages one read returned, oldest first. Shows itself as a stack of cards."""

    def __str__(self) -> str:
        if not self:
            return "No messages."
        return "\n\n".join(str(message) for message in self)

    def _html(self) -> str:
        if not self:
            return "<div><i>No messages (yet).</i></div>"
        count = f"{len(self)} message{'s' if len(self) != 1 else ''}"
        return f"<div><b>{count}</b>{''.join(m._repr_html_() for m in self)}</div>"


class Inbox(Displayable):
    """An SQS queue subscribed to one SNS topic. Create it with `Inbox.subscribe(topic_arn)`."""

    def __init__(
        self, topic_arn: str, queue_url: str, queue_arn: str, subscription_arn: str
    ) -> None:
        self.topic_arn = topic_arn
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.subscription_arn = subscription_arn
        self.deleted = False

    @property
    def name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]

    @classmethod
    def subscribe(cls, topic_arn: str, name: str | None = None) -> Inbox:
        """Create a queue, let the topic write to it, and subscribe it to the topic."""
        sns, sqs = clients.client("sns"), clients.client("sqs")
        try:
            sns.get_topic_attributes(TopicArn=topic_arn)
        except sns.exceptions.NotFoundException:
            raise InboxError(
                f"There is no SNS topic {topic_arn}.",
                hint="Deploy the app first and pass its TopicArn output, e.g. "
                'Inbox.subscribe(stack["TopicArn"]).',
            ) from None
        queue_name = name or _queue_name(topic_arn)
        queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        # Without this policy a real SQS queue silently drops what SNS sends it.
        sqs.set_queue_attributes(
            QueueUrl=queue_url,
            Attributes={"Policy": json.dumps(_queue_policy(queue_arn, topic_arn))},
        )
        subscription_arn = sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        return cls(topic_arn, queue_url, queue_arn, subscription_arn)

    def messages(self, wait_s: float = 10.0, expected: int | None = None) -> Messages:
        """New messages, oldest first. Each message is returned by one call only.

        With `expected`, wait up to `wait_s` seconds until that many have arrived. Without it,
        wait up to `wait_s` for the first one, then take whatever else is already there.
        """
        self._check_alive()
        sqs = clients.client("sqs")
        received: list[Message] = []
        deadline = time.monotonic() + wait_s
        first = True
        while expected is None or len(received) < expected:
            remaining = deadline - time.monotonic()
            if expected is None and received:
                poll = 0  # something arrived: collect what is already there, then stop
            elif remaining > 0:
                poll = min(_MAX_POLL_S, math.ceil(remaining))
            elif first:
                poll = 0  # wait_s=0: look once
            else:
                break
            first = False
            batch = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=poll
            ).get("Messages", [])
            if not batch and poll == 0:
                break
            received.extend(self._take(batch))
        received.sort(key=lambda m: m.timestamp or datetime.min.replace(tzinfo=UTC))
        return Messages(received)

    def clear(self) -> int:
        """Throw away every message waiting in the queue; returns how many there were."""
        self._check_alive()
        sqs = clients.client("sqs")
        dropped = 0
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return dropped
            self._acknowledge(batch)
            dropped += len(batch)

    def delete(self) -> None:
        """Unsubscribe from the topic and delete the queue (safe to call twice)."""
        if self.deleted:
            return
        sns, sqs = clients.client("sns"), clients.client("sqs")
        # The topic may have gone first (its stack was destroyed): nothing left to undo then.
        with contextlib.suppress(sns.exceptions.NotFoundException):
            sns.unsubscribe(SubscriptionArn=self.subscription_arn)
        with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=self.queue_url)
        self.deleted = True

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.delete()

    def __repr__(self) -> str:
        state = " (deleted)" if self.deleted else ""
        return f"Inbox({self.name} <- {self.topic_arn}){state}"

    def _html(self) -> str:
        topic = self.topic_arn.rsplit(":", 1)[-1]
        state = " <i>(deleted)</i>" if self.deleted else ""
        return (
            f"<div>📬 Inbox <code>{html.escape(self.name)}</code>: an SQS queue subscribed to "
            f"the SNS topic <code>{html.escape(topic)}</code>{state}</div>"
        )

    def _take(self, batch: Iterable[dict[str, Any]]) -> list[Message]:
        items = list(batch)
        if items:
            self._acknowledge(items)
        return [Message.from_sqs_body(item["Body"]) for item in items]

    def _acknowledge(self, batch: list[dict[str, Any]]) -> None:
        clients.client("sqs").delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": item["ReceiptHandle"]}
                for index, item in enumerate(batch)
            ],
        )

    def _check_alive(self) -> None:
        if self.deleted:
            raise InboxError(
                "This inbox was deleted.",
                hint="Subscribe a new one: Inbox.subscribe(topic_arn).",
            )


def _queue_name(topic_arn: str) -> str:
    topic = _NOT_ALLOWED_IN_QUEUE_NAMES.sub("-", topic_arn.rsplit(":", 1)[-1]).strip("-")
    suffix = uuid.uuid4().hex[:8]
    start = learner_name("inbox-")  # in aws mode with the learner's prefix (shared accounts)
    room = _MAX_QUEUE_NAME - len(start) - len("-") - len(suffix)
    return f"{start}{topic[:room]}-{suffix}"


def _queue_policy(queue_arn: str, topic_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TopicMayDeliver",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
