"""A TF.js model config (Sequential or functional, nested to any depth) as a torch module that
runs its layers in dependency order. Tensors inside are in the internal layout (layout.py)."""
import re

from torch import nn

from .errors import ModelError
from .layers import layer_class

CONTAINERS = ('Sequential', 'Model', 'Functional')


class Step:
    """One call of one layer: the tensors it reads and the tensors it makes, as
    (layer name, node index, tensor index) references, TF.js's own addressing."""

    __slots__ = ('key', 'name', 'inputs', 'outputs')

    def __init__(self, key, name, inputs, outputs):
        self.key, self.name, self.inputs, self.outputs = key, name, inputs, outputs


class Graph(nn.Module):
    """Layers (leaves or nested Graphs) and the steps that call them."""

    def __init__(self, name, modules, steps, inputs, outputs, input_shapes):
        super().__init__()
        self.layer_name = name
        self.layers = nn.ModuleDict(modules)
        self.steps = steps
        self.inputs = inputs
        self.outputs = outputs
        self.input_shapes = input_shapes
        # refs no later step reads, dropped after each step so inference holds few activations
        last_use = {}
        for i, step in enumerate(steps):
            for r in step.inputs:
                last_use[r] = i
        self._drop_after = [[] for _ in steps]
        for r, i in last_use.items():
            if r not in outputs:
                self._drop_after[i].append(r)

    def forward(self, *xs):
        outs = self.run(list(xs))
        return outs[0] if len(outs) == 1 else outs

    def run(self, xs, capture=None, prefix=''):
        """Internal-layout inputs -> list of internal-layout outputs. `capture` collects the
        outputs of the layers it asks for, by path."""
        values = dict(zip(self.inputs, xs))
        for step, drop in zip(self.steps, self._drop_after):
            module = self.layers[step.key]
            args = [values[r] for r in step.inputs]
            if isinstance(module, Graph):
                outs = module.run(args, capture, f'{prefix}{step.name}/')
            else:
                outs = [module(args if module.multi_input else args[0])]
            for ref, value in zip(step.outputs, outs):
                values[ref] = value
            if capture is not None:
                capture.offer(prefix + step.name, outs)
            for r in drop:
                del values[r]
        return [values[r] for r in self.outputs]

    def walk(self, prefix=''):
        """(path, module) of every layer in execution order, containers before their insides;
        a layer called several times is listed once."""
        seen = set()
        for step in self.steps:
            if step.key in seen:
                continue
            seen.add(step.key)
            module = self.layers[step.key]
            path = prefix + step.name
            yield path, module
            if isinstance(module, Graph):
                yield from module.walk(path + '/')


class Capture:
    """The outputs forward_outputs asked for, first call of each layer."""

    def __init__(self, paths):
        self.want = set(paths)
        self.got = {}

    def offer(self, path, outs):
        if path in self.want and path not in self.got:
            self.got[path] = outs[0] if len(outs) == 1 else outs


# ---- building from a config ----

_RESERVED = set(dir(nn.ModuleDict()))


def _key(name, taken):
    """A ModuleDict key for a layer name: no dots, not one of ModuleDict's own attributes
    ("keys", "training"…), unique. The layer keeps its real name in layer_name."""
    key = re.sub(r'[.]', '_', name) or '_'
    base, i = key, 2
    while key in taken or key in _RESERVED:
        key, i = f'{base}_{i}', i + 1
    return key


def _layer_name(layer_cfg):
    return (layer_cfg.get('config') or {}).get('name') or layer_cfg.get('name') or '?'


class Builder:
    """Builds Graphs from configs, taking each leaf's weights from a WeightPool."""

    def __init__(self, pool, file):
        self.pool = pool
        self.file = file

    def build(self, cfg, frozen=False):
        cls = cfg.get('class_name')
        inner = cfg.get('config')
        name = _layer_name(cfg)
        frozen = frozen or (isinstance(inner, dict) and inner.get('trainable') is False)
        if cls == 'Sequential':
            layers = inner if isinstance(inner, list) else (inner or {}).get('layers') or []  # Keras 2.0/2.1 wrote a bare list
            graph = self._sequential(name, layers, frozen)
        elif cls in ('Model', 'Functional'):
            graph = self._functional(name, inner or {}, frozen)
        else:
            raise ModelError(f'the model is a {cls}, not a Sequential or functional model', file=self.file)
        return graph

    def _module(self, layer_cfg, frozen):
        """A leaf layer module or a nested Graph."""
        cls = layer_cfg.get('class_name')
        config = dict(layer_cfg.get('config') or {})
        name = _layer_name(layer_cfg)
        config.setdefault('name', name)
        if cls in CONTAINERS:
            return self.build(layer_cfg, frozen)
        module_cls = layer_class(cls, name, self.file)
        indices = self.pool.take(name, module_cls.weight_names(config))
        weights = {s: self.pool.entries[i].value for s, i in indices.items()}
        try:
            module = module_cls(config, weights)
        except ModelError as e:
            e.file = e.file or self.file
            raise
        except (KeyError, ValueError, TypeError, IndexError) as e:
            raise ModelError(f'layer "{name}" ({cls}) has a config or weights the PyTorch rebuild cannot read ({type(e).__name__}: {e})',
                             file=self.file, layer=name, hint='check the model was saved by TF.js or tensorflowjs_converter') from None
        self.pool.assign(indices, module)
        module.class_name = cls
        if frozen or config.get('trainable') is False:
            module.set_frozen(True)
        return module

    def _sequential(self, name, layers, frozen):
        modules, steps = {}, []
        if not layers:
            raise ModelError(f'Sequential model "{name}" has no layers', file=self.file)
        first = layers[0]
        shape = (first.get('config') or {}).get('batch_input_shape')
        if first.get('class_name') == 'InputLayer':
            prev = (_layer_name(first), 0, 0)
            layers = layers[1:]
        else:
            prev = (f'{name}_input', 0, 0)
        inputs = [prev]
        for layer_cfg in layers:
            lname = _layer_name(layer_cfg)
            module = self._module(layer_cfg, frozen)
            key = _key(lname, modules)
            modules[key] = module
            out = (lname, 0, 0)
            steps.append(Step(key, lname, [prev], [out]))
            prev = out
        if shape is None and steps and isinstance(modules[steps[0].key], Graph):
            shape = [None] + list(modules[steps[0].key].input_shapes[0] or [])
        input_shapes = [list(shape[1:]) if shape else None]
        return Graph(name, modules, steps, inputs, [prev], input_shapes)

    def _functional(self, name, cfg, frozen):
        modules, pending, shapes = {}, [], {}
        for layer_cfg in cfg.get('layers') or []:
            lname = _layer_name(layer_cfg)
            if layer_cfg.get('class_name') == 'InputLayer':
                shape = (layer_cfg.get('config') or {}).get('batch_input_shape')
                shapes[lname] = list(shape[1:]) if shape else None
                continue
            module = self._module(layer_cfg, frozen)
            key = _key(lname, modules)
            modules[key] = module
            n_out = len(module.outputs) if isinstance(module, Graph) else 1
            # a nested model's node 0 is its own input node, never serialised: TF.js and Keras
            # number the calls listed in inbound_nodes from 1 (Container.buildNodeConversionMap)
            first = 1 if isinstance(module, Graph) else 0
            for node_index, node in enumerate(layer_cfg.get('inbound_nodes') or [], start=first):
                if isinstance(node, dict):
                    raise ModelError(f'layer "{lname}" uses Keras 3 node references, which a TF.js model.json does not have', file=self.file, layer=lname,
                                     hint='load the .keras file through the TF.js engine and save it as a TF.js model')
                refs = [(n[0], int(n[1]), int(n[2])) for n in node]
                pending.append(Step(key, lname, refs, [(lname, node_index, i) for i in range(n_out)]))
        inputs = [(r[0], int(r[1]), int(r[2])) for r in cfg.get('input_layers') or []]
        outputs = [(r[0], int(r[1]), int(r[2])) for r in cfg.get('output_layers') or []]
        if not inputs or not outputs:
            raise ModelError(f'model "{name}" lists no input_layers or output_layers', file=self.file)
        steps = self._order(name, pending, set(inputs))
        return Graph(name, modules, steps, inputs, outputs, [shapes.get(r[0]) for r in inputs])

    def _order(self, name, pending, ready):
        """Steps in an order where every input exists before it is read (config order when the
        config is already in that order, as TF.js and Keras write it)."""
        steps = []
        while pending:
            left = []
            for s in pending:
                if all(r in ready for r in s.inputs):
                    steps.append(s)
                    ready.update(s.outputs)
                else:
                    left.append(s)
            if len(left) == len(pending):
                missing = sorted({r[0] for s in left for r in s.inputs if r not in ready})
                raise ModelError(f'model "{name}": layers read tensors nothing produces ({", ".join(missing[:5])})', file=self.file,
                                 hint='the model config is inconsistent; export it again')
            pending = left
        return steps
