"""Throughput and ETA across every phase of a run (src/engine/tfjs/train/progress.ts), and the
throttle that keeps batchEnd events to about ten a second."""
from __future__ import annotations

import time
from typing import Optional


class Progress:
    def __init__(self, total_batches: int) -> None:
        self.remaining = total_batches
        self.sec_per_batch: Optional[float] = None
        self.ips: Optional[float] = None

    def add(self, batches: int) -> None:
        """More (or, negative, less) work than planned: early stopping, a resume."""
        self.remaining = max(0, self.remaining + batches)

    def batch_done(self, seconds: float, examples: int) -> None:
        self.remaining = max(0, self.remaining - 1)
        a = 0.1  # smoothing: recent batches count most
        self.sec_per_batch = seconds if self.sec_per_batch is None else self.sec_per_batch * (1 - a) + seconds * a
        rate = examples / max(seconds, 1e-6)
        self.ips = rate if self.ips is None else self.ips * (1 - a) + rate * a

    def images_per_sec(self) -> float:
        return round((self.ips or 0.0) * 10) / 10

    def eta_sec(self) -> Optional[float]:
        return None if self.sec_per_batch is None else round(self.remaining * self.sec_per_batch)


class Throttle:
    """True at most every `interval` seconds, and always when `force`."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.last = 0.0

    def __call__(self, force: bool = False) -> bool:
        now = time.monotonic()
        if force or now - self.last >= self.interval:
            self.last = now
            return True
        return False
