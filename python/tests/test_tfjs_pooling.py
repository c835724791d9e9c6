"""Pooling vs TF's definition: windows clipped to the input, so SAME max never sees padding and
SAME average divides by the values actually in the window."""
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, pool_ref, rand


class PoolingTest(TempDirTest):
    def pool(self, cls, x, **config):
        return self.run_nhwc(self.model_of([layer(cls, 'p', **config)], list(x.shape[1:]), []), x)

    def test_average_same_excludes_padding_from_the_count(self):
        # 3x3 input, 2x2 pool, stride 2, SAME: pads 0 before, 1 after; edge windows hold 2 or 1 values
        x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
        y = self.pool('AveragePooling2D', x, pool_size=[2, 2], strides=[2, 2], padding='same')
        self.assertClose(y[0, :, :, 0], [[(1 + 2 + 4 + 5) / 4, (3 + 6) / 2], [(7 + 8) / 2, 9]])

    def test_max_same_pads_with_minus_infinity(self):
        x = -np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)  # all negative: zero padding would win
        y = self.pool('MaxPooling2D', x, pool_size=[2, 2], strides=[2, 2], padding='same')
        self.assertClose(y[0, :, :, 0], [[-1, -3], [-7, -9]])

    def test_odd_sizes_strides_and_padding_against_the_reference(self):
        x = rand((2, 7, 6, 3), 1)
        for cls, op in (('MaxPooling2D', np.max), ('AveragePooling2D', np.mean)):
            for size, stride, padding in (((3, 3), (2, 2), 'same'), ((2, 2), None, 'valid'), ((3, 2), (1, 1), 'same'), ((2, 3), (2, 1), 'same'), ((3, 3), (2, 2), 'valid')):
                with self.subTest(cls=cls, size=size, stride=stride, padding=padding):
                    cfg = dict(pool_size=list(size), padding=padding, strides=list(stride) if stride else None)
                    self.assertClose(self.pool(cls, x, **cfg), pool_ref(x, size, stride or size, padding, op))

    def test_global_pooling_with_and_without_keepdims(self):
        x = rand((2, 5, 4, 3), 2)
        self.assertClose(self.pool('GlobalAveragePooling2D', x), x.mean(axis=(1, 2)))
        self.assertClose(self.pool('GlobalMaxPooling2D', x), x.max(axis=(1, 2)))
        self.assertClose(self.pool('GlobalAveragePooling2D', x, keepdims=True), x.mean(axis=(1, 2), keepdims=True))
        self.assertClose(self.pool('GlobalMaxPooling2D', x, keepdims=True), x.max(axis=(1, 2), keepdims=True))


if __name__ == '__main__':
    unittest.main()
