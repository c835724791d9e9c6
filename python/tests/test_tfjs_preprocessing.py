"""Preprocessing: Rescaling (scalar and per-channel), Resizing (TF.js's corner alignment),
random augmentation as the identity."""
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, rand


class PreprocessingTest(TempDirTest):
    def one(self, x, cls, **config):
        return self.run_nhwc(self.model_of([layer(cls, 'p', **config)], list(x.shape[1:]), []), x)

    def test_rescaling(self):
        x = rand((2, 3, 4, 3), 1, 0, 255)
        self.assertClose(self.one(x, 'Rescaling', scale=1 / 127.5, offset=-1), x / 127.5 - 1)
        scale, offset = [0.1, 0.2, 0.3], [1.0, 2.0, 3.0]
        self.assertClose(self.one(x, 'Rescaling', scale=scale, offset=offset), x * np.array(scale, np.float32) + np.array(offset, np.float32), tol=1e-4)

    def test_resizing_aligns_corners_as_tfjs_does(self):
        # TF.js's Resizing passes alignCorners = !crop_to_aspect_ratio: 1x3 -> 1x5 hits both ends
        # (expected values checked against tf.image.resize* in TF.js 4.22)
        x = np.array([0.0, 4.0, 8.0], dtype=np.float32).reshape(1, 1, 3, 1)
        y = self.one(x, 'Resizing', height=1, width=5, interpolation='bilinear')
        self.assertClose(y[0, 0, :, 0], [0.0, 2.0, 4.0, 6.0, 8.0])
        y = self.one(x, 'Resizing', height=1, width=5, interpolation='nearest')
        self.assertClose(y[0, 0, :, 0], [0.0, 4.0, 4.0, 8.0, 8.0])  # halves round up, as in TF.js

    def test_resizing_down_with_crop_to_aspect_ratio_uses_unaligned_corners(self):
        x = np.arange(5, dtype=np.float32).reshape(1, 1, 5, 1)
        y = self.one(x, 'Resizing', height=1, width=3, interpolation='nearest', crop_to_aspect_ratio=True)
        self.assertClose(y[0, 0, :, 0], [0.0, 1.0, 3.0])  # floor(i * 5/3), values checked against TF.js 4.22

    def test_random_augmentation_is_the_identity(self):
        x = rand((2, 4, 4, 3), 2)
        np.testing.assert_array_equal(self.one(x, 'RandomFlip', mode='horizontal'), x)


if __name__ == '__main__':
    unittest.main()
