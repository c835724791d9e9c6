"""Tensor layouts. TF.js is channels-last; torch's convolutions want channels-first.

The one rule: inside the rebuilt graph every 4-D tensor is NCHW and every other rank keeps TF.js's
layout. The model converts once at its input and once at each output; layers that care about
axes (Flatten, Reshape, Concatenate, Dense on images…) translate with the helpers below.
"""

# TF.js axis of a 4-D NHWC tensor -> the same axis in NCHW
_NHWC_TO_NCHW_AXIS = (0, 2, 3, 1)


def to_internal(x):
    """TF.js layout -> internal layout (NHWC -> NCHW for 4-D tensors)."""
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


def to_tfjs(x):
    """Internal layout -> TF.js layout (NCHW -> NHWC for 4-D tensors)."""
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def internal_axis(axis, rank):
    """The internal axis of TF.js axis `axis` (may be negative) of a rank-`rank` tensor."""
    a = axis % rank
    return _NHWC_TO_NCHW_AXIS[a] if rank == 4 else a


def channel_axis(rank):
    """Where the last TF.js axis (channels, features) lives internally."""
    return internal_axis(-1, rank)


def per_channel(values, rank):
    """A tensor of per-channel values (TF.js: the last axis) shaped to broadcast internally."""
    if rank == 4:
        return values.reshape(-1, 1, 1)
    return values


def move_axis(x, source, destination):
    """x.movedim(source, destination) as an explicit permute with non-negative axes: torch
    1.13's ONNX export writes movedim as a Transpose that onnxruntime rejects."""
    order = [a for a in range(x.dim()) if a != source % x.dim()]
    order.insert(destination % x.dim(), source % x.dim())
    return x.permute(*order)
