"""torchvision models: built by name with weights=None (nothing is ever downloaded), weights from a
local state dict (.pth) or a whole TorchScript file, a new head from the recipe's HeadLayerSpec
list, the ModelSummary of `inspect`, the final exports and `predict`.

The adapted model has the same small API as transfer_studio_worker.tfjs's layers model, so the
training code treats both alike: NHWC float input (as TF.js), leaf_layers(), set_frozen(),
split_at(), regularization_loss(), input_shape. Layer names are the torchvision module names
("layer4.1.conv2"), and the head's names from its spec.
"""
from __future__ import annotations

import json
import os
import pickle
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .protocol import UserError

DEFAULT_INPUT = {'inception_v3': 299}


# --- the head, one class per HeadLayerSpec type (class_name is the spec's type) ---------------

def _hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return (0.2 * x + 0.5).clamp(0, 1)  # TF.js's hardSigmoid, not torch's relu6(x + 3) / 6


ACTIVATIONS = {
    'linear': lambda x: x, 'relu': F.relu, 'relu6': F.relu6, 'elu': F.elu, 'selu': F.selu, 'gelu': F.gelu,
    'swish': F.silu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'softmax': lambda x: F.softmax(x, dim=-1),
    'softplus': F.softplus, 'hardSigmoid': _hard_sigmoid, 'leakyRelu': lambda x: F.leaky_relu(x, 0.3),  # TF.js alpha
}


class Activation(nn.Module):
    class_name = 'Activation'

    def __init__(self, name: str) -> None:
        super().__init__()
        if name not in ACTIVATIONS:
            raise UserError(f'unknown activation {name!r}', hint=f'use one of {", ".join(ACTIVATIONS)}')
        self.activation = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ACTIVATIONS[self.activation](x)


class Dense(nn.Module):
    """Linear + activation, Keras's initialisation (Glorot-uniform kernel, zero bias)."""
    class_name = 'Dense'

    def __init__(self, inputs: int, units: int, activation: str, bias: bool, l2: float) -> None:
        super().__init__()
        self.linear = nn.Linear(inputs, units, bias=bias)
        nn.init.xavier_uniform_(self.linear.weight)
        if bias:
            nn.init.zeros_(self.linear.bias)
        self.act = Activation(activation)
        self.l2 = l2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.linear(x))


class GlobalAveragePooling2D(nn.Module):
    class_name = 'GlobalAveragePooling2D'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)) if x.dim() == 4 else x


class GlobalMaxPooling2D(nn.Module):
    class_name = 'GlobalMaxPooling2D'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3)) if x.dim() == 4 else x


class Flatten(nn.Module):
    class_name = 'Flatten'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(x, 1)


class Dropout(nn.Dropout):
    class_name = 'Dropout'


def _bn(shape: Sequence[int], spec: Dict[str, Any]) -> nn.Module:
    cls = nn.BatchNorm1d if len(shape) == 1 else nn.BatchNorm2d
    # Keras's momentum weighs the old statistics (0.99), torch's the new batch (0.01)
    bn = cls(shape[0], eps=spec.get('epsilon', 1e-3), momentum=1 - spec.get('momentum', 0.99))
    bn.class_name = 'BatchNormalization'  # type: ignore[assignment]
    return bn


def build_head(specs: List[Dict[str, Any]], in_shape: Sequence[int], task: str, outputs: int) -> Tuple[nn.Sequential, List[str]]:
    """HeadLayerSpec list → nn.Sequential; `in_shape` is the base's output without the batch."""
    layers: 'OrderedDict[str, nn.Module]' = OrderedDict()
    shape = list(in_shape)
    dense_at = [i for i, s in enumerate(specs) if s.get('type') == 'Dense']
    counts: Dict[str, int] = {}
    for i, s in enumerate(specs):
        kind = s.get('type')
        base = ''.join('_' + c.lower() if c.isupper() else c for c in str(kind)).lstrip('_').replace('2_d', '2d')
        name = s.get('name') or (base if base not in counts else f'{base}_{counts[base]}')
        counts[base] = counts.get(base, 0) + 1
        where = f'/model/head/{i}'
        if '.' in name or name in layers:
            raise UserError(f'head layer name {name!r} is not usable (a dot, or used twice)', json_path=where, hint='give each head layer a plain, unique name')
        if kind in ('GlobalAveragePooling2D', 'GlobalMaxPooling2D'):
            layers[name] = GlobalAveragePooling2D() if kind == 'GlobalAveragePooling2D' else GlobalMaxPooling2D()
            shape = shape[:1]
        elif kind == 'Flatten':
            layers[name] = Flatten()
            shape = [int(torch.tensor(shape).prod())]
        elif kind == 'Dense':
            if len(shape) != 1:
                raise UserError(f'Dense layer {name!r} gets a {len(shape)}-D input {shape}', json_path=where,
                                hint='put GlobalAveragePooling2D or Flatten before it')
            last = i == dense_at[-1]
            units = s.get('units') or (outputs if last else None)
            if units is None:
                raise UserError(f'Dense layer {name!r} has no "units"', json_path=where)
            if last and units != outputs:
                raise UserError(f'the last Dense layer has {units} units but there are {outputs} labels', json_path=where)
            default = {'single-label': 'softmax', 'multi-label': 'sigmoid'}.get(task, 'linear') if last else 'relu'
            layers[name] = Dense(shape[0], units, s.get('activation') or default, s.get('useBias', True), s.get('l2') or 0.0)
            shape = [units]
        elif kind == 'Dropout':
            layers[name] = Dropout(s.get('rate', 0.5))
        elif kind == 'BatchNormalization':
            layers[name] = _bn(shape, s)
        elif kind == 'Activation':
            layers[name] = Activation(s.get('activation', 'linear'))
        else:
            raise UserError(f'unknown head layer type {kind!r}', json_path=where)
    if not dense_at:
        raise UserError('the head has no Dense layer', json_path='/model/head', hint='end the head with a Dense layer sized from the labels')
    return nn.Sequential(layers), list(layers)


# --- the pre-trained part ------------------------------------------------------------------

def build_arch(arch: str) -> nn.Module:
    """The architecture by name, random weights (weights=None: nothing is downloaded)."""
    import torchvision
    models = torchvision.models
    get = getattr(models, 'get_model', None)  # torchvision ≥ 0.14
    kwargs: Dict[str, Any] = {'aux_logits': False, 'init_weights': False} if arch in ('inception_v3', 'googlenet') else {}
    try:
        if get is not None:
            return get(arch, weights=None, **kwargs)
        fn = getattr(models, arch, None)
        if not callable(fn) or arch.startswith('_'):
            raise ValueError(arch)
        return fn(weights=None, **kwargs)
    except (ValueError, KeyError, AttributeError):
        names = sorted(n for n in dir(models) if n.islower() and not n.startswith('_') and callable(getattr(models, n)))
        raise UserError(f'torchvision {torchvision.__version__} has no model {arch!r}', hint=f'use one of: {", ".join(names[:40])}…') from None


def torch_load(path: str, ours: bool = False) -> Any:
    """weights_only where this torch has it (1.13+; the default from 2.6): no code runs on load.
    Files this worker wrote itself (`ours`: checkpoints) fall back to a full load where weights_only
    is too narrow (torch 1.13's cannot read a float, and an optimizer state holds some)."""
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except TypeError:
        return torch.load(path, map_location='cpu')
    except pickle.UnpicklingError:
        if not ours:
            raise
        return torch.load(path, map_location='cpu', weights_only=False)


def load_weights(model: nn.Module, path: str) -> None:
    if not os.path.isfile(path):
        raise UserError('weights file not found', file=path, hint='give the path of a .pth state dict saved with torch.save(model.state_dict(), path)')
    try:
        state = torch_load(path)
    except Exception as e:
        raise UserError(f'cannot read the weights: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}', file=path,
                        hint='expected a state dict saved with torch.save(model.state_dict(), path)') from None
    for key in ('state_dict', 'model', 'model_state_dict'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise UserError(f'not a state dict (found {type(state).__name__})', file=path, hint='save it with torch.save(model.state_dict(), path)')
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith('AuxLogits.') and not k.startswith('aux')]
    unexpected = [k for k in unexpected if not k.startswith('AuxLogits.') and not k.startswith('aux')]
    if missing or unexpected:
        raise UserError(f'the weights do not fit {type(model).__name__}: {len(missing)} missing ({", ".join(missing[:3])}…), {len(unexpected)} unexpected ({", ".join(unexpected[:3])}…)',
                        file=path, hint='the .pth must come from the same architecture as "arch"')


def load_torchscript(path: str) -> nn.Module:
    if not os.path.isfile(path):
        raise UserError('TorchScript file not found', file=path)
    try:
        return torch.jit.load(path, map_location='cpu')
    except Exception as e:
        raise UserError(f'cannot load the TorchScript model: {str(e).splitlines()[0] if str(e) else type(e).__name__}', file=path,
                        hint='expected a file written by torch.jit.save (torch.jit.script or torch.jit.trace)') from None


def classifier_name(model: nn.Module) -> str:
    """The classifier a default cut replaces: the top-level module holding the last Linear (resnet
    'fc', mobilenet / efficientnet / vgg 'classifier'), as src/core/torchvision.ts decides: the
    whole block, so the old task's hidden layers stay out of the features."""
    linear = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linear:
        raise UserError(f'{type(model).__name__} has no Linear classifier to replace', hint='give "cut": the module whose output feeds the new head')
    return linear[-1].split('.')[0]


def _set_module(root: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, leaf = name.rpartition('.')
    setattr(root.get_submodule(parent) if parent else root, leaf, new)


class Features(nn.Module):
    """The base: NHWC float (as TF.js feeds it) → the features at the cut. Grey input is repeated
    to the three channels torchvision's stems expect; tuple outputs (GoogLeNet) keep the first."""

    def __init__(self, net: nn.Module, channels_in: int) -> None:
        super().__init__()
        self.net = net
        self.repeat = channels_in == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 3, 1, 2)
        if self.repeat:
            x = x.expand(-1, 3, -1, -1)
        out = self.net(x)
        if isinstance(out, dict):
            out = next(iter(out.values()))
        if isinstance(out, (tuple, list)):
            out = out[0]
        return out


class TorchvisionAdapted(nn.Module):
    def __init__(self, base: Features, head: nn.Sequential, head_names: List[str], input_shape: List[int]) -> None:
        super().__init__()
        self.base = base
        self.head = head
        self.head_names = head_names
        self.input_shape = input_shape
        self._frozen_bn: List[nn.Module] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.base(x))

    def _named(self) -> Dict[str, nn.Module]:
        out = {n: m for n, m in self.base.net.named_modules() if n}
        out.update({n: m for n, m in self.head.named_modules() if n})
        return out

    def leaf_layers(self) -> List[Tuple[str, str, nn.Module]]:
        out = [(n, type(m).__name__, m) for n, m in self.base.net.named_modules()
               if n and not list(m.children()) and not isinstance(m, nn.Identity)]
        out += [(n, getattr(m, 'class_name', type(m).__name__), m) for n, m in ((n, self.head.get_submodule(n)) for n in self.head_names)]
        return out

    def expand(self, names: Sequence[str]) -> set:
        """The modules `names` mean: each one and everything inside it."""
        named = self._named()
        unknown = [n for n in names if n not in named]
        if unknown:
            raise UserError(f'layers not in the model: {", ".join(unknown[:5])}', json_path='/model/frozen',
                            hint='use module names as `inspect` lists them (e.g. "layer1.0.conv1")')
        return {m for m in named for n in names if m == n or m.startswith(n + '.')}

    def set_frozen(self, names: Sequence[str], subtree: bool = True) -> None:
        """`names` (with everything inside them, unless subtree=False: then exactly the parameters
        those modules own) frozen, all else trainable; frozen BatchNorm in inference mode."""
        named = self._named()
        modules = self.expand(names) if subtree else set(names)
        for p in self.parameters():
            p.requires_grad_(True)
        for n in modules:
            for p in named[n].parameters(recurse=False):
                p.requires_grad_(False)
        self._frozen_bn = [named[n] for n in sorted(modules) if isinstance(named[n], nn.modules.batchnorm._BatchNorm)]
        self.train(self.training)

    def train(self, mode: bool = True) -> 'TorchvisionAdapted':
        super().train(mode)
        for bn in self._frozen_bn:
            bn.eval()  # Keras semantics: a frozen BatchNorm's statistics never move
        return self

    def split_at(self, _head_names: Sequence[str]) -> Tuple[nn.Module, nn.Module]:
        return self.base, self.head

    def regularization_loss(self) -> torch.Tensor:
        total = torch.zeros((), device=next(self.head.parameters()).device)
        for m in self.head.modules():
            if isinstance(m, Dense) and m.l2:
                total = total + m.l2 * (m.linear.weight.float() ** 2).sum()
        return total


def build_adapted(spec: Dict[str, Any], task: str, outputs: int, image: Dict[str, Any], seed: int) -> TorchvisionAdapted:
    """The plan's torchvision model: the pre-trained part cut, a fresh head (seeded: every rank and
    every run builds the same one), on the CPU (the caller moves it)."""
    if spec.get('torchscript'):
        if spec.get('cut'):
            raise UserError('"cut" is not supported for a TorchScript model: the whole file is the base', json_path='/model/cut',
                            hint='export the part up to the cut as the TorchScript file instead')
        net = load_torchscript(spec['torchscript'])
    else:
        net = build_arch(spec['arch'])
        if spec.get('weights'):
            load_weights(net, spec['weights'])
        if spec.get('cut'):
            net = _truncate(net, spec['cut'])
        else:
            _set_module(net, classifier_name(net), nn.Identity())
    base = Features(net, image['channels'])
    base.eval()
    with torch.no_grad():
        feat = base(torch.zeros(1, image['height'], image['width'], image['channels']))
    torch.manual_seed(seed)
    head, names = build_head(spec.get('head') or [], list(feat.shape[1:]), task, outputs)
    clash = [n for n in names if n in dict(net.named_modules())]
    if clash:
        raise UserError(f'head layer names clash with modules of the base: {", ".join(clash)}', json_path='/model/head', hint='rename those head layers')
    model = TorchvisionAdapted(base, head, names, [image['height'], image['width'], image['channels']])
    model.set_frozen(spec.get('frozen') or [])
    return model


def _truncate(net: nn.Module, cut: str) -> nn.Module:
    names = dict(net.named_modules())
    if cut not in names:
        raise UserError(f'cut {cut!r} is not a module of {type(net).__name__}', json_path='/model/cut', hint='use a module name as `inspect` lists it')
    from torchvision.models.feature_extraction import create_feature_extractor
    try:
        return create_feature_extractor(net, return_nodes={cut: 'features'})
    except Exception as e:
        raise UserError(f'cannot cut {type(net).__name__} at {cut!r}: {str(e).splitlines()[0]}', json_path='/model/cut',
                        hint='choose a top-level block (e.g. "layer3") or leave "cut" out to replace the classifier') from None


# --- inspect ---------------------------------------------------------------------------------

def _shape(t: Any) -> Any:
    if isinstance(t, torch.Tensor):
        return [None] + list(t.shape[1:])
    if isinstance(t, (tuple, list)) and t and all(isinstance(x, torch.Tensor) for x in t):
        return [_shape(x) for x in t]
    if isinstance(t, dict):
        return _shape(list(t.values()))
    return []


def _counts(m: nn.Module) -> Tuple[int, int]:
    trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in m.parameters() if not p.requires_grad)
    stats = sum(b.numel() for b in m.buffers() if b.is_floating_point())  # BatchNorm statistics, as Keras counts them
    return trainable, frozen + stats


def _layers(module: nn.Module, prefix: str, shapes: Dict[int, Any]) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    prev: Optional[str] = None
    for name, child in module.named_children():
        full = f'{prefix}{name}'
        trainable, non = _counts(child)
        entry: Dict[str, Any] = {'name': full, 'className': getattr(child, 'original_name', None) or type(child).__name__,
                                 'outputShape': shapes.get(id(child), []), 'trainableParams': trainable, 'nonTrainableParams': non,
                                 'trainable': all(p.requires_grad for p in child.parameters()), 'inbound': [prev] if prev else []}
        if list(child.children()):
            entry['layers'] = _layers(child, f'{full}.', shapes)
        out.append(entry)
        prev = full
    return out


def summary(ref: Dict[str, Any]) -> Dict[str, Any]:
    """The ModelSummary (src/core/modelSummary.ts) of a torchvision or TorchScript model, shapes
    from one traced forward pass on zeros (NCHW, as torch shapes are)."""
    import torchvision
    if ref.get('torchscript'):
        net, source = load_torchscript(ref['torchscript']), ref['torchscript']
    else:
        if not isinstance(ref.get('arch'), str):
            raise UserError('inspect: model.arch: expected a torchvision architecture name (e.g. "resnet18")')
        net = build_arch(ref['arch'])
        source = ref.get('weights') or f'torchvision:{ref["arch"]}'
        if ref.get('weights'):
            load_weights(net, ref['weights'])
    size = ref.get('inputSize') or [DEFAULT_INPUT.get(ref.get('arch') or '', 224)] * 2
    shapes: Dict[int, Any] = {}
    hooks = []
    if not isinstance(net, torch.jit.ScriptModule):
        for m in net.modules():
            hooks.append(m.register_forward_hook(lambda mod, _i, o: shapes.__setitem__(id(mod), _shape(o))))
    net.eval()
    try:
        with torch.no_grad():
            out = net(torch.zeros(1, 3, int(size[0]), int(size[1])))
    except Exception as e:
        raise UserError(f'the model does not run on a {size[0]}×{size[1]} input: {str(e).splitlines()[0]}', hint='give inputSize [height, width]') from None
    finally:
        for h in hooks:
            h.remove()
    trainable, non = _counts(net)
    out_shape = _shape(out)
    return {
        'name': ref.get('arch') or os.path.splitext(os.path.basename(source))[0],
        'className': getattr(net, 'original_name', None) or type(net).__name__,
        'format': 'torchvision', 'source': source,
        'inputShape': [None, 3, int(size[0]), int(size[1])],
        'outputShape': out_shape if out_shape and not isinstance(out_shape[0], list) else (out_shape[0] if out_shape else []),
        'layers': _layers(net, '', shapes),
        'totalParams': trainable + non, 'trainableParams': trainable, 'nonTrainableParams': non,
        'metadata': {'imageSize': int(size[0]), 'preprocess': 'imagenet', 'producer': f'torchvision {torchvision.__version__}'},
    }


# --- exports and predict ---------------------------------------------------------------------

def export(model: TorchvisionAdapted, staging: str, log: Any) -> List[str]:
    """staging/model.pt (the adapted model's state dict) and model.onnx (NHWC float input,
    probabilities out; skipped with a warning saying why when the export fails)."""
    os.makedirs(staging, exist_ok=True)
    model = model.cpu().eval()
    written = []
    tmp = os.path.join(staging, '.model.pt.tmp')
    torch.save(model.state_dict(), tmp)
    os.replace(tmp, os.path.join(staging, 'model.pt'))
    written.append('model.pt')
    h, w, c = model.input_shape
    try:
        tmp = os.path.join(staging, '.model.onnx.tmp')
        torch.onnx.export(model, torch.zeros(1, h, w, c), tmp, opset_version=13, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
        os.replace(tmp, os.path.join(staging, 'model.onnx'))
        written.append('model.onnx')
    except Exception as e:
        log(f'ONNX export skipped: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}', 'warn')
    return written


def predict(folder: str, files: List[str], top_k: Optional[int]) -> List[Dict[str, Any]]:
    """Top-k labels per file for a folder this worker saved (model.pt + metadata.json)."""
    from .data import UnreadableImage, decode_image
    from .train.augment import normalize
    meta_file = os.path.join(folder, 'metadata.json')
    if not os.path.isfile(meta_file):
        raise UserError('not a Transfer Studio PyTorch model folder: metadata.json is missing', file=folder)
    with open(meta_file, encoding='utf-8') as f:
        meta = json.load(f).get('transferStudio', {})
    tv, image, labels, task = meta.get('torchvision'), meta.get('image'), meta.get('labels') or [], meta.get('task', 'single-label')
    if not tv or not image:
        raise UserError('metadata.json has no torchvision model description (transferStudio.torchvision)', file=meta_file,
                        hint='predict with the PyTorch engine works on folders it saved from a torchvision model')
    model = build_adapted(tv, task, len(labels), image, 0)
    weights = os.path.join(folder, 'model.pt')
    state = torch_load(weights if os.path.isfile(weights) else os.path.join(folder, 'state.pt'))
    model.load_state_dict(state['model'] if 'model' in state and isinstance(state['model'], dict) else state)
    model.eval()
    out = []
    for file in files:
        try:
            px = decode_image(file, image['height'], image['width'], image['channels'], image.get('fit', 'cover'))
        except UnreadableImage as e:
            raise UserError(f'cannot read the image: {e.reason}', file=file) from None
        with torch.no_grad():
            values = model(normalize(torch.from_numpy(px)[None], image['preprocess']))[0].float().tolist()
        order = sorted(range(len(values)), key=lambda i: -values[i])
        k = len(values) if top_k is None else min(top_k, len(values))
        top = [{'label': labels[i] if i < len(labels) else str(i), 'score': values[i]} for i in (order[:k] if task != 'regression' else range(len(values)))]
        out.append({'file': file, 'top': top, 'values': values})
    return out
