"""An SQS FIFO queue in front of the group, so requests wait instead of being dropped."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..pricing import PriceBook
from ._errors import require_positive


@dataclass(frozen=True)
class FifoQueue:
    """Throughput settings of the FIFO queue (defaults: AWS's documented quotas, from the data).

    Without high-throughput mode, each API action (SendMessage, ReceiveMessage, DeleteMessage)
    allows `transactions_per_second` calls; batching puts up to `messages_per_batch` messages in
    one call. Producers that are throttled keep their messages and send them later.
    """

    transactions_per_second: float | None = None
    messages_per_batch: float | None = None
    batching: bool = True

    def messages_per_second(self, book: PriceBook) -> float:
        limits = book.sqs_fifo
        calls = self.transactions_per_second or limits.transactions_per_second
        batch = (self.messages_per_batch or limits.messages_per_batch) if self.batching else 1.0
        return require_positive("queue throughput", calls * batch)


class Backlog:
    """Messages in the queue, oldest first, plus messages producers could not send yet."""

    def __init__(self, messages_per_second: float) -> None:
        self.limit = messages_per_second
        self.waiting_to_send = 0.0
        self._batches: deque[list[float]] = deque()  # [arrival time, messages], oldest first

    @property
    def depth(self) -> float:
        return sum(batch[1] for batch in self._batches)

    def oldest_age(self, moment: float) -> float:
        return moment - self._batches[0][0] if self._batches else 0.0

    def send(self, messages: float, moment: float, seconds: float) -> None:
        """Producers send what arrived plus what was throttled before, up to the send limit."""
        wanting = self.waiting_to_send + messages
        sent = min(wanting, self.limit * seconds)
        self.waiting_to_send = wanting - sent
        if sent > 0:
            self._batches.append([moment, sent])

    def receive(self, capacity: float, seconds: float) -> float:
        """Consumers take up to `capacity` messages (and the receive limit allows), oldest first."""
        budget = min(capacity, self.limit * seconds)
        left = budget
        # Each pass empties a batch or spends the rest of the budget, so the loop always ends
        # (subtracting crumbs from a large running total could stall in floating point).
        while self._batches and left > 1e-12:
            batch = self._batches[0]
            if batch[1] <= left:
                left -= batch[1]
                self._batches.popleft()
            else:
                batch[1] -= left
                left = 0.0
                if batch[1] <= 1e-12:
                    self._batches.popleft()
        return budget - left
