"""Images in, batches out: decoding as the TF.js engine does it, the seeded per-epoch order, each
rank's slice of a global batch, and the pixels of a run kept in memory when they fit.

Decoding follows src/engine/tfjs/data/decode.ts and channels.ts: EXIF orientation applied,
transparency flattened on white, 'cover' (scale to cover, centre crop) or 'fill' (stretch) with
LANCZOS, then 1 or 3 channels (grey → RGB replicates; RGB → grey is the BT.601 luma of
channels.ts). Pixels stay uint8 HWC until the device has them: normalisation and augmentation run
there, in train/augment.py. The order comes from the same mulberry32 generator as
src/core/random.ts, so a seed gives the same batches here, on any rank count, and after a resume.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .protocol import UserError

# --- seeded randomness (src/core/random.ts) --------------------------------------------------

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


class Mulberry32:
    """mulberry32, bit for bit as rng() in src/core/random.ts."""

    def __init__(self, seed: int) -> None:
        self.a = seed & M32

    def __call__(self) -> float:
        self.a = (self.a + 0x6D2B79F5) & M32
        t = self.a
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def epoch_seed(seed: int, epoch: int, salt: int = 0) -> int:
    """epochSeed() of src/core/random.ts (its Math.imul works on the signed 32-bit seed)."""
    return (_imul((seed ^ 0x9E3779B9) & M32, 31) + epoch * 7919 + salt * 104729) & M32


# one salt per use and phase: the head phase shuffles exactly as the TF.js engine does (salt 0)
PHASE_SALT = {'head': 0, 'fineTune': 10, 'baseline': 20}
AUGMENT_SALT = 2
DROPOUT_SALT = 5


def shuffled(n: int, random: Callable[[], float]) -> List[int]:
    """Fisher–Yates over range(n), the draws of shuffled() in src/core/random.ts."""
    out = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(random() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def epoch_order(n: int, seed: int, phase: str, epoch: int, shuffle: bool) -> List[int]:
    return shuffled(n, Mulberry32(epoch_seed(seed, epoch, PHASE_SALT.get(phase, 0)))) if shuffle else list(range(n))


def global_batches(order: Sequence[int], batch_size: int) -> List[List[int]]:
    return [list(order[i:i + batch_size]) for i in range(0, len(order), batch_size)]


def rank_slice(batch: Sequence[int], rank: int, world: int) -> List[int]:
    """Rank r's contiguous share of a global batch; shares differ by at most one example."""
    n = len(batch)
    return list(batch[rank * n // world:(rank + 1) * n // world])


def augment_seeds(count: int, seed: int, phase: str, epoch: int) -> List[int]:
    """One uint32 per position of the epoch's order, drawn in order, so each example's
    augmentation is the same whichever rank or worker builds it."""
    r = Mulberry32(epoch_seed(seed, epoch, AUGMENT_SALT + PHASE_SALT.get(phase, 0)))
    return [int(r() * 2 ** 32) & M32 for _ in range(count)]


# --- decoding --------------------------------------------------------------------------------

class UnreadableImage(Exception):
    """A file that cannot be used as an image: skipped, named in a warning."""

    def __init__(self, reason: str, file: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.file = file


def _pil():
    from PIL import Image, ImageOps  # noqa: WPS433 (decoding workers import it themselves)
    return Image, ImageOps


def _lanczos(Image: Any) -> Any:
    return getattr(Image, 'Resampling', Image).LANCZOS  # Pillow ≥ 9.1 moved the constants


def _check_file(file: str) -> None:
    try:
        st = os.stat(file)
    except OSError:
        raise UnreadableImage('file not found', file) from None
    if not os.path.isfile(file):
        raise UnreadableImage('not a file', file)
    if st.st_size == 0:
        raise UnreadableImage('empty file (0 bytes)', file)


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if 'cannot identify image file' in text:
        return 'not an image, or a format Pillow cannot read'
    if 'truncated' in text.lower():
        return f'truncated or corrupt image ({text})'
    return text


def check_header(file: str) -> None:
    """Reads the header only (no pixels): finds missing, empty and non-image files cheaply."""
    _check_file(file)
    Image, _ = _pil()
    try:
        with Image.open(file) as im:
            w, h = im.size
            if not w or not h:
                raise ValueError('no image size in the header')
    except UnreadableImage:
        raise
    except Exception as e:
        raise UnreadableImage(_reason(e), file) from None


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma with the rounding of channels.ts's luma()."""
    r, g, b = (rgb[..., k].astype(np.int32) for k in range(3))
    return ((299 * r + 587 * g + 114 * b + 500) // 1000).astype(np.uint8)


def to_channels(px: np.ndarray, channels: int) -> np.ndarray:
    have = px.shape[2]
    if have == channels:
        return px
    if have == 1:
        return np.repeat(px, channels, axis=2)
    return luma(px)[..., None]


def _flatten(im: Any, Image: Any) -> Any:
    """Transparency on white (as sharp's flatten), then L (grey sources) or RGB."""
    if im.mode in ('I;16', 'I;16B', 'I;16L', 'I;16N'):
        im = Image.fromarray((np.asarray(im, dtype=np.uint16) // 257).astype(np.uint8), 'L')
    has_alpha = im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info)
    if has_alpha:
        grey = im.mode == 'LA'
        im = im.convert('RGBA')
        white = Image.new('RGBA', im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im).convert('L' if grey else 'RGB')
    elif im.mode in ('1', 'L', 'I', 'F'):
        im = im.convert('L')
    elif im.mode != 'RGB':
        im = im.convert('RGB')
    return im


def decode_image(file: str, height: int, width: int, channels: int, fit: str = 'cover') -> np.ndarray:
    """One file → uint8 [H, W, C]. Raises UnreadableImage."""
    _check_file(file)
    Image, ImageOps = _pil()
    try:
        with Image.open(file) as im:
            side = max(width, height)  # square: EXIF may still turn the image by 90°
            im.draft(im.mode, (side, side))  # JPEG: decode at a reduced scale still ≥ the target (fast)
            im = ImageOps.exif_transpose(im)
            im = _flatten(im, Image)
            if fit == 'fill':
                im = im.resize((width, height), _lanczos(Image))
            else:
                im = ImageOps.fit(im, (width, height), method=_lanczos(Image), centering=(0.5, 0.5))
            px = np.array(im, dtype=np.uint8)  # a writable copy (torch.from_numpy warns on Pillow's read-only view)
    except UnreadableImage:
        raise
    except Exception as e:
        raise UnreadableImage(_reason(e), file) from None
    if px.ndim == 2:
        px = px[..., None]
    if px.shape[:2] != (height, width):
        raise UnreadableImage(f'resized to {px.shape[1]}×{px.shape[0]}', file)
    return np.ascontiguousarray(to_channels(px, channels))


# --- the examples of a run ---------------------------------------------------------------

SPLITS = ('train', 'validation', 'test')


class Split:
    """The usable examples of one split: their files, targets, and indices into the run's pixels."""

    def __init__(self, name: str, files: List[str], ys: List[List[float]], offset: int) -> None:
        self.name = name
        self.files = files
        self.ys = np.asarray(ys, dtype=np.float32).reshape(len(files), -1) if files else np.zeros((0, 0), np.float32)
        self.offset = offset  # pixel-store index of this split's first example

    def __len__(self) -> int:
        return len(self.files)


def common_folder(files: Sequence[str]) -> str:
    try:
        return os.path.commonpath([os.path.dirname(f) for f in files]) or os.path.dirname(files[0])
    except ValueError:  # files on different drives
        return os.path.dirname(files[0])


def check_skipped(split: str, skipped: int, total: int, files: Sequence[str], max_skipped: float) -> None:
    if total and skipped / total > max_skipped:
        folder = common_folder(files)
        raise UserError(f'{skipped} of {total} {split} images in {folder} could not be read, more than data.maxSkipped allows ({max_skipped:.0%})',
                        file=folder, hint='fix or remove the files the log names, or raise "maxSkipped" in the recipe\'s data section')


def scan(plan_data: Dict[str, Any], log: Callable[[str, str], None], threads: int = 8) -> Dict[str, Split]:
    """Header check of every file (cheap): unreadable ones are skipped with a warning naming the file
    and the reason; a split with more than maxSkipped of them unreadable is a user error."""
    splits: Dict[str, Split] = {}
    offset = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for name in SPLITS:
            entries = plan_data.get(name) or []
            files = [e['file'] for e in entries]
            problems = list(pool.map(_header_problem, files))
            kept = [i for i, p in enumerate(problems) if p is None]
            for f, p in zip(files, problems):
                if p is not None:
                    log(f'skipped {f}: {p}', 'warn')
            check_skipped(name, len(files) - len(kept), len(files), files, plan_data['maxSkipped'])
            splits[name] = Split(name, [files[i] for i in kept], [entries[i]['y'] for i in kept], offset)
            offset += len(kept)
    return splits


def _header_problem(file: str) -> Optional[str]:
    try:
        check_header(file)
        return None
    except UnreadableImage as e:
        return e.reason


# --- pixels: DataLoader workers decode, memory keeps them -------------------------------------

class ImageFiles:
    """A map-style dataset (torch.utils.data.Dataset protocol) over every file of a run.
    Returns (index, pixels or None, reason or None): a bad file never kills a worker."""

    def __init__(self, files: List[str], image: Dict[str, Any]) -> None:
        self.files = files
        self.image = image

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> Tuple[int, Optional[np.ndarray], Optional[str]]:
        im = self.image
        try:
            return i, decode_image(self.files[i], im['height'], im['width'], im['channels'], im['fit']), None
        except UnreadableImage as e:
            return i, None, e.reason


def collate(items: List[Tuple[int, Optional[np.ndarray], Optional[str]]]) -> Tuple[List[int], Any, List[Tuple[int, str]]]:
    """Module level, so spawn-started workers (macOS, Windows) can pickle it."""
    import torch
    ok = [(i, px) for i, px, _ in items if px is not None]
    failed = [(i, reason) for i, px, reason in items if px is None]
    pixels = torch.from_numpy(np.stack([px for _, px in ok])) if ok else torch.zeros((0,), dtype=torch.uint8)
    return [i for i, _ in ok], pixels, failed


class MutableBatches:
    """A batch sampler whose batches change per pass; persistent workers re-read it each pass."""

    def __init__(self) -> None:
        self.batches: List[List[int]] = []

    def __iter__(self) -> Iterator[List[int]]:
        return iter(list(self.batches))

    def __len__(self) -> int:
        return len(self.batches)


def default_workers(local_world: int = 1) -> int:
    cpus = os.cpu_count() or 1
    return max(0, min(4, cpus // max(1, local_world) - 1))


def memory_budget_bytes() -> int:
    """Pixels kept in memory up to this (TRANSFER_STUDIO_MEMORY_BUDGET_MB, as the TF.js engine)."""
    mb = os.environ.get('TRANSFER_STUDIO_MEMORY_BUDGET_MB')
    if mb:
        try:
            return int(float(mb) * 2 ** 20)
        except ValueError:
            pass
    try:
        ram = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    except (ValueError, OSError, AttributeError):
        ram = 8 * 2 ** 30
    return int(min(4 * 2 ** 30, ram // 4))


class Pixels:
    """The uint8 pixels of every example of a run, by index. Decoded by DataLoader workers on first
    use; kept in memory after that when the whole run fits the budget (later epochs decode nothing).
    A file that fails to decode is reported once through `on_skip` and left out from then on."""

    def __init__(self, files: List[str], image: Dict[str, Any], workers: int, pin: bool,
                 on_skip: Callable[[int, str], None], budget: Optional[int] = None) -> None:
        import torch
        self.files = files
        self.image = image
        self.per = image['height'] * image['width'] * image['channels']
        self.keep = len(files) * self.per <= (memory_budget_bytes() if budget is None else budget)
        self.memory: Dict[int, Any] = {}
        self.failed: Dict[int, str] = {}
        self.on_skip = on_skip
        self.sampler = MutableBatches()
        self.loader = torch.utils.data.DataLoader(
            ImageFiles(files, image), batch_sampler=self.sampler, collate_fn=collate, num_workers=workers,
            pin_memory=pin, persistent_workers=workers > 0,
            generator=torch.Generator(),  # the loader's seed draw must not consume the global RNG (dropout)
        )

    def batches(self, index_batches: List[List[int]]) -> Iterator[Tuple[List[int], Any]]:
        """(kept indices, uint8 [n, H, W, C]) per requested batch, in order; n may be 0."""
        import torch
        need = [[i for i in b if i not in self.memory and i not in self.failed] for b in index_batches]
        self.sampler.batches = [n for n in need if n]
        loaded_iter = iter(self.loader) if self.sampler.batches else None
        h, w, c = self.image['height'], self.image['width'], self.image['channels']
        for b, n in zip(index_batches, need):
            fresh: Dict[int, Any] = {}
            if n:
                idx, px, failed = next(loaded_iter)  # type: ignore[arg-type]
                for j, i in enumerate(idx):
                    fresh[i] = px[j]
                    if self.keep:
                        self.memory[i] = px[j].clone()
                for i, reason in failed:
                    self.failed[i] = reason
                    self.on_skip(i, reason)
            rows = [i for i in b if i not in self.failed]
            if not rows:
                yield [], torch.zeros((0, h, w, c), dtype=torch.uint8)
                continue
            if n and rows == idx:
                yield rows, px  # decoded just now, in order: the collated (pinned) batch as it is
            else:
                yield rows, torch.stack([fresh[i] if i in fresh else self.memory[i] for i in rows])
