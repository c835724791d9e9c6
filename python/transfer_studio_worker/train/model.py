"""The model of a plan, whichever kind: a TF.js layers model rebuilt by transfer_studio_worker.tfjs
(the other half of this package) or a torchvision model with a new head. Both expose the same
small API (leaf_layers, set_frozen, split_at, regularization_loss, input_shape); this file adds
what training needs on top: which layers are the head, exact freezing, frozen BatchNorm kept in
inference mode, the files of a checkpoint and the final exports.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

import torch
import torch.nn as nn

from ..protocol import UserError

Log = Callable[[str, str], None]


def is_batchnorm(class_name: str, module: nn.Module) -> bool:
    return class_name == 'BatchNormalization' or isinstance(module, nn.modules.batchnorm._BatchNorm)


def tfjs_api() -> Any:
    """The other half of the package (rebuilds model.json as torch): imported only when needed."""
    try:
        from .. import tfjs
    except ImportError as e:
        raise UserError(f'this Python worker cannot load TF.js models: {e}', hint='update the Transfer Studio extension (its python/ folder is incomplete)') from None
    return tfjs


class Adapted:
    def __init__(self, plan: Dict[str, Any], device: torch.device, api: Any = None) -> None:
        spec = plan['model']
        self.kind = spec['kind']
        self.plan = plan
        self.device = device
        if self.kind == 'tfjs':
            self.api = api or tfjs_api()
            try:
                self.model = self.api.load_layers_model(spec['modelJson'], device=str(device))
                self.base, self.head = self.model.split_at(spec['headLayers'])
            except getattr(self.api, 'ModelError', ()) as e:  # type: ignore[misc]
                raise UserError(str(e), file=spec['modelJson'], hint=getattr(e, 'hint', None)) from None
        else:
            from ..torchvision_models import build_adapted
            self.api = None
            image = plan['data']['image']
            self.model = build_adapted(spec, plan['task'], len(plan['labels']), image, plan['training']['seed'])
            self.base, self.head = self.model.split_at([])
        self.model.to(device)
        self.leaves = list(self.model.leaf_layers())
        head_ids = {id(m) for m in self.head.modules()}
        self.head_names: Set[str] = {n for n, _c, m in self.leaves if id(m) in head_ids}
        owned = {id(p) for _n, _c, m in self.leaves for p in m.parameters()}
        self.extra_params = [p for p in self.model.parameters() if id(p) not in owned]
        self.frozen: Set[str] = set()
        self.set_frozen(spec.get('frozen') or [])

    # --- freezing ---------------------------------------------------------------------------

    def set_frozen(self, names: Sequence[str]) -> None:
        """Exactly `names` frozen (requires_grad False), every other layer trainable. torchvision
        names may be blocks ("layer1"): they stand for every module inside them."""
        self._apply(self.model.expand(names) if self.kind == 'torchvision' else set(names))

    def _apply(self, frozen: Set[str]) -> None:
        if self.kind == 'torchvision':
            self.model.set_frozen(sorted(frozen), subtree=False)
        else:
            self.model.set_frozen(sorted(frozen))
            for name, _cls, module in self.leaves:  # exact, whatever set_frozen does with the rest
                for p in module.parameters():
                    p.requires_grad_(name not in frozen)
        self.frozen = set(frozen)

    def frozen_batchnorm(self) -> List[nn.Module]:
        return [m for n, c, m in self.leaves if is_batchnorm(c, m) and (n in self.frozen or not any(p.requires_grad for p in m.parameters()))]

    def base_frozen(self) -> bool:
        head = {id(p) for p in self.head.parameters()}
        return not any(p.requires_grad for p in self.model.parameters() if id(p) not in head)

    def train_mode(self, base_inference: bool) -> None:
        """Training mode, except frozen BatchNorm (Keras semantics: its statistics never move) and,
        when the base is frozen and runs outside autograd, the whole base (as the cache computed it)."""
        self.model.train(True)
        if base_inference:
            self.base.eval()
        for m in self.frozen_batchnorm():
            m.eval()

    def unfreeze(self, names: Sequence[str], log: Log) -> List[str]:
        """Fine-tuning: unfreeze `names`; BatchNorm layers among them stay frozen, in inference mode."""
        classes = {n: (c, m) for n, c, m in self.leaves}
        if self.kind == 'torchvision':
            chosen = self.model.expand(names)
        else:
            unknown = [n for n in names if n not in classes]
            if unknown:
                raise UserError(f'layers to unfreeze are not in the model: {", ".join(unknown[:5])}', json_path='/training/phases/1/unfreeze')
            chosen = set(names)
        kept = sorted(n for n in chosen if n in classes and is_batchnorm(*classes[n]))
        if kept:
            log(f'fine-tuning: {len(kept)} BatchNormalization layers stay frozen, in inference mode ({", ".join(kept[:3])}{"…" if len(kept) > 3 else ""})', 'info')
        chosen -= set(kept)
        self._apply(self.frozen - chosen)
        return sorted(n for n in chosen if n in classes)

    def regularization(self) -> torch.Tensor:
        r = self.model.regularization_loss()
        return r if isinstance(r, torch.Tensor) else torch.tensor(float(r), device=self.device)

    # --- files ------------------------------------------------------------------------------

    def metadata(self, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """metadata.json: the plan's metadata (the TF.js engine reads it to resume or evaluate),
        plus what predict needs to rebuild a torchvision model."""
        plan = self.plan
        image = plan['data']['image']
        ts = dict(plan.get('metadata') or {})
        ts.setdefault('labels', plan['labels'])
        ts.setdefault('task', plan['task'])
        ts.setdefault('inputSize', [image['height'], image['width']])
        ts.setdefault('channels', image['channels'])
        ts.setdefault('preprocess', image['preprocess'])
        ts['engine'] = 'pytorch'
        ts['image'] = image
        if self.kind == 'torchvision':
            m = plan['model']
            ts['torchvision'] = {k: m.get(k) for k in ('arch', 'cut', 'head', 'torchscript')}
        if extra is not None:
            ts['extra'] = extra
        return {'transferStudio': ts}

    def write_model_files(self, folder: str) -> None:
        """The engine-neutral model files of a checkpoint: model.json + weights.bin (TF.js kind)."""
        if self.kind == 'tfjs':
            self.api.save_layers_model(self.model, self.plan['model']['modelJson'], folder)

    def export(self, staging: str, log: Log) -> List[str]:
        os.makedirs(staging, exist_ok=True)
        was = self.model.training
        self.model.eval()
        try:
            if self.kind == 'torchvision':
                from ..torchvision_models import export
                written = export(self.model, staging, log)
                self.model.to(self.device)
            else:
                written = self._export_tfjs(staging, log)
        finally:
            self.model.train(was)
        with open(os.path.join(staging, 'metadata.json'), 'w', encoding='utf-8') as f:
            json.dump(self.metadata(), f, indent=2)
        return written + ['metadata.json']

    def _export_tfjs(self, staging: str, log: Log) -> List[str]:
        api = self.api
        api.save_layers_model(self.model, self.plan['model']['modelJson'], staging)
        api.export_state_dict(self.model, os.path.join(staging, 'model.pt'))
        written = ['model.json', 'weights.bin', 'model.pt']
        try:
            api.export_onnx(self.model, os.path.join(staging, 'model.onnx'), opset=13)
            written.append('model.onnx')
        except Exception as e:
            log(f'ONNX export skipped: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}', 'warn')
        return written
