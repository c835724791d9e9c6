"""The feature-extraction fast path: with the whole base frozen and no augmentation, the base runs
once per example (no_grad, inference mode, under AMP when on) and the head trains on its outputs,
kept in memory on the device (on the CPU when they would take more than half of its free memory).

Several processes: each rank extracts its share (every W-th batch) and the shares are summed over
the ranks (each row is written by exactly one rank, the others hold zeros, so the sum is exact),
leaving every rank with all the features — it needs them, since every global batch draws from the
whole training set. That is W times faster than each rank extracting everything, for one
all-reduce of the feature matrix.
"""
from __future__ import annotations

import time
from typing import Callable, List, Optional

import torch

from ..data import Pixels, global_batches
from ..ddp import Dist
from .accel import Accel
from .augment import normalize


class FeatureStore:
    def __init__(self, features: torch.Tensor, valid: torch.Tensor, device: torch.device) -> None:
        self.features = features  # [examples of the run, *feature shape]
        self.valid = valid        # bool [examples]: False where the image could not be decoded
        self.device = device

    def get(self, indices: List[int]) -> torch.Tensor:
        idx = torch.tensor(indices, dtype=torch.long, device=self.features.device)
        return self.features.index_select(0, idx).to(self.device, non_blocking=True)

    def ok(self, indices: List[int]) -> List[int]:
        v = self.valid
        return [i for i in indices if bool(v[i])]


def _placement(device: torch.device, nbytes: int) -> torch.device:
    if device.type != 'cuda':
        return device
    try:
        free, _total = torch.cuda.mem_get_info(device)
    except Exception:  # older torch: assume it fits
        return device
    return device if nbytes <= free // 2 else torch.device('cpu')


def extract(base: torch.nn.Module, pixels: Pixels, count: int, preprocess: str, batch_size: int, accel: Accel, dist: Dist,
            should_stop: Callable[[], bool], on_batch: Callable[[int, int, float, int], None]) -> Optional[FeatureStore]:
    """Features of pixel indices 0 … count−1; None when stopped."""
    device = accel.device
    h, w, c = pixels.image['height'], pixels.image['width'], pixels.image['channels']
    base.eval()
    with torch.no_grad(), accel.autocast():
        probe = base(torch.zeros(1, h, w, c, device=device))
    shape, dtype = list(probe.shape[1:]), probe.dtype
    per = probe[0].numel() * probe.element_size()
    where = _placement(device, per * count)
    features = torch.zeros([count] + shape, dtype=dtype, device=where)
    valid = torch.zeros(count, dtype=torch.float32, device=where)
    batches = global_batches(list(range(count)), batch_size)
    mine = batches[dist.rank::dist.world]
    rounds = -(-len(batches) // dist.world)  # every rank runs as many rounds (and collectives)
    stream = pixels.batches(mine)
    done = 0
    for r in range(rounds):
        stop = should_stop() if dist.main else False
        if dist.sum_values([1.0 if stop else 0.0])[0] > 0:
            return None
        if r >= len(mine):
            continue
        t0 = time.perf_counter()
        rows, px = next(stream)
        if rows:
            with torch.no_grad(), accel.autocast():
                out = base(normalize(px.to(device, non_blocking=True), preprocess))
            idx = torch.tensor(rows, dtype=torch.long, device=where)
            features.index_copy_(0, idx, out.to(where, dtype))
            valid.index_fill_(0, idx, 1.0)
        done = min(count, (r + 1) * batch_size * dist.world)
        on_batch(done, count, time.perf_counter() - t0, len(rows) * dist.world)
    dist.sum_(features)
    dist.sum_(valid)
    return FeatureStore(features, valid > 0.5, device)

