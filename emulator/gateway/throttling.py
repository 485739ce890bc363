"""Stage throttling: one token bucket per stage, refilled at rateLimit up to burstLimit."""

from __future__ import annotations

import threading
import time

from emulator.gateway.state import ThrottleSettings

# API Gateway's account-level defaults, used for stages without their own settings.
ACCOUNT_RATE_LIMIT = 10_000.0
ACCOUNT_BURST_LIMIT = 5_000


class TokenBucket:
    """The token bucket API Gateway throttles with: a request takes one token or is refused."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = max(rate, 0.0)
        self.burst = max(burst, 0)
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take a token if one is available (throttled otherwise)."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class Throttler:
    """Buckets per (api, stage); a bucket is rebuilt when the stage's limits change."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, api_id: str, stage: str, settings: ThrottleSettings | None) -> bool:
        """Whether the stage's bucket lets this request through."""
        rate = float(settings["rateLimit"]) if settings else ACCOUNT_RATE_LIMIT
        burst = int(settings["burstLimit"]) if settings else ACCOUNT_BURST_LIMIT
        key = (api_id, stage)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                bucket = TokenBucket(rate, burst)
                self._buckets[key] = bucket
        return bucket.try_acquire()
