"""Pooling: MaxPooling2D, AveragePooling2D (TF's SAME: max pads with -inf, average leaves the
padding out of the count), and their global forms (keepdims when the config has it)."""
import torch
import torch.nn.functional as F

from .base import Layer
from .common import pad_same, pair, same_pads, static_same_pads


class _Pool2D(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.kernel = pair(config.get('pool_size', 2))
        strides = config.get('strides')
        self.stride = pair(strides) if strides is not None else self.kernel
        padding = config.get('padding', 'valid')
        if padding not in ('valid', 'same'):
            raise self.error(f'uses padding "{padding}"; only "valid" and "same" are supported')
        self.same = padding == 'same'
        pads = static_same_pads(self.kernel, self.stride, (1, 1)) if self.same else (0, 0)
        # torch's own pool padding may be at most half the kernel; symmetric SAME pads always are
        self.op_padding = pads or (0, 0)
        self.pad_each_call = self.same and pads is None


class MaxPooling2D(_Pool2D):
    def forward(self, x):
        if self.pad_each_call:
            x = pad_same(x, self.kernel, self.stride, value=float('-inf'))
        return F.max_pool2d(x, self.kernel, self.stride, self.op_padding)


class AveragePooling2D(_Pool2D):
    def forward(self, x):
        if not self.pad_each_call:
            return F.avg_pool2d(x, self.kernel, self.stride, self.op_padding, count_include_pad=False)
        # asymmetric pads: sum over the zero-padded input, divided by the real values counted
        top, bottom = same_pads(x.shape[2], self.kernel[0], self.stride[0])
        left, right = same_pads(x.shape[3], self.kernel[1], self.stride[1])
        area = self.kernel[0] * self.kernel[1]
        sums = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), self.kernel, self.stride) * area
        ones = torch.ones((1, 1, x.shape[2], x.shape[3]), dtype=x.dtype, device=x.device)
        counts = F.avg_pool2d(F.pad(ones, (left, right, top, bottom)), self.kernel, self.stride) * area
        return sums / counts


class _GlobalPool2D(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.keepdims = bool(config.get('keepdims', False))


class GlobalAveragePooling2D(_GlobalPool2D):
    def forward(self, x):
        return x.mean(dim=(2, 3), keepdim=self.keepdims)


class GlobalMaxPooling2D(_GlobalPool2D):
    def forward(self, x):
        return x.amax(dim=(2, 3), keepdim=self.keepdims)


LAYERS = {
    'MaxPooling2D': MaxPooling2D,
    'AveragePooling2D': AveragePooling2D,
    'GlobalAveragePooling2D': GlobalAveragePooling2D,
    'GlobalMaxPooling2D': GlobalMaxPooling2D,
    # Keras alias names
    'MaxPool2D': MaxPooling2D,
    'AvgPool2D': AveragePooling2D,
    'GlobalAvgPool2D': GlobalAveragePooling2D,
    'GlobalMaxPool2D': GlobalMaxPooling2D,
}
