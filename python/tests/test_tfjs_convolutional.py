"""Convolutions vs numpy references of TF's definitions (SAME padding with odd sizes, strides,
dilation, depthwise multipliers, separable, transposed)."""
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, conv_ref, depthwise_ref, layer, rand


class Conv2DTest(TempDirTest):
    def conv(self, x, k, bias=None, **config):
        weights = [('c/kernel', k)] + ([('c/bias', bias)] if bias is not None else [])
        m = self.model_of([layer('Conv2D', 'c', filters=k.shape[3], kernel_size=list(k.shape[:2]), use_bias=bias is not None, **config)],
                          list(x.shape[1:]), weights)
        return self.run_nhwc(m, x)

    def test_same_padding_with_stride_2_puts_the_extra_pad_after(self):
        # 4x4 input, 3x3 ones kernel, stride 2: TF pads 0 before and 1 after on each axis
        x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
        y = self.conv(x, np.ones((3, 3, 1, 1), np.float32), padding='same', strides=[2, 2])
        v = x[0, :, :, 0]
        want = [[v[0:3, 0:3].sum(), v[0:3, 2:4].sum()], [v[2:4, 0:3].sum(), v[2:4, 2:4].sum()]]
        self.assertClose(y[0, :, :, 0], want)

    def test_same_and_valid_on_odd_sizes_strides_and_dilation(self):
        x = rand((2, 7, 5, 3), 1)
        k = rand((3, 4, 3, 4), 2)
        b = rand((4,), 3)
        cases = [dict(padding='same', strides=[2, 2]), dict(padding='same', strides=[1, 1]), dict(padding='valid', strides=[2, 1]),
                 dict(padding='same', strides=[3, 2]), dict(padding='same', dilation_rate=[2, 2]), dict(padding='valid', dilation_rate=[2, 1])]
        for case in cases:
            with self.subTest(**case):
                stride = tuple(case.get('strides', [1, 1]))
                dilation = tuple(case.get('dilation_rate', [1, 1]))
                want = conv_ref(x, k, stride, dilation, case['padding']) + b
                self.assertClose(self.conv(x, k, b, **case), want)

    def test_activation_is_applied_after_the_bias(self):
        x = rand((1, 5, 5, 2), 4)
        k = rand((3, 3, 2, 3), 5)
        b = rand((3,), 6)
        self.assertClose(self.conv(x, k, b, padding='same', activation='relu6'), np.clip(conv_ref(x, k, padding='same') + b, 0, 6))


class DepthwiseTest(TempDirTest):
    def test_multiplier_2_orders_channels_c_times_mult_plus_m(self):
        x = rand((2, 7, 6, 3), 7)
        k = rand((3, 3, 3, 2), 8)
        b = rand((6,), 9)
        for padding, stride in (('same', (2, 2)), ('valid', (1, 1)), ('same', (1, 1))):
            with self.subTest(padding=padding, stride=stride):
                m = self.model_of([layer('DepthwiseConv2D', 'd', kernel_size=[3, 3], depth_multiplier=2, padding=padding, strides=list(stride), use_bias=True)],
                                  [7, 6, 3], [('d/depthwise_kernel', k), ('d/bias', b)])
                self.assertClose(self.run_nhwc(m, x), depthwise_ref(x, k, stride, padding=padding) + b)

    def test_depthwise_weights_go_back_in_tfjs_layout(self):
        k = rand((3, 3, 3, 2), 10)
        m = self.model_of([layer('DepthwiseConv2D', 'd', kernel_size=[3, 3], depth_multiplier=2, use_bias=False)], [5, 5, 3], [('d/depthwise_kernel', k)])
        (_, _, module), = m.leaf_layers()
        np.testing.assert_array_equal(module.tfjs_weights()['depthwise_kernel'], k)


class SeparableTest(TempDirTest):
    def test_depthwise_then_pointwise_then_bias(self):
        x = rand((2, 9, 7, 2), 11)
        dk = rand((3, 3, 2, 2), 12)
        pk = rand((1, 1, 4, 5), 13)
        b = rand((5,), 14)
        m = self.model_of([layer('SeparableConv2D', 's', filters=5, kernel_size=[3, 3], depth_multiplier=2, padding='same', strides=[2, 2], use_bias=True, activation='relu')],
                          [9, 7, 2], [('s/depthwise_kernel', dk), ('s/pointwise_kernel', pk), ('s/bias', b)])
        want = np.maximum(conv_ref(depthwise_ref(x, dk, (2, 2), padding='same'), pk) + b, 0)
        self.assertClose(self.run_nhwc(m, x), want)


class TransposeTest(TempDirTest):
    def transpose_ref(self, x, k, stride, padding):
        """TF's conv2d_transpose is the adjoint of conv2d (kernel [kh,kw,out,in]) from the output size."""
        kh, kw, cout, _ = k.shape
        n, h, w, _ = x.shape
        oh = h * stride[0] if padding == 'same' else h * stride[0] + max(kh - stride[0], 0)
        ow = w * stride[1] if padding == 'same' else w * stride[1] + max(kw - stride[1], 0)
        y = np.zeros((n, oh, ow, cout))
        for i in range(oh):
            for j in range(ow):
                for c in range(cout):
                    z = np.zeros((1, oh, ow, cout))
                    z[0, i, j, c] = 1
                    column = conv_ref(z, k, stride, padding=padding)[0]  # [h, w, cin]
                    y[:, i, j, c] = np.einsum('nhwc,hwc->n', x, column)
        return y

    def test_same_and_valid_with_stride_2(self):
        x = rand((2, 3, 4, 2), 15)
        for kernel, padding in (((3, 3), 'same'), ((3, 3), 'valid'), ((4, 4), 'same'), ((1, 1), 'valid')):
            with self.subTest(kernel=kernel, padding=padding):
                k = rand((*kernel, 3, 2), 16)
                b = rand((3,), 17)
                m = self.model_of([layer('Conv2DTranspose', 't', filters=3, kernel_size=list(kernel), strides=[2, 2], padding=padding, use_bias=True)],
                                  [3, 4, 2], [('t/kernel', k), ('t/bias', b)])
                self.assertClose(self.run_nhwc(m, x), self.transpose_ref(x, k, (2, 2), padding) + b)


if __name__ == '__main__':
    unittest.main()
