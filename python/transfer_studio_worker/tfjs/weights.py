"""model.json and its weight shards: reading (float32/int32/bool, uint8/uint16 min+scale and
float16 quantization), and writing back as one float32 shard. Files are written atomically."""
import json
import os
import secrets
import urllib.parse

import numpy as np

from .errors import ModelError

# bytes per value of each stored dtype (the quantized dtype when quantized)
_STORED = {'float32': np.dtype('<f4'), 'int32': np.dtype('<i4'), 'bool': np.dtype('u1'),
           'uint8': np.dtype('u1'), 'uint16': np.dtype('<u2'), 'float16': np.dtype('<f2')}


def read_model_json(path):
    """Parse a TF.js layers model.json; graph models and other JSON are refused with a reason."""
    try:
        with open(path, 'r', encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        raise ModelError('model file not found', file=path) from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ModelError(f'not valid JSON ({e})', file=path, hint='the file may be truncated or not a model.json') from None
    if not isinstance(doc, dict):
        raise ModelError('not a TF.js model.json: expected a JSON object', file=path)
    topology = doc.get('modelTopology')
    if doc.get('format') == 'graph-model' or (isinstance(topology, dict) and ('node' in topology or 'library' in topology)):
        raise ModelError('this is a TF.js graph model: only layers models can be rebuilt in PyTorch', file=path,
                         hint='convert the original Keras model with tensorflowjs_converter --input_format keras')
    if not isinstance(topology, dict):
        raise ModelError('not a TF.js layers model: "modelTopology" is missing', file=path)
    if not isinstance(doc.get('weightsManifest'), list):
        raise ModelError('"weightsManifest" is missing: the model has no weights', file=path)
    return doc


def model_config(doc):
    """The root model config ({class_name, config}) inside modelTopology."""
    topology = doc['modelTopology']
    return topology.get('model_config', topology)


class WeightEntry:
    """One manifest weight, dequantized to float32 (int32/bool stay as they are)."""

    def __init__(self, name, shape, dtype, value):
        self.name, self.shape, self.dtype, self.value = name, list(shape), dtype, value


def _decode(spec, raw, file):
    q = spec.get('quantization')
    stored = (q or {}).get('dtype', spec.get('dtype', 'float32'))
    if stored not in _STORED:
        raise ModelError(f'weight "{spec.get("name")}" has dtype {stored}, which cannot be read', file=file)
    values = np.frombuffer(raw, dtype=_STORED[stored]).reshape(spec['shape'])
    if q and stored in ('uint8', 'uint16'):
        return values.astype(np.float32) * np.float32(q['scale']) + np.float32(q['min'])
    if stored == 'float16':
        return values.astype(np.float32)
    return values.astype(np.float32 if stored == 'float32' else _STORED[stored]).copy()


def read_weights(doc, model_path):
    """Every manifest weight, in manifest order; missing or short shards raise ModelError."""
    folder = os.path.dirname(model_path)
    entries = []
    for gi, group in enumerate(doc['weightsManifest']):
        if not isinstance(group, dict) or not isinstance(group.get('paths'), list) or not isinstance(group.get('weights'), list):
            raise ModelError(f'weightsManifest[{gi}] needs "paths" and "weights" arrays', file=model_path)
        chunks = []
        for p in group['paths']:
            shard = os.path.join(folder, urllib.parse.unquote(p))
            try:
                with open(shard, 'rb') as f:
                    chunks.append(f.read())
            except FileNotFoundError:
                raise ModelError(f'weights shard missing: {shard}', file=model_path,
                                 hint='model.json lists it under weightsManifest; copy it next to model.json') from None
        data = b''.join(chunks)
        sizes = [int(np.prod(w['shape'], dtype=np.int64)) * _STORED.get((w.get('quantization') or {}).get('dtype', w.get('dtype', 'float32')), np.dtype('u1')).itemsize
                 for w in group['weights']]
        if sum(sizes) != len(data):
            names = ', '.join(os.path.join(folder, p) for p in group['paths'])
            short = len(data) < sum(sizes)
            raise ModelError(f'weights shard size does not match the manifest: {names} hold {len(data)} bytes, '
                             f'the manifest\'s {len(sizes)} weights need {sum(sizes)}', file=model_path,
                             hint='the shard looks truncated: download or copy it again' if short else 'the shard does not belong to this model.json')
        offset = 0
        for spec, size in zip(group['weights'], sizes):
            value = _decode(spec, data[offset:offset + size], model_path)
            entries.append(WeightEntry(spec['name'], spec['shape'], spec.get('dtype', 'float32'), value))
            offset += size
    return entries


def write_atomic(path, data):
    """Write bytes to `path` through a temp file in the same folder, then os.replace.

    The temp file is opened with open(..., 'xb') rather than mkstemp so it gets the usual
    umask permissions (mkstemp would make the saved model private to the user)."""
    tmp = f'{path}.tmp-{os.getpid()}-{secrets.token_hex(4)}'
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_layers_model(doc, named_values, out_dir, shard='weights.bin'):
    """out_dir/model.json (doc's keys unchanged but the manifest) + one float32 shard.

    named_values: [(name, float32 array in TF.js layout)] in manifest order. The shard is
    written before model.json so a reader never sees a model.json without its weights.
    """
    os.makedirs(out_dir, exist_ok=True)
    specs, parts = [], []
    for name, value in named_values:
        arr = np.ascontiguousarray(value, dtype='<f4')
        specs.append({'name': name, 'shape': list(arr.shape), 'dtype': 'float32'})
        parts.append(arr.tobytes())
    out = dict(doc)
    out['weightsManifest'] = [{'paths': [shard], 'weights': specs}]
    write_atomic(os.path.join(out_dir, shard), b''.join(parts))
    write_atomic(os.path.join(out_dir, 'model.json'), json.dumps(out).encode('utf-8'))
    return os.path.join(out_dir, 'model.json')


class WeightPool:
    """Hands manifest weights to the layers that own them and remembers who took which.

    A weight is found by TF.js's own name "<layer>/<suffix>", else by a scoped name
    ("<outer>/<layer>/<suffix>", as Python converters write for nested models). A name listed
    twice goes to its owners in execution order."""

    def __init__(self, entries, file):
        self.entries = entries
        self.file = file
        self.owners = [None] * len(entries)  # manifest index -> (module, suffix)
        self._by_name = {}
        for i, e in enumerate(entries):
            self._by_name.setdefault(e.name, []).append(i)

    def _find(self, wanted):
        free = [i for i in self._by_name.get(wanted, []) if self.owners[i] is None]
        if free:
            return free[0]
        return next((i for i, e in enumerate(self.entries) if self.owners[i] is None and e.name.endswith('/' + wanted)), None)

    def take(self, layer_name, suffixes):
        """suffix -> manifest index for each suffix, reserved for the layer; a missing one
        raises ModelError."""
        found = {}
        for s in suffixes:
            i = self._find(f'{layer_name}/{s}')
            if i is None:
                raise ModelError(f'weight "{layer_name}/{s}" of layer "{layer_name}" is not in the weights manifest', file=self.file, layer=layer_name,
                                 hint='model.json and its weights do not match: export the model again')
            found[s] = i
            self.owners[i] = (None, s)  # reserved until assign()
        return found

    def assign(self, indices, module):
        for s, i in indices.items():
            self.owners[i] = (module, s)

    def release_owned_values(self):
        """Forget the loaded arrays the layers now hold (only unowned ones are saved as read)."""
        for e, owner in zip(self.entries, self.owners):
            if owner is not None:
                e.value = None
