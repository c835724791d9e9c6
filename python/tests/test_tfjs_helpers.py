"""Shared by the test_tfjs_* tests (no tests here): tiny TF.js layers models written to temp
folders, and numpy references of TF's NHWC ops written from their definitions."""
import json
import math
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

# the package lives in python/, one level up; unittest discover only adds python/tests
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))


def rng(seed=0):
    return np.random.default_rng(seed)


def rand(shape, seed=0, lo=-1.0, hi=1.0):
    return rng(seed).uniform(lo, hi, size=shape).astype(np.float32)


# ---- model configs, as TF.js writes them ----

def layer(class_name, name, inbound=None, **config):
    """A layer config. inbound (functional models only): a list of nodes, each a list of
    names or (name, node_index, tensor_index) references."""
    cfg = {'class_name': class_name, 'name': name, 'config': {'name': name, 'trainable': True, **config}}
    if inbound is not None:
        cfg['inbound_nodes'] = [[[r, 0, 0, {}] if isinstance(r, str) else [*r, {}] for r in node] for node in inbound]
    return cfg


def input_layer(name, shape):
    return {'class_name': 'InputLayer', 'name': name, 'inbound_nodes': [],
            'config': {'batch_input_shape': [None, *shape], 'dtype': 'float32', 'sparse': False, 'name': name}}


def sequential(name, layers, input_shape=None):
    if input_shape is not None:
        layers[0]['config']['batch_input_shape'] = [None, *input_shape]
    return {'class_name': 'Sequential', 'config': {'name': name, 'layers': layers}}


def functional(name, layers, inputs, outputs, inbound=None):
    cfg = {'class_name': 'Model', 'name': name,
           'config': {'name': name, 'layers': layers, 'input_layers': [[n, 0, 0] for n in inputs],
                      'output_layers': [[n, 0, 0] if isinstance(n, str) else list(n) for n in outputs]}}
    if inbound is not None:
        cfg['inbound_nodes'] = [[[r, 0, 0, {}] for r in node] for node in inbound]
    return cfg


def write_model(folder, topology, weights, quantize=None, shard_bytes=None, extra=None):
    """folder/model.json + shards. weights: [(name, float32 array)]. quantize: 'uint8' or
    'uint16' (min/scale, as tensorflowjs_converter writes) or 'float16'."""
    os.makedirs(folder, exist_ok=True)
    specs, parts = [], []
    for name, value in weights:
        value = np.asarray(value, dtype=np.float32)
        spec = {'name': name, 'shape': list(value.shape), 'dtype': 'float32'}
        if quantize in ('uint8', 'uint16'):
            levels = 255 if quantize == 'uint8' else 65535
            lo, hi = float(value.min()), float(value.max())
            scale = (hi - lo) / levels if hi > lo else 1.0
            q = np.round((value - lo) / scale).astype(np.uint8 if quantize == 'uint8' else '<u2')
            spec['quantization'] = {'dtype': quantize, 'min': lo, 'scale': scale}
            parts.append(q.tobytes())
        elif quantize == 'float16':
            spec['quantization'] = {'dtype': 'float16'}
            parts.append(value.astype('<f2').tobytes())
        else:
            parts.append(value.astype('<f4').tobytes())
        specs.append(spec)
    data = b''.join(parts)
    size = shard_bytes or max(len(data), 1)
    paths = []
    count = max(1, math.ceil(len(data) / size))
    for i in range(count):
        p = f'group1-shard{i + 1}of{count}.bin'
        with open(os.path.join(folder, p), 'wb') as f:
            f.write(data[i * size:(i + 1) * size])
        paths.append(p)
    doc = {'format': 'layers-model', 'generatedBy': 'tests', 'convertedBy': None,
           'modelTopology': {'class_name': topology['class_name'], 'config': topology['config'], 'keras_version': 'tfjs-layers 4.22.0', 'backend': 'tensor_flow.js'},
           'weightsManifest': [{'paths': paths, 'weights': specs}]}
    doc.update(extra or {})
    path = os.path.join(folder, 'model.json')
    with open(path, 'w') as f:
        json.dump(doc, f)
    return path


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='tfjs-test-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def model_of(self, layers, input_shape, weights, **kw):
        """A Sequential model of `layers` written to a fresh folder; returns the loaded model."""
        from transfer_studio_worker.tfjs import load_layers_model
        folder = self.path(f'm{len(os.listdir(self.tmp))}')
        return load_layers_model(write_model(folder, sequential('model', layers, input_shape), weights, **kw))

    def run_nhwc(self, model, x):
        import torch
        with torch.no_grad():
            y = model(torch.from_numpy(x))
        return y.numpy() if not isinstance(y, list) else [t.numpy() for t in y]

    def assertClose(self, got, want, tol=1e-5):
        got, want = np.asarray(got), np.asarray(want)
        self.assertEqual(got.shape, want.shape)
        diff = float(np.max(np.abs(got - want))) if got.size else 0.0
        self.assertLessEqual(diff, tol, f'max abs diff {diff}')


# ---- numpy references (NHWC), from TF's definitions ----

def tf_same_pads(size, kernel, stride, dilation=1):
    """TF SAME: output ceil(size/stride); the total padding split with the extra one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _pad_nhwc(x, kh, kw, stride, dilation, padding):
    if padding != 'same':
        return x
    pt, pb = tf_same_pads(x.shape[1], kh, stride[0], dilation[0])
    pl, pr = tf_same_pads(x.shape[2], kw, stride[1], dilation[1])
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))


def conv_ref(x, k, stride=(1, 1), dilation=(1, 1), padding='valid'):
    """TF conv2d: x [N,H,W,Cin], k [kh,kw,Cin,Cout]."""
    kh, kw = k.shape[:2]
    xp = _pad_nhwc(x, kh, kw, stride, dilation, padding)
    oh = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // stride[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j] += xp[:, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]] @ k[a, b]
    return out


def depthwise_ref(x, k, stride=(1, 1), dilation=(1, 1), padding='valid'):
    """TF depthwise_conv2d: k [kh,kw,C,mult]; output channel c*mult + m."""
    c, mult = k.shape[2], k.shape[3]
    out = None
    for ci in range(c):
        for m in range(mult):
            kk = np.zeros((k.shape[0], k.shape[1], c, 1))
            kk[:, :, ci, 0] = k[:, :, ci, m]
            y = conv_ref(x, kk, stride, dilation, padding)
            if out is None:
                out = np.zeros(y.shape[:3] + (c * mult,))
            out[..., ci * mult + m] = y[..., 0]
    return out


def pool_ref(x, size, stride, padding, op):
    """TF max/avg pool: each window clipped to the input (SAME's padding never counts)."""
    n, h, w, c = x.shape
    pt = tf_same_pads(h, size[0], stride[0])[0] if padding == 'same' else 0
    pl = tf_same_pads(w, size[1], stride[1])[0] if padding == 'same' else 0
    oh = -(-h // stride[0]) if padding == 'same' else (h - size[0]) // stride[0] + 1
    ow = -(-w // stride[1]) if padding == 'same' else (w - size[1]) // stride[1] + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * stride[0] - pt, j * stride[1] - pl
            win = x[:, max(r0, 0):min(r0 + size[0], h), max(c0, 0):min(c0 + size[1], w)]
            out[:, i, j] = op(win.reshape(n, -1, c), axis=1)
    return out


# ---- small file helpers (closing their files) ----

def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_json(path, value):
    with open(path, 'w') as f:
        json.dump(value, f)


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def write_bytes(path, data):
    with open(path, 'wb') as f:
        f.write(data)
