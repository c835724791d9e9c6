"""BatchNormalization (inference formula, center/scale, Keras momentum, frozen = inference mode
even in train mode) and LayerNormalization."""
import unittest

import numpy as np
import torch

from test_tfjs_helpers import TempDirTest, layer, rand


def bn_weights(name, c, seed=0, scale=True, center=True):
    w = []
    if scale:
        w.append((f'{name}/gamma', rand((c,), seed, 0.5, 1.5)))
    if center:
        w.append((f'{name}/beta', rand((c,), seed + 1)))
    return w + [(f'{name}/moving_mean', rand((c,), seed + 2)), (f'{name}/moving_variance', rand((c,), seed + 3, 0.5, 2.0))]


class BatchNormTest(TempDirTest):
    def bn_model(self, shape=(4, 5, 3), **config):
        c = shape[-1]
        weights = bn_weights('bn', c, scale=config.get('scale', True), center=config.get('center', True))
        cfg = {'axis': -1, 'momentum': 0.9, 'epsilon': 1e-3, **config}
        return self.model_of([layer('BatchNormalization', 'bn', **cfg)], list(shape), weights), dict(weights)

    def test_inference_formula_with_epsilon_from_the_config(self):
        for center, scale in ((True, True), (False, True), (True, False), (False, False)):
            with self.subTest(center=center, scale=scale):
                m, w = self.bn_model(center=center, scale=scale, epsilon=0.01)
                x = rand((2, 4, 5, 3), 4)
                want = (x - w['bn/moving_mean']) / np.sqrt(w['bn/moving_variance'] + 0.01)
                want = want * w.get('bn/gamma', 1.0) + w.get('bn/beta', 0.0)
                self.assertClose(self.run_nhwc(m, x), want)

    def test_after_dense_on_flat_features(self):
        m, w = self.bn_model(shape=(6,))
        x = rand((3, 6), 5)
        want = (x - w['bn/moving_mean']) / np.sqrt(w['bn/moving_variance'] + 1e-3) * w['bn/gamma'] + w['bn/beta']
        self.assertClose(self.run_nhwc(m, x), want)

    def test_sequences_normalize_their_last_axis(self):
        m, w = self.bn_model(shape=(5, 3))
        x = rand((2, 5, 3), 8)
        want = (x - w['bn/moving_mean']) / np.sqrt(w['bn/moving_variance'] + 1e-3) * w['bn/gamma'] + w['bn/beta']
        self.assertClose(self.run_nhwc(m, x), want)

    def test_training_updates_moving_statistics_with_keras_momentum(self):
        m, w = self.bn_model()
        m.train(True)
        x = torch.from_numpy(rand((4, 4, 5, 3), 6))
        m(x)
        (_, _, bn), = m.leaf_layers()
        batch_mean = x.mean(dim=(0, 1, 2)).numpy()
        self.assertClose(bn.running_mean.numpy(), 0.9 * w['bn/moving_mean'] + 0.1 * batch_mean)

    def test_frozen_stays_in_inference_mode_under_train_and_keeps_its_statistics(self):
        m, w = self.bn_model()
        m.set_frozen(['bn'])
        m.train(True)
        x = torch.from_numpy(rand((4, 4, 5, 3), 7)).requires_grad_(True)
        y = m(x)
        y.sum().backward()
        (_, _, bn), = m.leaf_layers()
        np.testing.assert_array_equal(bn.running_mean.numpy(), w['bn/moving_mean'])
        np.testing.assert_array_equal(bn.running_var.numpy(), w['bn/moving_variance'])
        self.assertIsNone(bn.weight.grad)
        self.assertFalse(bn.weight.requires_grad or bn.bias.requires_grad)
        self.assertIsNotNone(x.grad, 'gradients still flow through to the input')
        m.eval()
        with torch.no_grad():
            self.assertClose(y.detach().numpy(), m(x).numpy())

    def test_trainable_false_in_the_config_freezes_it(self):
        m, _ = self.bn_model(trainable=False)
        (_, _, bn), = m.leaf_layers()
        self.assertTrue(bn.frozen)


class LayerNormTest(TempDirTest):
    def test_normalizes_over_the_last_axis_of_images(self):
        gamma, beta = rand((3,), 1, 0.5, 1.5), rand((3,), 2)
        m = self.model_of([layer('LayerNormalization', 'ln', axis=-1, epsilon=1e-3)], [4, 5, 3], [('ln/gamma', gamma), ('ln/beta', beta)])
        x = rand((2, 4, 5, 3), 3)
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        self.assertClose(self.run_nhwc(m, x), (x - mean) / np.sqrt(var + 1e-3) * gamma + beta)


if __name__ == '__main__':
    unittest.main()
