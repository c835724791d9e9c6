"""Regularization: dropout and noise are the identity at inference and act in train mode;
regularization_loss sums the configs' L1/L2 penalties as TF.js does."""
import unittest

import numpy as np
import torch

from test_tfjs_helpers import TempDirTest, layer, rand


class NoiseLayersTest(TempDirTest):
    def test_identity_at_inference(self):
        x = rand((2, 4, 4, 3), 1)
        for cls, cfg in (('Dropout', {'rate': 0.5}), ('SpatialDropout2D', {'rate': 0.5}), ('GaussianNoise', {'stddev': 1.0}),
                         ('GaussianDropout', {'rate': 0.5}), ('AlphaDropout', {'rate': 0.5}), ('ActivityRegularization', {'l1': 0.1})):
            with self.subTest(cls=cls):
                m = self.model_of([layer(cls, 'n', **cfg)], [4, 4, 3], [])
                np.testing.assert_array_equal(self.run_nhwc(m, x), x)

    def test_dropout_drops_and_rescales_in_train_mode(self):
        m = self.model_of([layer('Dropout', 'd', rate=0.5)], [1000], [])
        m.train(True)
        torch.manual_seed(0)
        y = m(torch.ones(4, 1000))
        self.assertEqual(set(np.unique(y.numpy()).tolist()), {0.0, 2.0})
        self.assertAlmostEqual(float((y == 0).float().mean()), 0.5, delta=0.05)

    def test_spatial_dropout_drops_whole_feature_maps(self):
        m = self.model_of([layer('SpatialDropout2D', 's', rate=0.5)], [3, 3, 64], [])
        m.train(True)
        torch.manual_seed(1)
        y = m(torch.ones(2, 3, 3, 64)).numpy()
        per_map = y.reshape(2, 9, 64)
        self.assertTrue(np.all(per_map.min(axis=1) == per_map.max(axis=1)), 'each map is all kept or all dropped')
        self.assertTrue(0 < (per_map[:, 0] == 0).mean() < 1)


class RegularizationLossTest(TempDirTest):
    def test_l1_l2_of_kernels_and_biases(self):
        k1, b1 = rand((4, 3), 1), rand((3,), 2)
        k2 = rand((3, 3, 2, 4), 3)
        layers = [layer('Conv2D', 'c', filters=4, kernel_size=[3, 3], use_bias=False, kernel_regularizer={'class_name': 'L1L2', 'config': {'l1': 0.0, 'l2': 0.01}}),
                  layer('GlobalAveragePooling2D', 'g'),
                  layer('Dense', 'd', units=3, kernel_regularizer={'class_name': 'L1L2', 'config': {'l1': 0.02, 'l2': 0.5}},
                        bias_regularizer={'class_name': 'L2', 'config': {'l2': 0.25}})]
        m = self.model_of(layers, [5, 5, 2], [('c/kernel', k2), ('d/kernel', k1), ('d/bias', b1)])
        want = 0.01 * (k2 ** 2).sum() + 0.02 * np.abs(k1).sum() + 0.5 * (k1 ** 2).sum() + 0.25 * (b1 ** 2).sum()
        loss = m.regularization_loss()
        self.assertEqual(loss.dim(), 0)
        self.assertAlmostEqual(float(loss), float(want), places=5)
        loss.backward()
        (_, _, conv), _, (_, _, dense) = m.leaf_layers()
        self.assertClose(conv.weight.grad.permute(2, 3, 1, 0).numpy(), 0.02 * k2)

    def test_zero_without_regularizers(self):
        m = self.model_of([layer('Dense', 'd', units=2)], [3], [('d/kernel', rand((3, 2))), ('d/bias', rand((2,)))])
        self.assertEqual(float(m.regularization_loss()), 0.0)


if __name__ == '__main__':
    unittest.main()
