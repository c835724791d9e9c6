"""Normalization: BatchNormalization (Keras semantics when frozen), LayerNormalization."""
import torch
import torch.nn.functional as F
from torch import nn

from ..layout import internal_axis, move_axis
from .base import Layer, tensor


def _single_axis(layer, axis):
    if isinstance(axis, list):
        if len(axis) != 1:
            raise layer.error('normalizes over several axes, which the PyTorch rebuild does not support')
        axis = axis[0]
    return int(axis)


class BatchNormalization(Layer):
    """Keras momentum m is torch momentum 1 - m. A frozen layer (trainable=False) runs in
    inference mode even under train(True): moving statistics used, never updated (Keras 2.1.3+).

    In training torch updates the moving variance with the unbiased batch variance where TF.js
    uses the biased one: a factor n/(n-1) in the update only, never in the normalization."""

    @classmethod
    def weight_names(cls, config):
        names = ['gamma'] if config.get('scale', True) else []
        names += ['beta'] if config.get('center', True) else []
        return names + ['moving_mean', 'moving_variance']

    def __init__(self, config, weights):
        super().__init__(config)
        self.axis = _single_axis(self, config.get('axis', -1))
        self.eps = float(config.get('epsilon', 1e-3))
        self.momentum = 1.0 - float(config.get('momentum', 0.99))
        self.weight = self.bias = None
        if 'gamma' in weights:
            self.weight = nn.Parameter(tensor(weights['gamma']))
            self.bind('gamma', 'weight', regularizer='gamma_regularizer')
        if 'beta' in weights:
            self.bias = nn.Parameter(tensor(weights['beta']))
            self.bind('beta', 'bias', regularizer='beta_regularizer')
        self.register_buffer('running_mean', tensor(weights['moving_mean']))
        self.register_buffer('running_var', tensor(weights['moving_variance']))
        self.bind('moving_mean', 'running_mean')
        self.bind('moving_variance', 'running_var')

    def forward(self, x):
        axis = internal_axis(self.axis, x.dim())
        if axis != 1:
            x = move_axis(x, axis, 1)
        y = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         self.training and not self.frozen, self.momentum, self.eps)
        return move_axis(y, 1, axis) if axis != 1 else y


class LayerNormalization(Layer):
    """Normalizes over one axis (the last, as Keras builds it by default)."""

    @classmethod
    def weight_names(cls, config):
        names = ['gamma'] if config.get('scale', True) else []
        return names + (['beta'] if config.get('center', True) else [])

    def __init__(self, config, weights):
        super().__init__(config)
        self.axis = _single_axis(self, config.get('axis', -1))
        self.eps = float(config.get('epsilon', 1e-3))
        self.weight = self.bias = None
        if 'gamma' in weights:
            self.weight = nn.Parameter(tensor(weights['gamma']))
            self.bind('gamma', 'weight', regularizer='gamma_regularizer')
        if 'beta' in weights:
            self.bias = nn.Parameter(tensor(weights['beta']))
            self.bind('beta', 'bias', regularizer='beta_regularizer')

    def forward(self, x):
        axis = internal_axis(self.axis, x.dim())
        mean = x.mean(dim=axis, keepdim=True)
        var = (x - mean).pow(2).mean(dim=axis, keepdim=True)
        y = (x - mean) * torch.rsqrt(var + self.eps)
        shape = [1] * x.dim()
        shape[axis] = -1
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y


LAYERS = {
    'BatchNormalization': BatchNormalization,
    'LayerNormalization': LayerNormalization,
}
