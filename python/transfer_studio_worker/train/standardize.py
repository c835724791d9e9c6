"""The head's feature standardiser (plan.model.standardize): a frozen BatchNormalization the
TypeScript side put at the head's input; its moving mean and variance become the statistics of
the training split's features (never validation's), the variance shrunk towards the mean
variance exactly as src/engine/tfjs/train/standardize.ts does, so both engines save the same
kind of model. The statistics are read at the layer's own input (after the head's pooling) by a
forward pre-hook while the training examples run through in inference mode."""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Optional

import torch


def shrunk_variance(variance: torch.Tensor) -> torch.Tensor:
    shrink = float(os.environ.get('TRANSFER_STUDIO_STANDARDIZE_SHRINK', '1') or 1)
    if not shrink >= 0:
        shrink = 1.0
    return variance + shrink * variance.mean()


def find_layer(adapted: Any, name: Optional[str]) -> Optional[torch.nn.Module]:
    if not name:
        return None
    for n, _cls, module in adapted.leaves:
        if n == name or n.endswith('/' + name):
            return module
    return None


def fit_standardizer(module: torch.nn.Module, forward: Callable[[torch.Tensor], Any], batches: Iterable[torch.Tensor]) -> int:
    """Runs `forward` over `batches` (inference mode, no gradients), collects the standardiser's
    inputs per channel and sets its moving statistics. Returns the number of examples seen."""
    sums: dict = {}

    def hook(_m: torch.nn.Module, inputs: Any) -> None:
        x = inputs[0].detach().to(torch.float64)
        flat = x.reshape(x.shape[0], -1) if x.dim() == 2 else x.movedim(-1, 1).reshape(x.shape[0], x.shape[-1], -1).transpose(1, 2).reshape(-1, x.shape[-1])
        if 's' not in sums:
            sums['s'] = torch.zeros(flat.shape[1], dtype=torch.float64)
            sums['q'] = torch.zeros(flat.shape[1], dtype=torch.float64)
            sums['n'] = 0
        sums['s'] += flat.sum(0).cpu()
        sums['q'] += (flat * flat).sum(0).cpu()
        sums['n'] += flat.shape[0]

    handle = module.register_forward_pre_hook(hook)
    try:
        with torch.no_grad():
            for x in batches:
                forward(x)
    finally:
        handle.remove()
    n = sums.get('n', 0)
    if not n:
        return 0
    mean = sums['s'] / n
    var = (sums['q'] / n - mean * mean).clamp(min=0)
    running_mean = getattr(module, 'running_mean')
    running_var = getattr(module, 'running_var')
    running_mean.copy_(mean.to(running_mean.dtype))
    running_var.copy_(shrunk_variance(var).to(running_var.dtype))
    return n
