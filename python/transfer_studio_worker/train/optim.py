"""Optimizers, per-group learning-rate multipliers and the per-epoch learning rate, as
src/engine/tfjs/train/optimizers.ts (scheduledRate), plus reduce-on-plateau (Keras semantics).

The hyper-parameters follow TF.js's defaults so both engines take the same steps: Adam
β = (0.9, 0.999), ε = 1e-7; RMSprop decay 0.9, ε = 1e-7; SGD with (non-Nesterov) momentum.
weightDecay: decoupled (AdamW) for adam, L2 added to the gradient for sgd and rmsprop (torch's
own weight_decay), which TF.js does not have.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch


def scheduled_rate(schedule: Dict[str, Any], base: float, epoch: int, epochs: int) -> float:
    """The rate of `epoch` (0-based) of `epochs` for the non-adaptive schedules."""
    kind = schedule['type']
    if kind == 'cosine':
        warm = schedule.get('warmupEpochs') or 0
        low = schedule.get('minLearningRate') or 0.0
        if epoch < warm:
            return base * (epoch + 1) / (warm + 1)
        t = 0.0 if epochs - warm <= 1 else (epoch - warm) / (epochs - warm - 1)
        return low + 0.5 * (base - low) * (1 + math.cos(math.pi * min(1.0, t)))
    if kind == 'step':
        return base * schedule['factor'] ** (epoch // schedule['everyEpochs'])
    return base


class Plateau:
    """Keras ReduceLROnPlateau: after `patience` epochs without improvement of the monitored value,
    rate ← max(rate × factor, minLearningRate), and the wait starts again."""

    def __init__(self, schedule: Dict[str, Any], base: float, mode: str, min_delta: float) -> None:
        self.factor = schedule['factor']
        self.patience = schedule['patience']
        self.low = schedule.get('minLearningRate') or 0.0
        self.mode = mode
        self.min_delta = min_delta
        self.rate = base
        self.best: Optional[float] = None
        self.wait = 0

    def update(self, value: Optional[float]) -> Optional[str]:
        """After an epoch: the rate for the next one. Returns a log line when it changes."""
        if value is None:
            return None
        better = self.best is None or (value < self.best - self.min_delta if self.mode == 'min' else value > self.best + self.min_delta)
        if better:
            self.best, self.wait = value, 0
            return None
        self.wait += 1
        if self.wait < self.patience:
            return None
        self.wait = 0
        new = max(self.rate * self.factor, self.low)
        if new >= self.rate:
            return None
        old, self.rate = self.rate, new
        return f'reduce on plateau: no improvement for {self.patience} epochs; learning rate {old:.3g} → {new:.3g}'

    def state_dict(self) -> Dict[str, Any]:
        return {'rate': self.rate, 'best': self.best, 'wait': self.wait}

    def load_state_dict(self, s: Dict[str, Any]) -> None:
        self.rate, self.best, self.wait = s['rate'], s['best'], s['wait']


def multiplier_for(name: str, class_name: str, in_head: bool, multipliers: Optional[Dict[str, float]]) -> float:
    """By layer name, then by class name, then "head" for the new layers, then "base" (fastai's
    discriminative learning rates), as paramGroups() in optimizers.ts."""
    m = multipliers or {}
    for key in (name, class_name):
        if key in m:
            return m[key]
    if in_head and 'head' in m:
        return m['head']
    return m.get('base', 1.0)


def param_groups(leaves: Sequence[Tuple[str, str, torch.nn.Module]], head_names: set, extra: Sequence[torch.nn.Parameter],
                 multipliers: Optional[Dict[str, float]]) -> List[Tuple[float, List[torch.nn.Parameter]]]:
    """(multiplier, trainable parameters) per distinct multiplier, in a stable order (the order of
    the layers), so a checkpoint's optimizer state maps back onto the same groups. `extra`: trainable
    parameters owned by no leaf (e.g. a ViT's class token) get the base multiplier."""
    groups: Dict[float, List[torch.nn.Parameter]] = {}
    seen = set()
    for name, cls, module in leaves:
        m = multiplier_for(name, cls, name in head_names, multipliers)
        for p in module.parameters():
            if id(p) in seen or not p.requires_grad:
                continue
            seen.add(id(p))
            if m > 0:
                groups.setdefault(m, []).append(p)
    base = (multipliers or {}).get('base', 1.0)
    for p in extra:
        if id(p) not in seen and p.requires_grad and base > 0:
            seen.add(id(p))
            groups.setdefault(base, []).append(p)
    return list(groups.items())


def make_optimizer(training: Dict[str, Any], groups: List[Tuple[float, List[torch.nn.Parameter]]], rate: float) -> torch.optim.Optimizer:
    spec = [{'params': ps, 'lr': rate * m, 'multiplier': m} for m, ps in groups]
    kind = training['optimizer']
    decay = training.get('weightDecay') or 0.0
    momentum = training.get('momentum') or 0.0
    if kind == 'sgd':
        return torch.optim.SGD(spec, lr=rate, momentum=momentum, weight_decay=decay)
    if kind == 'rmsprop':
        return torch.optim.RMSprop(spec, lr=rate, alpha=0.9, eps=1e-7, momentum=momentum, weight_decay=decay)
    if decay:
        return torch.optim.AdamW(spec, lr=rate, betas=(0.9, 0.999), eps=1e-7, weight_decay=decay)
    return torch.optim.Adam(spec, lr=rate, betas=(0.9, 0.999), eps=1e-7)


def set_rate(optimizer: torch.optim.Optimizer, rate: float) -> None:
    for g in optimizer.param_groups:
        g['lr'] = rate * g['multiplier']
