"""Augmentation and normalisation of uint8 NHWC batches, on the device (the GPU does the warps).

Augmentation is src/engine/tfjs/data/augment.ts: a horizontal flip, a rotation up to ±`rotate`
degrees and a zoom (a crop keeping 1 − up to `zoom` of each side, randomly placed) as one
bilinear warp with clamped edges (grid_sample, align_corners, border padding), then a brightness
shift up to ±`brightness`×255, clamped to 0–255. Each example's parameters come from its own
seeded mulberry32 stream, drawn in augment.ts's order. Normalisation is normalize.ts.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import torch
import torch.nn.functional as F

from ..data import Mulberry32

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def is_augmenting(spec: Optional[Dict[str, Any]]) -> bool:
    return bool(spec) and any(spec.get(k) for k in ('flip', 'rotate', 'zoom', 'brightness'))  # type: ignore[union-attr]


def draw(spec: Dict[str, Any], seed: int) -> List[float]:
    """[flip, angle (rad), scale, dx, dy, brightness] for one example (dx, dy: fractions of the side)."""
    r = Mulberry32(seed)
    flip = 1.0 if spec.get('flip') and r() < 0.5 else 0.0
    angle = (r() * 2 - 1) * spec['rotate'] * math.pi / 180 if spec.get('rotate') else 0.0
    zoom = spec.get('zoom') or 0
    scale = 1 - r() * zoom if zoom else 1.0
    dx = (r() * 2 - 1) * ((1 - scale) / 2) if zoom else 0.0
    dy = (r() * 2 - 1) * ((1 - scale) / 2) if zoom else 0.0
    bright = (r() * 2 - 1) * spec['brightness'] * 255 if spec.get('brightness') else 0.0
    return [flip, angle, scale, dx, dy, bright]


def augment(x: torch.Tensor, spec: Dict[str, Any], seeds: List[int]) -> torch.Tensor:
    """uint8 or float [N, H, W, C] (0–255) → float32 [N, H, W, C] (0–255), augmented."""
    n, h, w, _ = x.shape
    x = x.float()
    if n == 0:
        return x
    p = torch.tensor([draw(spec, s) for s in seeds], dtype=torch.float32, device=x.device)
    flip, angle, scale, dx, dy, bright = p.unbind(1)
    if spec.get('rotate') or spec.get('zoom'):
        # output pixel (x, y) samples the source at R·S·(x' − c) + c + shift, in align_corners
        # coordinates (−1 … 1 across the pixel centres), x' the flipped x or x itself
        cx, cy = max(w - 1, 1) / 2, max(h - 1, 1) / 2
        f = 1 - 2 * flip
        cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
        theta = torch.stack([
            torch.stack([cos * f, -sin * cy / cx, dx * w / cx], 1),
            torch.stack([sin * f * cx / cy, cos, dy * h / cy], 1),
        ], 1)
        grid = F.affine_grid(theta, [n, x.shape[3], h, w], align_corners=True)
        x = F.grid_sample(x.permute(0, 3, 1, 2), grid, mode='bilinear', padding_mode='border', align_corners=True).permute(0, 2, 3, 1)
    elif spec.get('flip'):
        x = torch.where(flip.bool()[:, None, None, None], x.flip(2), x)  # whole pixels, no interpolation
    if spec.get('brightness'):
        x = (x + bright[:, None, None, None]).clamp(0, 255)
    return x.contiguous()


def normalize(x: torch.Tensor, preprocess: str) -> torch.Tensor:
    """0–255 [N, H, W, C] → the model's input scale (float32), as normalize.ts."""
    x = x.float()
    if preprocess == '0,1':
        return x / 255
    if preprocess == '-1,1':
        return x / 127.5 - 1
    if preprocess == 'imagenet':
        c = x.shape[-1]
        mean = torch.tensor(IMAGENET_MEAN if c == 3 else [sum(IMAGENET_MEAN) / 3], device=x.device)
        std = torch.tensor(IMAGENET_STD if c == 3 else [sum(IMAGENET_STD) / 3], device=x.device)
        return (x / 255 - mean) / std
    return x
