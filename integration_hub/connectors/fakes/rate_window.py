"""The sliding-window rate limit a vendor fake enforces: `limit` calls in any `window` seconds."""
from __future__ import annotations

import math
import threading
import time


class SlidingWindow:
    """Counts calls; `take()` admits one (None) or says how many whole seconds until a slot frees."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.refused = 0            # calls turned away
        self._calls: list[float] = []
        self._lock = threading.Lock()

    def take(self) -> int | None:
        now = time.monotonic()
        with self._lock:
            self._calls = [t for t in self._calls if t > now - self.window]
            if len(self._calls) >= self.limit:
                self.refused += 1
                return max(1, math.ceil(self._calls[0] + self.window - now))
            self._calls.append(now)
            return None

    def remaining(self) -> int:
        with self._lock:
            return self.limit - len(self._calls)
