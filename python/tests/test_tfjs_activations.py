"""Activation functions and layers against their TF.js formulas (constants spelled out)."""
import math
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, rand

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
erf = np.vectorize(math.erf)


def softplus(x):
    return np.log1p(np.exp(x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


FORMULAS = {
    'linear': lambda x: x,
    'relu': lambda x: np.maximum(x, 0),
    'relu6': lambda x: np.clip(x, 0, 6),
    'elu': lambda x: np.where(x > 0, x, np.exp(x) - 1),
    'selu': lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
    'gelu': lambda x: x * 0.5 * (1 + erf(x / math.sqrt(2))),
    'gelu_new': lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
    'sigmoid': sigmoid,
    'hardSigmoid': lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    'tanh': np.tanh,
    'softplus': softplus,
    'softsign': lambda x: x / (np.abs(x) + 1),
    'swish': lambda x: x * sigmoid(x),
    'mish': lambda x: x * np.tanh(softplus(x)),
    'softmax': lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    'logSoftmax': lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
}


class ActivationTest(TempDirTest):
    def one(self, x, cls, weights=(), **config):
        return self.run_nhwc(self.model_of([layer(cls, 'a', **config)], list(x.shape[1:]), list(weights)), x)

    def test_every_activation_name_on_images_and_flat_features(self):
        for shape in ((2, 3, 4, 5), (3, 7)):
            x = rand(shape, 1, -8, 8)
            for name, formula in FORMULAS.items():
                with self.subTest(name=name, shape=shape):
                    self.assertClose(self.one(x, 'Activation', activation=name), formula(x.astype(np.float64)), tol=2e-5)

    def test_relu_layer_options(self):
        x = rand((2, 3, 4, 2), 2, -8, 8)
        self.assertClose(self.one(x, 'ReLU', max_value=6), np.clip(x, 0, 6))
        self.assertClose(self.one(x, 'ReLU'), np.maximum(x, 0))
        want = np.minimum(np.where(x >= 1, x, 0.1 * (x - 1)), 4)
        self.assertClose(self.one(x, 'ReLU', max_value=4, negative_slope=0.1, threshold=1), want)

    def test_leaky_elu_thresholded_softmax_layers(self):
        x = rand((2, 3, 4, 2), 3, -4, 4)
        self.assertClose(self.one(x, 'LeakyReLU'), np.where(x > 0, x, 0.3 * x))
        self.assertClose(self.one(x, 'LeakyReLU', alpha=0.1), np.where(x > 0, x, 0.1 * x))
        self.assertClose(self.one(x, 'ELU', alpha=0.5), np.where(x > 0, x, 0.5 * (np.exp(x) - 1)))
        self.assertClose(self.one(x, 'ThresholdedReLU', theta=1.5), np.where(x > 1.5, x, 0))
        self.assertClose(self.one(x, 'Softmax'), FORMULAS['softmax'](x))
        self.assertClose(self.one(x, 'Softmax', axis=1), np.exp(x) / np.exp(x).sum(1, keepdims=True))

    def test_prelu_with_shared_axes(self):
        x = rand((2, 3, 4, 2), 4)
        alpha = rand((1, 1, 2), 5)
        self.assertClose(self.one(x, 'PReLU', [('a/alpha', alpha)], shared_axes=[1, 2]), np.where(x >= 0, x, alpha * x))
        full = rand((3, 4, 2), 6)
        self.assertClose(self.one(x, 'PReLU', [('a/alpha', full)]), np.where(x >= 0, x, full * x))


if __name__ == '__main__':
    unittest.main()
