"""The public model: load a TF.js layers model.json as a torch module, run it in TF.js layout,
freeze and split it, and save it back as a TF.js layers model."""
import os

import torch
from torch import nn

from .errors import ModelError
from .graph import Builder, Capture, Graph
from .layout import to_internal, to_tfjs
from .weights import WeightPool, model_config, read_model_json, read_weights, write_layers_model


class LayersModel(nn.Module):
    """A rebuilt TF.js model. Takes and returns TF.js layout (NHWC images); a list when the
    model has several outputs. Parameters are float32."""

    def __init__(self, graph, input_shapes, pool=None, file=None):
        super().__init__()
        self.graph = graph
        self.input_shapes = input_shapes
        self.file = file
        self._pool = pool  # manifest order and owners, for save_layers_model; None for split parts

    @property
    def input_shape(self):
        """[H, W, C] (TF.js layout, no batch axis) of the first input."""
        return self.input_shapes[0]

    def forward(self, *xs):
        if len(xs) == 1 and isinstance(xs[0], (list, tuple)):
            xs = xs[0]
        outs = [to_tfjs(o) for o in self.graph.run([to_internal(x) for x in xs])]
        return outs[0] if len(outs) == 1 else outs

    # ---- names ----

    def _layers(self):
        return list(self.graph.walk())

    def resolve(self, name):
        """The full path ("outer/inner/leaf") of a layer given by path or by a bare name that
        is unique in the tree; anything else raises ModelError."""
        paths = [p for p, _ in self._layers()]
        if name in paths:
            return name
        if name.startswith(self.graph.layer_name + '/') and name[len(self.graph.layer_name) + 1:] in paths:
            return name[len(self.graph.layer_name) + 1:]
        matches = [p for p in paths if p.rsplit('/', 1)[-1] == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ModelError(f'layer name "{name}" is ambiguous: {", ".join(matches)}', file=self.file, layer=name, hint='give the layer by its path')
        raise ModelError(f'the model has no layer "{name}"', file=self.file, layer=name, hint='leaf_layers() lists the layer names')

    def leaf_layers(self, paths=False):
        """[(name, class_name, module)] of the leaf layers in execution order, nested models
        expanded, InputLayers left out (as the TF.js engine lists them). paths=True gives
        "outer/inner/leaf" names instead of bare ones."""
        out = []
        for path, module in self._layers():
            if isinstance(module, Graph) or module.class_name == 'InputLayer':
                continue
            out.append((path if paths else module.layer_name, module.class_name, module))
        return out

    def forward_outputs(self, x, names):
        """name -> output (TF.js layout) of each named layer, from one forward pass."""
        wanted = {n: self.resolve(n) for n in names}
        capture = Capture(wanted.values())
        xs = x if isinstance(x, (list, tuple)) else [x]
        self.graph.run([to_internal(t) for t in xs], capture)
        result = {}
        for n, p in wanted.items():
            value = capture.got[p]
            result[n] = [to_tfjs(v) for v in value] if isinstance(value, list) else to_tfjs(value)
        return result

    # ---- training helpers ----

    def set_frozen(self, names):
        """Make exactly these leaves frozen and every other leaf trainable (as the TF.js engine's
        applyFreeze does). A bare name freezes every leaf of that name, a path one leaf, a nested
        model's name all the leaves inside it. Frozen: requires_grad=False, and BatchNormalization
        in inference mode even under train(True)."""
        frozen = set()
        layers = self._layers()
        for n in names:
            paths = [p for p, _ in layers if p.rsplit('/', 1)[-1] == n] or [self.resolve(n)]
            for p in paths:
                frozen.update(q for q, _ in layers if q == p or q.startswith(p + '/'))
        for path, module in layers:
            if not isinstance(module, Graph):
                module.set_frozen(path in frozen)

    def regularization_loss(self):
        """Sum of the kernel/bias/… L1/L2 penalties in the layer configs; a scalar tensor."""
        total = None
        for _, _, module in self.leaf_layers():
            term = module.regularization_loss()
            if term is not None:
                total = term if total is None else total + term
        if total is None:
            p = next(self.parameters(), None)
            return torch.zeros((), device=p.device if p is not None else 'cpu')
        return total

    def split_at(self, head_layer_names):
        """(base, head) at the first of the top-level head layers; see split.py."""
        from .split import split_model
        return split_model(self, head_layer_names)

    # ---- saving ----

    def tfjs_named_weights(self):
        """[(manifest name, array in TF.js layout)] in the source manifest's order."""
        if self._pool is None:
            raise ModelError('only a loaded model can be saved as TF.js, not a part from split_at', file=self.file)
        cache = {}
        out = []
        for entry, owner in zip(self._pool.entries, self._pool.owners):
            if owner is None:  # not used by any layer (TF.js would refuse it): kept as it was
                out.append((entry.name, entry.value))
                continue
            module, suffix = owner
            if id(module) not in cache:
                cache[id(module)] = module.tfjs_weights()
            value = cache[id(module)][suffix]
            if list(value.shape) != list(entry.shape):
                raise AssertionError(f'{entry.name}: shape {list(value.shape)} differs from the manifest {entry.shape}')
            out.append((entry.name, value))
        return out


def load_layers_model(path, device='cpu'):
    """Rebuild a TF.js layers model (model.json + shards) as a float32 LayersModel."""
    path = os.path.abspath(path)
    doc = read_model_json(path)
    pool = WeightPool(read_weights(doc, path), path)
    graph = Builder(pool, path).build(model_config(doc))
    pool.release_owned_values()
    model = LayersModel(graph, graph.input_shapes, pool, path)
    model.eval()
    return model.to(device)


def save_layers_model(model, source_path, out_dir):
    """out_dir/model.json + weights.bin: the source's model.json with its weightsManifest
    rewritten to one float32 shard (same names, same order), values from `model`."""
    doc = read_model_json(os.path.abspath(source_path))
    return write_layers_model(doc, model.tfjs_named_weights(), os.path.abspath(out_dir))
