"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate. Inputs of the
same rank share one layout, so element-wise merges broadcast as in TF.js."""
import functools

import torch

from ..layout import internal_axis
from .base import Layer


class _Merge(Layer):
    multi_input = True

    def __init__(self, config, weights):
        super().__init__(config)

    def check(self, xs):
        if len({x.dim() for x in xs}) > 1:
            raise self.error('merges tensors of different ranks, which the PyTorch rebuild does not support')
        return xs


class Add(_Merge):
    def forward(self, xs):
        return functools.reduce(torch.add, self.check(xs))


class Multiply(_Merge):
    def forward(self, xs):
        return functools.reduce(torch.mul, self.check(xs))


class Maximum(_Merge):
    def forward(self, xs):
        return functools.reduce(torch.maximum, self.check(xs))


class Minimum(_Merge):
    def forward(self, xs):
        return functools.reduce(torch.minimum, self.check(xs))


class Subtract(_Merge):
    def forward(self, xs):
        if len(xs) != 2:
            raise self.error(f'needs exactly 2 inputs, got {len(xs)}')
        a, b = self.check(xs)
        return a - b


class Average(_Merge):
    def forward(self, xs):
        return functools.reduce(torch.add, self.check(xs)) / len(xs)


class Concatenate(_Merge):
    def __init__(self, config, weights):
        super().__init__(config, weights)
        self.axis = int(config.get('axis', -1))

    def forward(self, xs):
        xs = self.check(xs)
        return torch.cat(xs, dim=internal_axis(self.axis, xs[0].dim()))


LAYERS = {
    'Add': Add,
    'Subtract': Subtract,
    'Multiply': Multiply,
    'Average': Average,
    'Maximum': Maximum,
    'Minimum': Minimum,
    'Concatenate': Concatenate,
}
