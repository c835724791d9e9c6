"""Activation functions under their TF.js names, and the activation layers (Activation, ReLU,
LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax). Formulas follow tfjs-layers 4.x."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from ..layout import channel_axis, internal_axis
from .base import Layer, tensor


def _softmax(x):
    return torch.softmax(x, dim=channel_axis(x.dim()))


def _log_softmax(x):
    return torch.log_softmax(x, dim=channel_axis(x.dim()))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)

# TF.js name -> function of an internal-layout tensor
ACTIVATIONS = {
    'linear': lambda x: x,
    'relu': torch.relu,
    'relu6': lambda x: torch.clamp(x, 0.0, 6.0),
    'elu': F.elu,  # TF.js's activation has alpha 1
    'selu': torch.selu,  # same constants as TF.js (1.6732632…, 1.0507009…)
    'gelu': lambda x: x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0))),  # TF.js: exact erf form
    'gelu_new': lambda x: 0.5 * x * (1.0 + torch.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x.pow(3)))),
    'sigmoid': torch.sigmoid,
    'hardSigmoid': lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),  # TF.js's slope 0.2, not Keras 3's 1/6
    'tanh': torch.tanh,
    'softmax': _softmax,
    'logSoftmax': _log_softmax,
    'softplus': F.softplus,
    'softsign': lambda x: x / (x.abs() + 1.0),
    'swish': lambda x: x * torch.sigmoid(x),
    'mish': lambda x: x * torch.tanh(F.softplus(x)),
    'exponential': torch.exp,
}
# Keras spellings TF.js also accepts in configs written by Python tools
_ALIASES = {'hard_sigmoid': 'hardSigmoid', 'silu': 'swish', 'log_softmax': 'logSoftmax'}


def activation_name(spec):
    """The TF.js name of a config's activation (string, or a serialized {class_name} object)."""
    if spec is None:
        return 'linear'
    if isinstance(spec, dict):
        spec = spec.get('class_name') or (spec.get('config') or {}).get('name') or 'linear'
    return _ALIASES.get(spec, spec)


def get_activation(spec, layer):
    """The function for `spec`; an unknown name is refused naming the layer."""
    name = activation_name(spec)
    fn = ACTIVATIONS.get(name)
    if fn is None:
        raise layer.error(f'uses activation "{name}", which the PyTorch rebuild does not have')
    return fn


class Activation(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.name_ = activation_name(config.get('activation'))
        self.fn = get_activation(config.get('activation'), self)

    def forward(self, x):
        return self.fn(x)


class ReLU(Layer):
    """Keras's ReLU: max_value, negative_slope, threshold (TF.js reads only max_value; the
    others are 0 in every model TF.js can load, and then both agree)."""

    def __init__(self, config, weights):
        super().__init__(config)
        self.max_value = config.get('max_value')
        self.negative_slope = float(config.get('negative_slope') or 0.0)
        self.threshold = float(config.get('threshold') or 0.0)

    def forward(self, x):
        if self.negative_slope == 0.0 and self.threshold == 0.0:
            y = torch.relu(x)
        else:
            y = torch.where(x >= self.threshold, x, self.negative_slope * (x - self.threshold))
        if self.max_value is not None:
            y = torch.clamp(y, max=float(self.max_value))
        return y


class LeakyReLU(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        alpha = config.get('alpha', config.get('negative_slope'))
        self.alpha = 0.3 if alpha is None else float(alpha)  # TF.js/Keras 2 default

    def forward(self, x):
        return F.leaky_relu(x, self.alpha)


class ELU(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.alpha = float(config.get('alpha', 1.0))

    def forward(self, x):
        return F.elu(x, self.alpha)


class ThresholdedReLU(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.theta = float(config.get('theta', 1.0))

    def forward(self, x):
        return x * (x > self.theta).to(x.dtype)


class Softmax(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        axis = config.get('axis', -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise self.error('normalizes over several axes, which the PyTorch rebuild does not support')
            axis = axis[0]
        self.axis = int(axis)

    def forward(self, x):
        return torch.softmax(x, dim=internal_axis(self.axis, x.dim()))


class PReLU(Layer):
    """alpha has the input's shape without the batch axis, 1 along shared_axes (TF.js layout)."""

    @classmethod
    def weight_names(cls, config):
        return ['alpha']

    def __init__(self, config, weights):
        super().__init__(config)
        alpha = weights['alpha']
        self.tf_rank = alpha.ndim + 1
        # internal layout: [H,W,C] -> [C,H,W] for image inputs
        self.alpha = nn.Parameter(tensor(alpha.transpose(2, 0, 1) if self.tf_rank == 4 else alpha))
        self.bind('alpha', 'alpha', (lambda t: t.permute(1, 2, 0)) if self.tf_rank == 4 else (lambda t: t), 'alpha_regularizer')

    def forward(self, x):
        return torch.where(x >= 0, x, self.alpha * x)


LAYERS = {
    'Activation': Activation,
    'ReLU': ReLU,
    'LeakyReLU': LeakyReLU,
    'ELU': ELU,
    'ThresholdedReLU': ThresholdedReLU,
    'Softmax': Softmax,
    'PReLU': PReLU,
}
