"""A burst through a real SQS FIFO queue: nothing lost, no duplicates, order kept per group."""

from __future__ import annotations

import uuid

import pytest

from workshop_lib import clients
from workshop_lib.scaling import QueueMessage, ScalingInputError, check_fifo, drain, send_burst


@pytest.fixture
def queue(local_cloud):
    sqs = clients.client("sqs")
    url = sqs.create_queue(
        QueueName=f"orders-{uuid.uuid4().hex[:6]}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)


def test_a_burst_comes_out_whole_in_order_and_without_the_resent_copies(queue):
    sent = send_burst(queue, 35, groups=3, resend_every=5)
    assert len(sent) == 35
    received = drain(queue, wait_s=0, idle_polls=1)
    assert len(received) == 35  # the 7 messages sent twice were dropped by deduplication
    check = check_fifo(sent, received)
    assert check.ok
    for group in ("customer-0", "customer-1", "customer-2"):
        numbers = [m.number for m in received if m.group == group]
        assert numbers == sorted(numbers)
    assert "nothing lost" in check._repr_html_()


def test_the_check_notices_loss_repeats_and_reordering():
    sent = [QueueMessage(i, f"g{i % 2}", f"d{i}") for i in range(6)]
    received = [sent[2], sent[0], sent[1], sent[1], sent[3]]  # 4 and 5 lost, g0 out of order
    check = check_fifo(sent, received)
    assert not check.ok
    assert check.lost == (4, 5)
    assert check.duplicates == (1,)
    assert check.out_of_order_groups == ("g0",)


def test_sending_to_a_standard_queue_is_explained(local_cloud):
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName=f"plain-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    try:
        with pytest.raises(ScalingInputError, match="FIFO"):
            send_burst(url, 3)
    finally:
        sqs.delete_queue(QueueUrl=url)
