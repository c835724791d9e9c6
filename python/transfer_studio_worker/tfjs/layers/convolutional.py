"""Convolutions: Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose (NCHW inside).

Kernel layouts, TF.js -> torch:
  Conv2D           [kh, kw, in, out]   -> [out, in, kh, kw]
  DepthwiseConv2D  [kh, kw, in, mult]  -> [in*mult, 1, kh, kw], groups=in (channel c*mult+m, as TF)
  Conv2DTranspose  [kh, kw, out, in]   -> [in, out, kh, kw]
"""
import torch.nn.functional as F
from torch import nn

from .activations import get_activation
from .base import Layer, tensor
from .common import pad_same, pair, static_same_pads


def _conv_to_torch(k):
    return k.transpose(3, 2, 0, 1)


def _conv_to_tfjs(t):
    return t.permute(2, 3, 1, 0)


def _depthwise_to_torch(k):
    kh, kw, cin, mult = k.shape
    return k.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None]


def _depthwise_to_tfjs(shape):
    kh, kw, cin, mult = shape
    return lambda t: t[:, 0].permute(1, 2, 0).reshape(kh, kw, cin, mult)


class _Spatial(Layer):
    """Kernel size, strides, dilation, padding and the SAME-padding strategy."""

    def __init__(self, config, kernel_size):
        super().__init__(config)
        self.kernel = pair(kernel_size)
        self.stride = pair(config.get('strides', 1))
        self.dilation = pair(config.get('dilation_rate', 1))
        padding = config.get('padding', 'valid')
        if padding not in ('valid', 'same'):
            raise self.error(f'uses padding "{padding}"; only "valid" and "same" are supported')
        self.same = padding == 'same'
        # symmetric SAME pads go into the op itself; otherwise pad explicitly per input size
        self.op_padding = (static_same_pads(self.kernel, self.stride, self.dilation) if self.same else (0, 0)) or (0, 0)
        self.pad_each_call = self.same and static_same_pads(self.kernel, self.stride, self.dilation) is None

    def padded(self, x):
        return pad_same(x, self.kernel, self.stride, self.dilation) if self.pad_each_call else x

    def add_bias(self, weights):
        self.bias = None
        if 'bias' in weights:
            self.bias = nn.Parameter(tensor(weights['bias']))
            self.bind('bias', 'bias', regularizer='bias_regularizer')


def _bias_names(config, names):
    return names + ['bias'] if config.get('use_bias', True) else names


class Conv2D(_Spatial):
    @classmethod
    def weight_names(cls, config):
        return _bias_names(config, ['kernel'])

    def __init__(self, config, weights):
        super().__init__(config, weights['kernel'].shape[:2])
        if int(config.get('groups', 1) or 1) != 1:
            raise self.error('is a grouped convolution, which the PyTorch rebuild does not support')
        self.weight = nn.Parameter(tensor(_conv_to_torch(weights['kernel'])))
        self.bind('kernel', 'weight', _conv_to_tfjs, 'kernel_regularizer')
        self.add_bias(weights)
        self.act = get_activation(config.get('activation'), self)

    def forward(self, x):
        y = F.conv2d(self.padded(x), self.weight, self.bias, self.stride, self.op_padding, self.dilation)
        return self.act(y)


class DepthwiseConv2D(_Spatial):
    @classmethod
    def weight_names(cls, config):
        return _bias_names(config, ['depthwise_kernel'])

    def __init__(self, config, weights):
        k = weights['depthwise_kernel']
        super().__init__(config, k.shape[:2])
        self.groups = k.shape[2]
        self.weight = nn.Parameter(tensor(_depthwise_to_torch(k)))
        self.bind('depthwise_kernel', 'weight', _depthwise_to_tfjs(k.shape), 'depthwise_regularizer')
        self.add_bias(weights)
        self.act = get_activation(config.get('activation'), self)

    def forward(self, x):
        y = F.conv2d(self.padded(x), self.weight, self.bias, self.stride, self.op_padding, self.dilation, self.groups)
        return self.act(y)


class SeparableConv2D(_Spatial):
    """Depthwise (padding, strides, dilation), then a 1x1 pointwise conv, bias, activation."""

    @classmethod
    def weight_names(cls, config):
        return _bias_names(config, ['depthwise_kernel', 'pointwise_kernel'])

    def __init__(self, config, weights):
        k = weights['depthwise_kernel']
        super().__init__(config, k.shape[:2])
        self.groups = k.shape[2]
        self.depthwise = nn.Parameter(tensor(_depthwise_to_torch(k)))
        self.bind('depthwise_kernel', 'depthwise', _depthwise_to_tfjs(k.shape), 'depthwise_regularizer')
        self.pointwise = nn.Parameter(tensor(_conv_to_torch(weights['pointwise_kernel'])))
        self.bind('pointwise_kernel', 'pointwise', _conv_to_tfjs, 'pointwise_regularizer')
        self.add_bias(weights)
        self.act = get_activation(config.get('activation'), self)

    def forward(self, x):
        y = F.conv2d(self.padded(x), self.depthwise, None, self.stride, self.op_padding, self.dilation, self.groups)
        return self.act(F.conv2d(y, self.pointwise, self.bias))


class Conv2DTranspose(_Spatial):
    """TF's conv2d_transpose: the full transposed conv, then cropped as the matching forward
    conv's padding says (SAME: output = input*stride; VALID: input*stride + max(k-stride, 0))."""

    @classmethod
    def weight_names(cls, config):
        return _bias_names(config, ['kernel'])

    def __init__(self, config, weights):
        super().__init__(config, weights['kernel'].shape[:2])
        if self.dilation != (1, 1):
            raise self.error('uses a dilated transposed convolution, which the PyTorch rebuild does not support')
        if config.get('output_padding') is not None:
            raise self.error('sets output_padding, which the PyTorch rebuild does not support')
        self.weight = nn.Parameter(tensor(weights['kernel'].transpose(3, 2, 0, 1)))
        self.bind('kernel', 'weight', lambda t: t.permute(2, 3, 1, 0), 'kernel_regularizer')
        self.add_bias(weights)
        self.act = get_activation(config.get('activation'), self)

    def forward(self, x):
        full = F.conv_transpose2d(x, self.weight, None, self.stride)
        crops = []
        for axis in (0, 1):
            size, k, s = x.shape[2 + axis], self.kernel[axis], self.stride[axis]
            out = size * s if self.same else size * s + max(k - s, 0)
            before = max(k - s, 0) // 2 if self.same else 0
            crops.append((before, out))
        (top, h), (left, w) = crops
        y = full[:, :, top:top + h, left:left + w]
        if y.shape[2] < h or y.shape[3] < w:  # kernel smaller than stride: TF leaves zeros
            y = F.pad(y, (0, w - y.shape[3], 0, h - y.shape[2]))
        if self.bias is not None:
            y = y + self.bias.reshape(-1, 1, 1)
        return self.act(y)


LAYERS = {
    'Conv2D': Conv2D,
    'DepthwiseConv2D': DepthwiseConv2D,
    'SeparableConv2D': SeparableConv2D,
    'Conv2DTranspose': Conv2DTranspose,
}
