"""Several processes (torchrun, one per GPU) training as one: the process group, and the few
collectives the loop needs. With one process every call here is a no-op.

Why gradients are all-reduced by hand instead of wrapping the model in DistributedDataParallel:
the loop already scales each rank's loss by 1 / (global batch size), so a plain SUM of the
gradients is exactly the single-process mean over the global batch, uneven last batch included;
a rank whose share of a batch is empty still takes part (with zero gradients), which DDP's
reducer does not allow; frozen parameters, a head-only optimizer and torch.compile need no
special care. The cost is no overlap of communication with the backward pass, which is small
next to a transfer-learning step (few trainable parameters, gradients flattened into buckets).
"""
from __future__ import annotations

import datetime
import os
from typing import List, Optional, Sequence

import torch
import torch.distributed as dist

BUCKET_BYTES = 32 * 2 ** 20


class Dist:
    def __init__(self) -> None:
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        self.local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        self.local_world = int(os.environ.get('LOCAL_WORLD_SIZE', str(self.world)))
        self.device: Optional[torch.device] = None
        self.backend: Optional[str] = None

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def init(self, device: torch.device) -> None:
        """nccl between GPUs, gloo on the CPU; rendezvous from torchrun's environment."""
        self.device = device
        if not self.enabled or dist.is_initialized():
            return
        self.backend = 'nccl' if device.type == 'cuda' else 'gloo'
        dist.init_process_group(self.backend, timeout=datetime.timedelta(minutes=30))

    def close(self) -> None:
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()

    def _comm(self, t: torch.Tensor) -> torch.Tensor:
        """nccl reduces only device tensors; gloo only CPU ones."""
        if self.backend == 'nccl' and t.device.type != 'cuda':
            return t.to(self.device)
        if self.backend == 'gloo' and t.device.type != 'cpu':
            return t.cpu()
        return t

    def sum_(self, t: torch.Tensor) -> torch.Tensor:
        """In-place SUM over ranks (any device: moved for the backend and back, in chunks)."""
        if not self.enabled:
            return t
        flat = t.view(-1)
        step = max(1, BUCKET_BYTES // max(1, t.element_size()))
        for i in range(0, flat.numel(), step):
            part = flat[i:i + step]
            c = self._comm(part)
            dist.all_reduce(c, op=dist.ReduceOp.SUM)
            if c is not part:
                part.copy_(c)
        return t

    def sum_values(self, values: Sequence[float]) -> List[float]:
        """SUM over ranks of a few numbers (losses, counts, the stop flag) in one collective."""
        if not self.enabled:
            return [float(v) for v in values]
        t = self._comm(torch.tensor([float(v) for v in values], dtype=torch.float64))
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t.tolist()

    def allreduce_grads(self, params: Sequence[torch.nn.Parameter]) -> None:
        """SUM of the gradients over ranks, bucketed by dtype (a missing gradient counts as zero)."""
        if not self.enabled:
            return
        by_dtype: dict = {}
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            by_dtype.setdefault(p.grad.dtype, []).append(p.grad)
        for grads in by_dtype.values():
            bucket: List[torch.Tensor] = []
            size = 0
            for g in grads:
                bucket.append(g)
                size += g.numel() * g.element_size()
                if size >= BUCKET_BYTES:
                    self._reduce_bucket(bucket)
                    bucket, size = [], 0
            if bucket:
                self._reduce_bucket(bucket)

    def _reduce_bucket(self, grads: List[torch.Tensor]) -> None:
        flat = torch.cat([g.reshape(-1) for g in grads])
        self.sum_(flat)
        offset = 0
        for g in grads:
            g.copy_(flat[offset:offset + g.numel()].view_as(g))
            offset += g.numel()

    def barrier(self) -> None:
        if self.enabled:
            if self.backend == 'nccl':
                dist.barrier(device_ids=[self.local_rank])
            else:
                dist.barrier()


def solo() -> Dist:
    """A one-process view (rank 0 working alone: the final outputs, the exports)."""
    d = Dist()
    d.world, d.rank, d.local_rank, d.local_world = 1, 0, 0, 1
    return d
