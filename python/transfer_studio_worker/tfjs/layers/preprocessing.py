"""Preprocessing layers: Rescaling (scalar or per-channel), Resizing (TF.js semantics), and
random augmentation: the identity at inference as in TF.js, and here in training too (the
rebuild does not reproduce random augmentation)."""
import torch

from ..layout import per_channel
from .base import Layer
from .common import resize


class Rescaling(Layer):
    def __init__(self, config, weights):
        super().__init__(config)
        self.register_buffer('scale', torch.tensor(config.get('scale', 1.0), dtype=torch.float32), persistent=False)
        self.register_buffer('offset', torch.tensor(config.get('offset', 0.0), dtype=torch.float32), persistent=False)

    def forward(self, x):
        scale, offset = self.scale, self.offset
        if scale.dim() == 1:
            scale = per_channel(scale, x.dim())
        if offset.dim() == 1:
            offset = per_channel(offset, x.dim())
        return x * scale + offset


class Resizing(Layer):
    """TF.js resizes with alignCorners = !crop_to_aspect_ratio (sic: tfjs-layers 4.x)."""

    def __init__(self, config, weights):
        super().__init__(config)
        self.size = (int(config['height']), int(config['width']))
        self.method = config.get('interpolation', 'bilinear')
        if self.method not in ('bilinear', 'nearest'):
            raise self.error(f'uses {self.method} interpolation; bilinear and nearest are supported')
        self.align_corners = not config.get('crop_to_aspect_ratio', False)

    def forward(self, x):
        return resize(x, self.size, self.method, self.align_corners)


class RandomAugmentation(Layer):
    def __init__(self, config, weights):
        super().__init__(config)

    def forward(self, x):
        return x


_AUGMENTATION = ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast',
                 'RandomBrightness', 'RandomHeight', 'RandomWidth']

LAYERS = {
    'Rescaling': Rescaling,
    'Resizing': Resizing,
    **{name: RandomAugmentation for name in _AUGMENTATION},
}
