"""Data: the seeded order is the TF.js engine's bit for bit, decoding follows decode.ts (EXIF,
transparency on white, cover/fill, grey luma), unreadable files are skipped with a warning and
fail past maxSkipped naming the folder, augmentation matches augment.ts, ranks split batches."""
import math
import os
import unittest

import numpy as np
import torch
from PIL import Image

from test_worker_support import TempDir

from transfer_studio_worker.data import (Mulberry32, Pixels, decode_image, epoch_order, epoch_seed, global_batches, luma, rank_slice,
                                         scan, shuffled)
from transfer_studio_worker.protocol import UserError
from transfer_studio_worker.train.augment import augment, draw, normalize


class RandomTest(unittest.TestCase):
    def test_same_numbers_as_core_random_ts(self):
        # printed by src/core/random.ts's rng / epochSeed / shuffled under node
        r = Mulberry32(epoch_seed(42, 3, 2))
        self.assertEqual([r(), r(), r()], [0.2487480673007667, 0.008070368086919188, 0.12925970391370356])
        self.assertEqual(epoch_seed(-7, 2, 1), 3611957431)
        self.assertEqual(shuffled(10, Mulberry32(epoch_seed(42, 1))), [2, 8, 7, 5, 6, 4, 3, 9, 1, 0])
        self.assertEqual(epoch_order(10, 42, 'head', 1, True), [2, 8, 7, 5, 6, 4, 3, 9, 1, 0])
        self.assertNotEqual(epoch_order(10, 42, 'fineTune', 1, True), epoch_order(10, 42, 'head', 1, True))

    def test_rank_slices_partition_every_global_batch(self):
        for n, world in ((7, 2), (3, 4), (16, 3)):
            for b in global_batches(list(range(n)), 5):
                parts = [rank_slice(b, r, world) for r in range(world)]
                self.assertEqual(sum(parts, []), b)
                self.assertLessEqual(max(map(len, parts)) - min(map(len, parts)), 1)


def save(path, array, mode=None, **kw):
    Image.fromarray(array, mode).save(path, **kw)
    return path


class DecodeTest(TempDir):
    def test_cover_crops_the_centre_and_fill_stretches(self):
        a = np.zeros((10, 30, 3), np.uint8)
        a[:, :10] = (255, 0, 0)
        a[:, 10:20] = (0, 255, 0)
        a[:, 20:] = (0, 0, 255)
        f = save(self.path('wide.png'), a)
        cover = decode_image(f, 8, 8, 3, 'cover')
        self.assertEqual(cover.shape, (8, 8, 3))
        self.assertTrue((cover[:, 2:6, 1] > 200).all() and (cover[:, 2:6, 0] < 60).all())  # only the green middle
        fill = decode_image(f, 8, 8, 3, 'fill')
        self.assertGreater(int(fill[4, 0, 0]), 200)
        self.assertGreater(int(fill[4, 7, 2]), 200)

    def test_transparency_on_white_grey_luma_and_grey_to_rgb(self):
        rgba = np.zeros((4, 4, 4), np.uint8)
        rgba[..., 0] = 255
        rgba[:2, :, 3] = 255  # top half opaque red, bottom half transparent
        px = decode_image(save(self.path('a.png'), rgba, 'RGBA'), 4, 4, 3, 'fill')
        self.assertEqual(px[0, 0].tolist(), [255, 0, 0])
        self.assertEqual(px[3, 0].tolist(), [255, 255, 255])
        grey = decode_image(save(self.path('c.png'), np.full((4, 4, 3), (200, 100, 50), np.uint8)), 4, 4, 1, 'fill')
        self.assertEqual(grey.shape, (4, 4, 1))
        self.assertEqual(int(grey[0, 0, 0]), math.floor((299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000))
        self.assertEqual(int(luma(np.array([[200, 100, 50]], np.uint8))[0]), int(grey[0, 0, 0]))
        rgb = decode_image(save(self.path('g.png'), np.full((4, 4), 77, np.uint8), 'L'), 4, 4, 3, 'fill')
        self.assertEqual(rgb[0, 0].tolist(), [77, 77, 77])

    def test_exif_orientation_is_applied(self):
        a = np.zeros((4, 8, 3), np.uint8)
        a[:, :4] = 255  # left half white, landscape
        im = Image.fromarray(a)
        exif = im.getexif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        f = self.path('o.jpg')
        im.save(f, exif=exif.tobytes(), quality=100)
        px = decode_image(f, 8, 4, 3, 'fill')  # displayed portrait: the white half is on top
        self.assertGreater(int(px[1, 2, 0]), 200)
        self.assertLess(int(px[6, 2, 0]), 60)

    def test_unreadable_files_are_skipped_then_fail_past_max_skipped(self):
        good = [save(self.path(f'{i}.png'), np.full((4, 4, 3), i * 10, np.uint8)) for i in range(9)]
        empty = self.path('empty.png')
        open(empty, 'wb').close()
        text = self.path('notes.png')
        with open(text, 'w') as f:
            f.write('not an image')
        logs = []
        data = {'train': [{'file': f, 'y': [1.0]} for f in good + [empty]], 'validation': [], 'test': [], 'maxSkipped': 0.1}
        splits = scan(data, lambda m, level: logs.append((level, m)))
        self.assertEqual(len(splits['train']), 9)
        self.assertEqual(logs, [('warn', f'skipped {empty}: empty file (0 bytes)')])
        data['train'].append({'file': text, 'y': [1.0]})
        with self.assertRaises(UserError) as c:
            scan(data, lambda m, level: None)
        self.assertIn(f'2 of 11 train images in {self.tmp} could not be read', c.exception.message)
        self.assertEqual(c.exception.file, self.tmp)

    def test_a_file_failing_at_decode_time_is_left_out_once(self):
        files = [save(self.path(f'{i}.png'), np.full((6, 6, 3), i * 20, np.uint8)) for i in range(4)]
        skipped = []
        px = Pixels(files, {'height': 4, 'width': 4, 'channels': 3, 'fit': 'cover'}, 0, False, lambda i, r: skipped.append(i))
        os.remove(files[2])
        out = list(px.batches([[0, 1], [2, 3]]))
        self.assertEqual([rows for rows, _ in out], [[0, 1], [3]])
        self.assertEqual(out[1][1].shape, (1, 4, 4, 3))
        self.assertEqual(list(px.batches([[3, 2]]))[0][0], [3])  # from memory now, 2 left out
        self.assertEqual(skipped, [2])

    def test_decoding_workers_give_the_same_pixels(self):
        files = [save(self.path(f'{i}.png'), np.random.default_rng(i).integers(0, 256, (9, 7, 3), dtype=np.uint8)) for i in range(5)]
        image = {'height': 6, 'width': 6, 'channels': 3, 'fit': 'cover'}
        batches = [[4, 0], [2], [1, 3]]
        here = [px for _, px in Pixels(files, image, 0, False, None).batches(batches)]
        pixels = Pixels(files, image, 2, False, None, budget=0)  # nothing kept: every pass decodes
        for _ in range(2):
            for a, b in zip(here, [px for _, px in pixels.batches(batches)]):
                self.assertTrue(torch.equal(a, b))


def augment_ts(src, spec, seed):
    """src/engine/tfjs/data/augment.ts, line by line (float pixels, HWC)."""
    h, w, c = src.shape
    flip, angle, scale, dxf, dyf, bright = draw(spec, seed)
    dx, dy = dxf * w, dyf * h
    out = np.zeros_like(src, dtype=np.float64)
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    cx, cy = (w - 1) / 2, (h - 1) / 2
    for y in range(h):
        for x in range(w):
            ux, uy = ((w - 1 - x) if flip else x) - cx, y - cy
            sx = min(max(cos * ux - sin * uy + cx + dx, 0), w - 1)
            sy = min(max(sin * ux + cos * uy + cy + dy, 0), h - 1)
            x0, y0 = int(math.floor(sx)), int(math.floor(sy))
            x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
            fx, fy = sx - x0, sy - y0
            v = (src[y0, x0] * (1 - fx) * (1 - fy) + src[y0, x1] * fx * (1 - fy) + src[y1, x0] * (1 - fx) * fy + src[y1, x1] * fx * fy + bright)
            out[y, x] = np.clip(v, 0, 255) if bright else v
    return out


class AugmentTest(unittest.TestCase):
    def test_matches_augment_ts(self):
        src = np.random.default_rng(0).integers(0, 256, size=(7, 9, 3)).astype(np.float32)
        for spec in ({'flip': True, 'rotate': 30, 'zoom': 0.3, 'brightness': 0.2}, {'rotate': 15}, {'zoom': 0.4}, {'flip': True}, {'flip': True, 'brightness': 0.5}):
            seeds = [11, 12, 13, 14]
            got = augment(torch.from_numpy(np.stack([src] * 4)), spec, seeds).numpy()
            for i, s in enumerate(seeds):
                with self.subTest(spec=spec, seed=s):
                    self.assertLess(float(np.abs(got[i] - augment_ts(src, spec, s)).max()), 2e-3)

    def test_normalize(self):
        x = torch.tensor([[[[0.0, 127.5, 255.0]]]])
        self.assertEqual(normalize(x, '0,1').flatten().tolist(), [0.0, 0.5, 1.0])
        self.assertEqual(normalize(x, '-1,1').flatten().tolist(), [-1.0, 0.0, 1.0])
        self.assertAlmostEqual(float(normalize(x, 'imagenet')[0, 0, 0, 0]), -0.485 / 0.229, places=5)
        grey = normalize(torch.full((1, 1, 1, 1), 255.0), 'imagenet')
        self.assertAlmostEqual(float(grey), (1 - (0.485 + 0.456 + 0.406) / 3) / ((0.229 + 0.224 + 0.225) / 3), places=5)
        self.assertEqual(normalize(x, 'none').flatten().tolist(), [0.0, 127.5, 255.0])


if __name__ == '__main__':
    unittest.main()
