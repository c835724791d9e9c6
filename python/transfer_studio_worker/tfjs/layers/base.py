"""What every rebuilt leaf layer shares: its TF.js name and config, the weights it maps to and
from TF.js layout, its regularizers, and its frozen flag."""
import numpy as np
import torch
from torch import nn

from ..errors import ModelError


def regularizer_terms(spec):
    """(l1, l2) of a serialized Keras/TF.js regularizer, or None. Keras's string shortcuts
    ('l2', 'l1', 'l1_l2') mean 0.01 each, as in Keras."""
    if not spec:
        return None
    if isinstance(spec, str):
        return {'l1': (0.01, 0.0), 'l2': (0.0, 0.01), 'l1_l2': (0.01, 0.01)}.get(spec.lower())
    name = str(spec.get('class_name', '')).lower().replace('_', '')
    cfg = spec.get('config') or {}
    if name in ('l1l2', 'l1', 'l2'):
        return float(cfg.get('l1') or 0.0), float(cfg.get('l2') or 0.0)
    return None


def tensor(array, dtype=torch.float32):
    """A torch tensor owning a contiguous copy of `array`."""
    return torch.from_numpy(np.ascontiguousarray(array)).to(dtype)


class Layer(nn.Module):
    """A TF.js leaf layer rebuilt in torch. Subclasses build in __init__(config, weights), where
    weights maps each suffix of weight_names(config) to its array in TF.js layout, and call
    bind() for each so the model can write it back. forward() gets internal-layout tensors
    (see layout.py): a tensor, or a list for merge layers."""

    multi_input = False

    def __init__(self, config):
        super().__init__()
        self.layer_name = config.get('name', '?')
        self.config = config
        self.frozen = False
        self._slots = {}
        self._regularizers = []
        if config.get('data_format') == 'channels_first':
            raise self.error('uses channels_first data, which the PyTorch rebuild does not support',
                             hint='save the model with channels_last (the Keras default)')

    @classmethod
    def weight_names(cls, config):
        """Suffixes of the weights this layer owns, in TF.js's order ("kernel", "bias", …)."""
        return []

    def error(self, why, hint=None):
        return ModelError(f'layer "{self.layer_name}" ({type(self).__name__}) {why}', layer=self.layer_name, hint=hint)

    def bind(self, suffix, attr, to_tfjs=lambda t: t, regularizer=None):
        """Declare that weight `suffix` lives in self.<attr>, and how to turn it back into TF.js
        layout; `regularizer` names the config key holding its penalty (e.g. kernel_regularizer)."""
        self._slots[suffix] = (attr, to_tfjs)
        terms = regularizer_terms(self.config.get(regularizer)) if regularizer else None
        if terms and (terms[0] or terms[1]):
            self._regularizers.append((attr, terms[0], terms[1]))

    def tfjs_weights(self):
        """suffix -> float32 array in TF.js layout (shape as in the manifest)."""
        return {s: to_tfjs(getattr(self, attr).detach()).cpu().numpy().astype(np.float32)
                for s, (attr, to_tfjs) in self._slots.items()}

    def regularization_loss(self):
        """TF.js semantics: l1 * sum(|w|) + l2 * sum(w**2); layout does not change either sum."""
        total = None
        for attr, l1, l2 in self._regularizers:
            w = getattr(self, attr)
            term = (l1 * w.abs().sum() if l1 else 0) + (l2 * w.pow(2).sum() if l2 else 0)
            total = term if total is None else total + term
        return total

    def set_frozen(self, frozen):
        """Keras's trainable=False: no gradients; layers that care (BatchNormalization) also
        switch to inference behaviour, even in train mode."""
        self.frozen = bool(frozen)
        for p in self.parameters(recurse=False):
            p.requires_grad_(not self.frozen)

    def extra_repr(self):
        return f'name={self.layer_name!r}'
