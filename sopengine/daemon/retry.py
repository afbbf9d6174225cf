"""When to try again: exponential backoff with jitter, honouring the provider's retry_after."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


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
