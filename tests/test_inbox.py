"""The inbox: an SQS queue subscribed to an SNS topic, read back as messages, in the local cloud."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator

import pytest

from workshop_lib import clients
from workshop_lib.inbox import Inbox, InboxError, Message, Messages

pytestmark = pytest.mark.cloud


@pytest.fixture()
def topic(local_cloud) -> Iterator[str]:
    sns = clients.client("sns")
    arn = sns.create_topic(Name=f"santa-news-{uuid.uuid4().hex[:6]}")["TopicArn"]
    yield arn
    sns.delete_topic(TopicArn=arn)


@pytest.fixture()
def inbox(topic: str) -> Iterator[Inbox]:
    with Inbox.subscribe(topic) as subscribed:
        yield subscribed


def publish(topic: str, message: str, subject: str | None = None, **attributes: str) -> None:
    extra = {"Subject": subject} if subject else {}
    clients.client("sns").publish(
        TopicArn=topic,
        Message=message,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
        **extra,
    )


def test_subscribing_creates_a_queue_only_this_topic_may_write_to(topic: str, inbox: Inbox):
    sqs, sns = clients.client("sqs"), clients.client("sns")
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=inbox.queue_url, AttributeNames=["Policy"])["Attributes"][
            "Policy"
        ]
    )
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == inbox.queue_arn
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("sqs", inbox.queue_arn)]


def test_a_published_message_arrives_readable(topic: str, inbox: Inbox):
    publish(topic, "Ho Ho Ho!\n360 kids stamped.", "Santa's list is stamped", status="SUCCEEDED")
    (message,) = inbox.messages(wait_s=5)
    assert message.subject == "Santa's list is stamped"
    assert message.message == "Ho Ho Ho!\n360 kids stamped."
    assert message.attributes == {"status": "SUCCEEDED"}
    assert message.status == "SUCCEEDED"
    assert message.topic_arn == topic
    assert message.timestamp is not None and message.timestamp.tzinfo is not None
    assert message.message_id


def test_each_message_is_returned_once(topic: str, inbox: Inbox):
    publish(topic, "first")
    assert [m.message for m in inbox.messages(wait_s=5)] == ["first"]
    assert inbox.messages(wait_s=0) == []
    publish(topic, "second")
    assert [m.message for m in inbox.messages(wait_s=5)] == ["second"]


def test_expected_waits_for_that_many_messages(topic: str, inbox: Inbox):
    def publish_later() -> None:
        for number in range(3):
            publish(topic, f"message {number}")

    publisher = threading.Timer(0.3, publish_later)
    publisher.start()
    try:
        received = inbox.messages(wait_s=15, expected=3)
    finally:
        publisher.join()
    assert sorted(m.message for m in received) == ["message 0", "message 1", "message 2"]


def test_clear_throws_away_waiting_messages(topic: str, inbox: Inbox):
    for number in range(12):
        publish(topic, f"old {number}")
    assert inbox.clear() == 12
    publish(topic, "new")
    assert [m.message for m in inbox.messages(wait_s=5)] == ["new"]


def test_delete_unsubscribes_and_removes_the_queue(topic: str):
    sns, sqs = clients.client("sns"), clients.client("sqs")
    inbox = Inbox.subscribe(topic, name=f"inbox-test-{uuid.uuid4().hex[:6]}")
    assert inbox.name.startswith("inbox-test-")
    inbox.delete()
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    assert inbox.queue_url not in sqs.list_queues().get("QueueUrls", [])
    inbox.delete()  # twice is harmless
    with pytest.raises(InboxError, match="deleted"):
        inbox.messages(wait_s=0)


def test_delete_after_the_topic_is_gone(local_cloud):
    sns = clients.client("sns")
    topic = sns.create_topic(Name=f"short-lived-{uuid.uuid4().hex[:6]}")["TopicArn"]
    inbox = Inbox.subscribe(topic)
    sns.delete_topic(TopicArn=topic)
    inbox.delete()
    assert inbox.deleted


def test_subscribing_to_a_missing_topic_explains(local_cloud):
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    with pytest.raises(InboxError) as raised:
        Inbox.subscribe(missing)
    assert "no-such-topic" in str(raised.value)
    assert "TopicArn" in (raised.value.hint or "")


def test_a_body_that_is_not_an_sns_envelope_is_kept_as_text():
    message = Message.from_sqs_body("just text")
    assert message.message == "just text"
    assert message.subject is None and message.attributes == {}


def test_messages_display_escaped_with_their_status():
    envelope = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Subject": "<b>rejected</b>",
        "Message": "item 5 & more",
        "Timestamp": "2024-12-24T23:59:00.000Z",
        "MessageAttributes": {"status": {"Type": "String", "Value": "FAILED"}},
    }
    message = Message.from_sqs_body(json.dumps(envelope))
    page = Messages([message])._repr_html_()
    assert "&lt;b&gt;rejected&lt;/b&gt;" in page and "<b>rejected</b>" not in page
    assert "item 5 &amp; more" in page
    assert "FAILED" in page and "2024-12-24 23:59:00 UTC" in page
    assert "No messages" in Messages()._repr_html_()
