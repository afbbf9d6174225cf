"""When to try again: exponential backoff with jitter, honouring the provider's retry_after."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sopengine.channels import Retryable
from sopengine.store import states


@dataclass(frozen=True)
class RetryVerdict:
    """What a retryable failure comes to: ``retrying`` at ``next_attempt_at``, or given up
    (``failed``, ``missed``) with the reason."""

    state: str
    reason: str | None = None
    next_attempt_at: datetime | None = None


@dataclass
class RetryPolicy:
    """Delay before attempt ``n + 1`` after ``n`` failed ones: ``base * factor**(n-1)``, capped, jittered.

    Jitter draws the delay uniformly from [50 %, 100 %] of the exponential
    value so that many actions failing together do not retry together. A
    provider's ``retry_after`` is a floor. After ``max_attempts`` the action fails.
    """

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 10
    #: Attempts after which a send that may each time have been delivered (a timeout waiting for
    #: the answer) is given up: retrying it nine times could post it nine times.
    max_uncertain_attempts: int = 3
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failed_attempts: int, retry_after: timedelta | None = None) -> timedelta:
        exponential = min(self.cap.total_seconds(), self.base.total_seconds() * self.factor ** (failed_attempts - 1))
        jittered = timedelta(seconds=exponential * self.rng.uniform(0.5, 1.0))
        return max(jittered, retry_after) if retry_after else jittered

    def after(self, result: Retryable, failed_attempts: int, now: datetime, deadline: datetime,
              late: str = "past due + grace") -> RetryVerdict:
        """What the ``failed_attempts``-th retryable failure comes to, for anything the daemon sends
        (an action, a notice): failed after :attr:`max_attempts` (or :attr:`max_uncertain_attempts`
        that may each have been delivered), missed when the next try would be past ``deadline``
        (``late`` says what that deadline is), else retried."""
        if failed_attempts >= self.max_attempts:
            return RetryVerdict(states.FAILED, f"gave up after {failed_attempts} attempts: {result.reason}")
        if result.maybe_delivered and failed_attempts >= self.max_uncertain_attempts:
            return RetryVerdict(states.FAILED, (
                f"gave up after {failed_attempts} attempts that may each have been delivered (check the group "
                f"before retrying): {result.reason}"))
        retry_at = now + self.delay(failed_attempts, result.retry_after)
        if retry_at > deadline:
            return RetryVerdict(states.MISSED, f"next retry would be {late}: {result.reason}")
        return RetryVerdict(states.RETRYING, next_attempt_at=retry_at)
