"""Reshaping: Flatten keeps NHWC order (so a Dense after it is right), Reshape, Permute,
ZeroPadding2D, Cropping2D, UpSampling2D nearest and TF.js's legacy bilinear."""
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, rand


class ReshapingTest(TempDirTest):
    def one(self, x, cls, weights=(), **config):
        return self.run_nhwc(self.model_of([layer(cls, 'r', **config)], list(x.shape[1:]), list(weights)), x)

    def test_flatten_in_nhwc_order_then_dense(self):
        x = rand((2, 3, 4, 2), 1)
        self.assertClose(self.one(x, 'Flatten'), x.reshape(2, -1))
        k = rand((24, 3), 2)
        m = self.model_of([layer('Flatten', 'f'), layer('Dense', 'd', units=3, use_bias=False)], [3, 4, 2], [('d/kernel', k)])
        self.assertClose(self.run_nhwc(m, x), x.reshape(2, -1) @ k)

    def test_reshape_to_and_from_images(self):
        x = rand((2, 3, 4, 2), 3)
        self.assertClose(self.one(x, 'Reshape', target_shape=[6, 4]), x.reshape(2, 6, 4))
        self.assertClose(self.one(x, 'Reshape', target_shape=[4, 3, 2]), x.reshape(2, 4, 3, 2))
        self.assertClose(self.one(x, 'Reshape', target_shape=[1, 1, 24]), x.reshape(2, 1, 1, 24))
        flat = rand((2, 12), 4)
        self.assertClose(self.one(flat, 'Reshape', target_shape=[2, -1, 3]), flat.reshape(2, 2, 2, 3))

    def test_permute(self):
        x = rand((2, 3, 4, 2), 5)
        self.assertClose(self.one(x, 'Permute', dims=[3, 1, 2]), x.transpose(0, 3, 1, 2))
        self.assertClose(self.one(x, 'Permute', dims=[2, 1, 3]), x.transpose(0, 2, 1, 3))

    def test_zero_padding_and_cropping_forms(self):
        x = rand((1, 3, 4, 2), 6)
        self.assertClose(self.one(x, 'ZeroPadding2D', padding=[[0, 1], [2, 0]]), np.pad(x, ((0, 0), (0, 1), (2, 0), (0, 0))))
        self.assertClose(self.one(x, 'ZeroPadding2D', padding=[1, 2]), np.pad(x, ((0, 0), (1, 1), (2, 2), (0, 0))))
        self.assertClose(self.one(x, 'ZeroPadding2D', padding=1), np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
        self.assertClose(self.one(x, 'Cropping2D', cropping=[[1, 0], [1, 2]]), x[:, 1:, 1:2])
        self.assertClose(self.one(x, 'Cropping2D', cropping=1), x[:, 1:2, 1:3])

    def test_upsampling_nearest_repeats_pixels(self):
        x = rand((1, 2, 3, 2), 7)
        self.assertClose(self.one(x, 'UpSampling2D', size=[2, 3]), x.repeat(2, axis=1).repeat(3, axis=2))

    def test_upsampling_bilinear_without_half_pixel_centres(self):
        # TF.js: source = dst * in/out, so out[1] = (x0 + x1) / 2 and the last repeats the edge
        x = np.array([0.0, 2.0], dtype=np.float32).reshape(1, 1, 2, 1)
        y = self.one(x, 'UpSampling2D', size=[1, 2], interpolation='bilinear')
        self.assertClose(y[0, 0, :, 0], [0.0, 1.0, 2.0, 2.0])


if __name__ == '__main__':
    unittest.main()
