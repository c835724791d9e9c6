"""Core layers: InputLayer, Dense (which, like TF.js's, acts on the last axis of any rank)."""
import torch.nn.functional as F
from torch import nn

from ..layout import to_internal, to_tfjs
from .activations import get_activation
from .base import Layer, tensor


class InputLayer(Layer):
    def __init__(self, config, weights):
        super().__init__(config)

    def forward(self, x):
        return x


class Dense(Layer):
    @classmethod
    def weight_names(cls, config):
        return ['kernel', 'bias'] if config.get('use_bias', True) else ['kernel']

    def __init__(self, config, weights):
        super().__init__(config)
        self.weight = nn.Parameter(tensor(weights['kernel'].T))  # [in, out] -> torch's [out, in]
        self.bind('kernel', 'weight', lambda t: t.t(), 'kernel_regularizer')
        self.bias = None
        if 'bias' in weights:
            self.bias = nn.Parameter(tensor(weights['bias']))
            self.bind('bias', 'bias', regularizer='bias_regularizer')
        self.act = get_activation(config.get('activation'), self)

    def forward(self, x):
        if x.dim() == 4:  # internal NCHW: the last TF.js axis is dim 1
            y = to_internal(F.linear(to_tfjs(x), self.weight, self.bias))
        else:
            y = F.linear(x, self.weight, self.bias)
        return self.act(y)


LAYERS = {
    'InputLayer': InputLayer,
    'Dense': Dense,
}
