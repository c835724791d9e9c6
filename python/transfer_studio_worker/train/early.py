"""The monitored value of a phase: which epoch is best (the `best` checkpoint), early stopping
(direction from `mode`, `patience`, `minDelta`) and Keras's restore_best_weights.

Without early stopping the best checkpoint still follows val_loss (or the training loss when
there is no validation data), as the TF.js engine does.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import torch


class Monitor:
    def __init__(self, early: Optional[Dict[str, Any]], has_validation: bool) -> None:
        self.early = early
        if early:
            self.name, self.mode, self.min_delta, self.patience = early['monitor'], early['mode'], early['minDelta'], early['patience']
        else:
            self.name, self.mode, self.min_delta, self.patience = ('val_loss' if has_validation else 'loss'), 'min', 0.0, None
        self.best: Optional[float] = None
        self.best_epoch = 0  # 1-based; 0: none yet
        self.since_best = 0
        self.best_weights: Optional[Dict[str, torch.Tensor]] = None

    def value(self, logs: Dict[str, Optional[float]]) -> Optional[float]:
        """The monitored value of an epoch's logs (falling back as loop.ts does when it is absent)."""
        for key in (self.name, 'val_loss', 'loss'):
            if logs.get(key) is not None:
                return logs[key]
        return None

    def update(self, epoch: int, value: Optional[float], model: torch.nn.Module) -> bool:
        """After epoch `epoch` (1-based): True when it improved on the best so far."""
        if value is None:
            self.since_best += 1
            return False
        if self.best is None:
            improved = True
        elif self.mode == 'max':
            improved = value > self.best + self.min_delta
        else:
            improved = value < self.best - self.min_delta
        if not improved:
            self.since_best += 1
            return False
        self.best, self.best_epoch, self.since_best = value, epoch, 0
        if self.early and self.early.get('restoreBest', True):
            self.best_weights = snapshot(model)
        return True

    def should_stop(self) -> bool:
        return self.patience is not None and self.since_best >= self.patience

    def restore(self, model: torch.nn.Module, last_epoch: int) -> bool:
        """Back to the best epoch's weights when a later epoch ran (restore_best_weights)."""
        if self.best_weights is None or self.best_epoch >= last_epoch:
            return False
        model.load_state_dict(self.best_weights, strict=False)
        return True

    def state_dict(self) -> Dict[str, Any]:
        return {'best': self.best, 'bestEpoch': self.best_epoch, 'sinceBest': self.since_best, 'bestWeights': self.best_weights}

    def load_state_dict(self, s: Dict[str, Any]) -> None:
        self.best, self.best_epoch, self.since_best, self.best_weights = s['best'], s['bestEpoch'], s['sinceBest'], s['bestWeights']


def snapshot(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """What training can change: trainable parameters and every buffer (a trainable BatchNorm's
    statistics), copied to the CPU so a large model's copy does not take GPU memory."""
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    out = {}
    for name, t in model.state_dict(keep_vars=True).items():
        if name in trainable or not isinstance(t, torch.nn.Parameter):
            out[name] = t.detach().to('cpu', copy=True)
    return out
