"""Shared by the test_worker_* tests (no tests here): image folders of coloured shapes, a tiny
TF.js layers model written as model.json + weights.bin, plans, and an in-process run that checks
every event against the protocol's field lists."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

PYTHON = sys.executable  # the interpreter running the tests has torch (here /usr/bin/python3; the first python3 on PATH has none)
PKG_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
COLOURS = [(220, 40, 40), (40, 180, 60), (50, 70, 220)]


def make_images(folder, per_class=12, size=20, seed=0, classes=3):
    """class k: a shape in colour k on a noisy grey background; returns [(file, class)]."""
    from PIL import Image, ImageDraw
    r = np.random.default_rng(seed)
    out = []
    for k in range(classes):
        os.makedirs(os.path.join(folder, f'c{k}'), exist_ok=True)
        for i in range(per_class):
            bg = r.integers(90, 160, size=(size, size, 3), dtype=np.uint8)
            im = Image.fromarray(bg)
            d = ImageDraw.Draw(im)
            x0, y0 = r.integers(0, size // 3, size=2)
            s = int(r.integers(size // 2, size - max(x0, y0)))
            box = [int(x0), int(y0), int(x0) + s, int(y0) + s]
            (d.ellipse if k % 3 == 0 else d.rectangle if k % 3 == 1 else d.polygon)(
                box if k % 3 != 2 else [(box[0], box[3]), (box[2], box[3]), ((box[0] + box[2]) // 2, box[1])], fill=COLOURS[k % 3])
            f = os.path.join(folder, f'c{k}', f'{i}.png')
            im.save(f)
            out.append((f, k))
    return out


def entries(pairs, classes=3):
    return [{'file': f, 'y': [1.0 if j == k else 0.0 for j in range(classes)]} for f, k in pairs]


def _layer(cls, name, **config):
    return {'class_name': cls, 'config': {'name': name, 'trainable': True, **config}}


def write_tfjs_model(folder, size=20, channels=3, classes=3, seed=0, dropout=0.0, l2=0.0, activation='softmax'):
    """conv → bn → relu → conv2 → gap | [dropout] → dense (softmax): a Sequential model.json.
    Returns (model.json path, head layer names, leaf names of the base)."""
    r = np.random.default_rng(seed)
    layers = [
        _layer('Conv2D', 'conv', filters=6, kernel_size=[3, 3], strides=[2, 2], padding='same', use_bias=False, activation='linear',
               batch_input_shape=[None, size, size, channels]),
        _layer('BatchNormalization', 'bn', axis=-1, momentum=0.9, epsilon=1e-3),
        _layer('Activation', 'relu', activation='relu'),
        _layer('Conv2D', 'conv2', filters=8, kernel_size=[3, 3], strides=[1, 1], padding='same', use_bias=True, activation='relu'),
        _layer('GlobalAveragePooling2D', 'gap'),
    ]
    head = []
    if dropout:
        layers.append(_layer('Dropout', 'drop', rate=dropout))
        head.append('drop')
    dense = {'units': classes, 'activation': activation, 'use_bias': True}
    if l2:
        dense['kernel_regularizer'] = {'class_name': 'L1L2', 'config': {'l1': 0.0, 'l2': l2}}
    layers.append(_layer('Dense', 'dense', **dense))
    head.append('dense')
    weights = [
        ('conv/kernel', r.normal(0, 0.4, (3, 3, channels, 6))),
        ('bn/gamma', r.uniform(0.5, 1.5, 6)), ('bn/beta', r.normal(0, 0.1, 6)),
        ('conv2/kernel', r.normal(0, 0.3, (3, 3, 6, 8))), ('conv2/bias', np.zeros(8)),
        ('dense/kernel', r.normal(0, 0.3, (8, classes))), ('dense/bias', np.zeros(classes)),
        ('bn/moving_mean', r.normal(0, 0.1, 6)), ('bn/moving_variance', r.uniform(0.5, 1.5, 6)),
    ]
    os.makedirs(folder, exist_ok=True)
    data = b''.join(np.asarray(v, dtype='<f4').tobytes() for _, v in weights)
    with open(os.path.join(folder, 'weights.bin'), 'wb') as f:
        f.write(data)
    doc = {'format': 'layers-model', 'generatedBy': 'tests', 'convertedBy': None,
           'modelTopology': {'class_name': 'Sequential', 'config': {'name': 'tiny', 'layers': layers}, 'keras_version': 'tfjs-layers 4.22.0', 'backend': 'tensor_flow.js'},
           'weightsManifest': [{'paths': ['weights.bin'], 'weights': [{'name': n, 'shape': list(np.shape(v)), 'dtype': 'float32'} for n, v in weights]}]}
    path = os.path.join(folder, 'model.json')
    with open(path, 'w') as f:
        json.dump(doc, f)
    return path, head, ['conv', 'bn', 'relu', 'conv2', 'gap']


def tfjs_plan(tmp, model_json, head, frozen, train, validation=(), test=(), size=20, **training):
    phases = training.pop('phases', [{'phase': 'head', 'epochs': 3, 'learningRate': 0.05, 'cache': True}])
    plan = {
        'name': 'tiny', 'recipe': os.path.join(tmp, 'tiny.adapt.json'), 'runDir': os.path.join(tmp, 'run'), 'staging': os.path.join(tmp, 'staging'),
        'model': {'kind': 'tfjs', 'modelJson': model_json, 'headLayers': head, 'frozen': frozen, 'featureShape': [8]},
        'task': 'single-label', 'labels': ['c0', 'c1', 'c2'],
        'data': {'image': {'height': size, 'width': size, 'channels': 3, 'preprocess': '0,1', 'fit': 'cover'}, 'augment': None,
                 'train': list(train), 'validation': list(validation), 'test': list(test), 'maxSkipped': 0.1},
        'training': {'batchSize': 8, 'optimizer': 'adam', 'seed': 7, 'schedule': {'type': 'constant'}, 'earlyStopping': None,
                     'classWeights': None, 'learningRateMultipliers': None, 'phases': phases},
        'engine': {'device': 'cpu', 'amp': 'auto', 'compile': 'auto', 'workers': 0, 'nproc': 1},
        'resume': None, 'metadata': {'recipe': {'model': 'tiny'}, 'labels': ['c0', 'c1', 'c2']},
    }
    plan['training'].update(training)
    return plan


class Stopper:
    """should_stop for in-process runs: True from the n-th call on (None: never)."""

    def __init__(self, after=None):
        self.after = after
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.after is not None and self.calls >= self.after


def run_plan(plan, stop_after=None):
    """Trains in this process; returns the events (each checked against the protocol)."""
    from transfer_studio_worker.protocol import event_problems
    from transfer_studio_worker.train.run import run_training
    events = []

    def emit(e):
        problems = event_problems(json.loads(json.dumps(e, allow_nan=False)))
        assert not problems, f'{e.get("type")}: {problems}'
        events.append(e)

    run_training(plan, emit, Stopper(stop_after))
    return events


def of(events, kind):
    return [e for e in events if e['type'] == kind]


def state_of(folder):
    import torch
    return torch.load(os.path.join(folder, 'state.pt'), map_location='cpu')


class TempDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='worker-test-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def assertWeightsEqual(self, a, b, tol=1e-6, keys=None):
        for k in keys or a:
            diff = float((a[k].float() - b[k].float()).abs().max()) if a[k].numel() else 0.0
            self.assertLessEqual(diff, tol, f'{k}: max abs diff {diff}')
