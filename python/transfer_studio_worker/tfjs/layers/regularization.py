"""Regularization layers: the identity at inference, active only in train mode (Keras/TF.js:
a frozen Dropout still drops, as trainable=False does not change Dropout's behaviour)."""
import math

import torch
import torch.nn.functional as F

from .base import Layer


class _Noise(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.rate = float(config.get('rate', config.get('p', 0.0)) or 0.0)


class Dropout(_Noise):
    def __init__(self, config, weights):
        super().__init__(config, weights)
        if config.get('noise_shape') is not None:
            raise self.error('sets noise_shape, which the PyTorch rebuild does not support', hint='use SpatialDropout2D to drop whole feature maps')

    def forward(self, x):
        return F.dropout(x, self.rate, self.training) if self.rate > 0 else x


class SpatialDropout2D(_Noise):
    """Drops whole feature maps (dim 1 is the channel axis inside)."""

    def forward(self, x):
        return F.dropout2d(x, self.rate, self.training) if self.rate > 0 and x.dim() == 4 else F.dropout(x, self.rate, self.training)


class AlphaDropout(_Noise):
    def forward(self, x):
        return F.alpha_dropout(x, self.rate, self.training) if self.rate > 0 else x


class GaussianNoise(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.stddev = float(config.get('stddev', 0.0))

    def forward(self, x):
        return x + torch.randn_like(x) * self.stddev if self.training and self.stddev > 0 else x


class GaussianDropout(_Noise):
    """Multiplies by noise of mean 1 and stddev sqrt(rate / (1 - rate))."""

    def forward(self, x):
        if not self.training or not 0 < self.rate < 1:
            return x
        return x * (1.0 + torch.randn_like(x) * math.sqrt(self.rate / (1.0 - self.rate)))


class Identity(Layer):
    """ActivityRegularization adds a loss term only; the identity otherwise."""

    def __init__(self, config, weights):
        super().__init__(config)

    def forward(self, x):
        return x


LAYERS = {
    'Dropout': Dropout,
    'SpatialDropout2D': SpatialDropout2D,
    'AlphaDropout': AlphaDropout,
    'GaussianNoise': GaussianNoise,
    'GaussianDropout': GaussianDropout,
    'ActivityRegularization': Identity,
}
