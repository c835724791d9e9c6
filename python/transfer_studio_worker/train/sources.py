"""Where a phase's batches come from: cached features, or images (decoded, augmented on the
device, normalised). Both give each rank its slice of the same global batches, together with the
global batch size the loss is divided by; and both serve validation and the final outputs.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import torch

from ..data import Pixels, Split, augment_seeds, global_batches, rank_slice
from ..ddp import Dist
from .accel import Accel
from .augment import augment, is_augmenting, normalize
from .features import FeatureStore
from .losses import metric_sum, per_example_loss


class Batch(NamedTuple):
    x: torch.Tensor  # this rank's inputs, on the device
    y: torch.Tensor
    n: int           # examples in the GLOBAL batch (the loss divides by it)
    files: List[str]


class FeatureSource:
    """Batches of cached features (the head trains on them)."""

    def __init__(self, store: FeatureStore, split: Split, device: torch.device) -> None:
        self.store = store
        self.split = split
        self.ys = torch.from_numpy(split.ys).to(device)

    def batches(self, order: List[List[int]], dist: Dist, phase: str = '', epoch: int = 0, augmenting: bool = False,
                seed: int = 0) -> Iterator[Batch]:
        off = self.split.offset
        for b in order:
            ok = [i for i in b if bool(self.store.valid[off + i])]
            mine = rank_slice(ok, dist.rank, dist.world)
            yield Batch(self.store.get([off + i for i in mine]), self.ys[mine], len(ok), [self.split.files[i] for i in mine])


class ImageSource:
    """Batches of images: uint8 from the pixel store, on the device augmented (training only) and
    normalised. The augmentation of an example depends on its position in the epoch's order."""

    def __init__(self, pixels: Pixels, split: Split, device: torch.device, preprocess: str, spec: Optional[Dict[str, Any]]) -> None:
        self.pixels = pixels
        self.split = split
        self.device = device
        self.preprocess = preprocess
        self.spec = spec if is_augmenting(spec) else None
        self.ys = torch.from_numpy(split.ys).to(device)

    def batches(self, order: List[List[int]], dist: Dist, phase: str = '', epoch: int = 0, augmenting: bool = False,
                seed: int = 0, first_position: int = 0) -> Iterator[Batch]:
        off = self.split.offset
        failed = self.pixels.failed
        spec = self.spec if augmenting else None
        seeds = augment_seeds(first_position + sum(len(b) for b in order), seed, phase, epoch) if spec else []
        slices: List[Tuple[List[int], Dict[int, int]]] = []
        pos = first_position
        for b in order:
            where = {off + i: pos + j for j, i in enumerate(b)}
            mine = rank_slice([i for i in b if off + i not in failed], dist.rank, dist.world)
            slices.append(([off + i for i in mine], where))
            pos += len(b)
        stream = self.pixels.batches([s for s, _ in slices])
        for b, (_, where), (rows, px) in zip(order, slices, stream):
            n = sum(1 for i in b if off + i not in failed)  # after this batch's own decode failures
            x = px.to(self.device, non_blocking=True)
            if spec:
                x = augment(x, spec, [seeds[where[r]] for r in rows])
            local = [r - off for r in rows]
            yield Batch(normalize(x, self.preprocess), self.ys[local], n, [self.split.files[i] for i in local])


def epoch_batches(split: Split, batch_size: int) -> List[List[int]]:
    """The split in order, in batches (validation, evaluation, extraction)."""
    return global_batches(list(range(len(split))), batch_size)


def score(forward: Callable[[torch.Tensor], torch.Tensor], source: Any, batch_size: int, task: str, accel: Accel, dist: Dist,
          keep_outputs: bool = False) -> Tuple[Optional[Tuple[float, float]], List[str], List[List[float]]]:
    """(mean loss, mean metric) over a split in inference mode, every rank scoring its slices; and,
    with keep_outputs (one process), the outputs per file. The loss has no class weights and no
    regularisation, as scoreBatches() in loop.ts."""
    loss = metric = n = 0.0
    files: List[str] = []
    values: List[List[float]] = []
    with torch.no_grad(), accel.autocast():
        for b in source.batches(epoch_batches(source.split, batch_size), dist):
            if b.x.shape[0] == 0:
                continue
            p = forward(b.x).float()
            loss += float(per_example_loss(task, b.y, p).sum())
            metric += float(metric_sum(task, b.y, p))
            n += b.x.shape[0]
            if keep_outputs:
                files.extend(b.files)
                values.extend(p.cpu().tolist())
    loss, metric, n = dist.sum_values([loss, metric, n])
    return ((loss / n, metric / n) if n else None), files, values
