"""Losses and metrics per task, as src/engine/tfjs/train/losses.ts: the model's last layer already
applies softmax / sigmoid, so the losses take probabilities, clipped to [1e-7, 1 − 1e-7]. Always
computed in float32 (under fp16 autocast, 1 − 1e-7 would round to 1 and log(0) would follow)."""
from __future__ import annotations

from typing import Optional

import torch

EPS = 1e-7


def metric_name(task: str) -> str:
    return {'single-label': 'accuracy', 'multi-label': 'binary_accuracy'}.get(task, 'mae')


def per_example_loss(task: str, y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Shape [batch]."""
    p = p.float()
    if task == 'single-label':
        return -(y * torch.log(p.clamp(EPS, 1 - EPS))).sum(-1)
    if task == 'multi-label':
        q = p.clamp(EPS, 1 - EPS)
        return -(y * torch.log(q) + (1 - y) * torch.log(1 - q)).mean(-1)
    return ((p - y) ** 2).mean(-1)


def weighted_loss_sum(task: str, y: torch.Tensor, p: torch.Tensor, class_weights: Optional[torch.Tensor]) -> torch.Tensor:
    """Σ over the examples of their loss, each weighed by its true class (single-label). The batch
    loss is this divided by the GLOBAL batch size (a mean over the batch, as Keras)."""
    per = per_example_loss(task, y, p)
    if class_weights is not None and task == 'single-label':
        per = per * (y * class_weights).sum(-1)
    return per.sum()


def metric_sum(task: str, y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Σ over the examples of the task's metric (divide by the count for the mean)."""
    p = p.float()
    if task == 'single-label':
        return (y.argmax(-1) == p.argmax(-1)).float().sum()
    if task == 'multi-label':
        return ((p > 0.5) == (y > 0.5)).float().mean(-1).sum()
    return (p - y).abs().mean(-1).sum()
