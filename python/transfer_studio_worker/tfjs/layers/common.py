"""Helpers shared by the spatial layer families: TF's SAME padding and TF's legacy resize."""
import math

import torch
import torch.nn.functional as F


def pair(v):
    """Keras sizes are an int or a list of two."""
    if isinstance(v, (list, tuple)):
        return (int(v[0]), int(v[1])) if len(v) > 1 else (int(v[0]), int(v[0]))
    return int(v), int(v)


def same_pads(size, kernel, stride, dilation=1):
    """TF's SAME padding of one spatial axis: (before, after); the odd extra goes after."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def static_same_pads(kernel, stride, dilation):
    """The SAME pads when they do not depend on the input size (stride 1, odd effective
    kernel): symmetric, so the conv/pool op can pad itself. None otherwise."""
    pads = []
    for k, s, d in zip(kernel, stride, dilation):
        total = (k - 1) * d
        if s != 1 or total % 2:
            return None
        pads.append(total // 2)
    return tuple(pads)


def pad_same(x, kernel, stride, dilation=(1, 1), value=0.0):
    """Pad an NCHW tensor as TF's SAME padding does, before a 'valid' conv/pool."""
    top, bottom = same_pads(x.shape[2], kernel[0], stride[0], dilation[0])
    left, right = same_pads(x.shape[3], kernel[1], stride[1], dilation[1])
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def _source_index(out_size, in_size, align_corners, device):
    # TF's legacy (half_pixel_centers=False) mapping, which TF.js uses
    scale = (in_size - 1) / (out_size - 1) if align_corners and out_size > 1 else in_size / out_size
    return torch.arange(out_size, dtype=torch.float32, device=device) * scale


def resize(x, size, method='bilinear', align_corners=False):
    """TF.js's tf.image.resizeBilinear / resizeNearestNeighbor of an NCHW tensor.

    torch's interpolate uses half-pixel centres, which TF.js does not, so index maths it is."""
    for axis, out_size in ((2, size[0]), (3, size[1])):
        in_size = x.shape[axis]
        if in_size == out_size:
            continue
        src = _source_index(out_size, in_size, align_corners, x.device)
        if method == 'nearest':
            # TF rounds halves up (torch.round would round them to even)
            idx = torch.floor(src + 0.5 if align_corners else src).long().clamp(max=in_size - 1)
            x = x.index_select(axis, idx)
            continue
        lo = torch.floor(src).long().clamp(max=in_size - 1)
        hi = (lo + 1).clamp(max=in_size - 1)
        shape = [1, 1, 1, 1]
        shape[axis] = out_size
        frac = (src - lo.float()).reshape(shape)
        x = x.index_select(axis, lo) * (1 - frac) + x.index_select(axis, hi) * frac
    return x
