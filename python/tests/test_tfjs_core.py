"""Core layers: Dense on flat features and on images (last axis), with its activation."""
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, rand


class DenseTest(TempDirTest):
    def test_flat_input(self):
        k, b = rand((5, 3), 1), rand((3,), 2)
        m = self.model_of([layer('Dense', 'd', units=3, activation='tanh')], [5], [('d/kernel', k), ('d/bias', b)])
        x = rand((4, 5), 3)
        self.assertClose(self.run_nhwc(m, x), np.tanh(x @ k + b))

    def test_image_input_acts_on_the_last_axis(self):
        k = rand((3, 2), 4)
        m = self.model_of([layer('Dense', 'd', units=2, use_bias=False)], [4, 5, 3], [('d/kernel', k)])
        x = rand((2, 4, 5, 3), 5)
        self.assertClose(self.run_nhwc(m, x), x @ k)

    def test_weights_go_back_in_tfjs_layout(self):
        k, b = rand((5, 3), 6), rand((3,), 7)
        m = self.model_of([layer('Dense', 'd', units=3)], [5], [('d/kernel', k), ('d/bias', b)])
        (_, cls, module), = m.leaf_layers()
        self.assertEqual(cls, 'Dense')
        w = module.tfjs_weights()
        np.testing.assert_array_equal(w['kernel'], k)
        np.testing.assert_array_equal(w['bias'], b)


if __name__ == '__main__':
    unittest.main()
