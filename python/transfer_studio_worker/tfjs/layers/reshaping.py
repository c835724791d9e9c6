"""Reshaping: Flatten, Reshape, Permute (done in TF.js layout so element order matches),
ZeroPadding2D, Cropping2D, UpSampling2D (nearest or TF.js's legacy bilinear)."""
import torch.nn.functional as F

from ..layout import to_internal, to_tfjs
from .base import Layer
from .common import pair, resize


def _two_sided(v):
    """Keras padding/cropping: int, [a, b] (symmetric per axis) or [[top, bottom], [left, right]]."""
    if isinstance(v, (int, float)):
        return (int(v), int(v)), (int(v), int(v))
    a, b = v
    return tuple(pair(a) if isinstance(a, (list, tuple)) else (int(a), int(a)) for a in (a, b))


class Flatten(Layer):
    """Flattens in NHWC order, so a Dense kernel after it keeps TF.js's row order."""

    def __init__(self, config, weights):
        super().__init__(config)

    def forward(self, x):
        return to_tfjs(x).flatten(1)


class Reshape(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.target = [int(d) for d in config['target_shape']]

    def forward(self, x):
        y = to_tfjs(x)
        return to_internal(y.reshape(y.shape[0], *self.target))


class Permute(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.dims = [0] + [int(d) for d in config['dims']]

    def forward(self, x):
        return to_internal(to_tfjs(x).permute(*self.dims))


class ZeroPadding2D(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        (self.top, self.bottom), (self.left, self.right) = _two_sided(config.get('padding', 1))

    def forward(self, x):
        return F.pad(x, (self.left, self.right, self.top, self.bottom))


class Cropping2D(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        (self.top, self.bottom), (self.left, self.right) = _two_sided(config.get('cropping', 0))

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        return x[:, :, self.top:h - self.bottom, self.left:w - self.right]


class UpSampling2D(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.size = pair(config.get('size', 2))
        self.method = config.get('interpolation', 'nearest')
        if self.method not in ('nearest', 'bilinear'):
            raise self.error(f'uses {self.method} interpolation; nearest and bilinear are supported')

    def forward(self, x):
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        if self.method == 'nearest':  # integer factors: torch's floor(i * in/out) is TF's index
            return F.interpolate(x, size=size, mode='nearest')
        return resize(x, size, 'bilinear')


LAYERS = {
    'Flatten': Flatten,
    'Reshape': Reshape,
    'Permute': Permute,
    'ZeroPadding2D': ZeroPadding2D,
    'Cropping2D': Cropping2D,
    'UpSampling2D': UpSampling2D,
}
