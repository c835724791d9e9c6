"""The training plan the TypeScript side builds (python/README.md documents it): checked on
receipt, defaults filled in, every problem named by its JSON path. After this, the rest of the
worker trusts the plan."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..protocol import UserError

TASKS = ('single-label', 'multi-label', 'regression')
PREPROCESS = ('0,1', '-1,1', 'imagenet', 'none')
OPTIMIZERS = ('adam', 'sgd', 'rmsprop')
PHASES = ('head', 'fineTune')


class _Checker:
    def __init__(self) -> None:
        self.problems: List[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f'{path}: {message}')

    def get(self, obj: Any, key: str, path: str, kind: Any, required: bool = True, default: Any = None,
            choices: Optional[tuple] = None, minimum: Optional[float] = None, nullable: bool = False) -> Any:
        here = f'{path}/{key}'
        if not isinstance(obj, dict):
            return default
        if key not in obj or (obj[key] is None and nullable):
            if key not in obj and required:
                self.fail(here, 'missing')
            return default
        v = obj[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(v, kinds) and not (isinstance(v, bool) and bool not in kinds)
        if ok and choices is not None and v not in choices:
            self.fail(here, f'expected one of {", ".join(map(repr, choices))}, got {v!r}')
            return default
        if ok and minimum is not None and v < minimum:
            self.fail(here, f'expected ≥ {minimum}, got {v!r}')
            return default
        if not ok:
            self.fail(here, f'expected {"/".join(k.__name__ for k in kinds)}, got {type(v).__name__} {str(v)[:40]}')
            return default
        return v


NUM = (int, float)


def _examples(c: _Checker, data: Dict[str, Any], split: str, outputs: int) -> List[Dict[str, Any]]:
    entries = c.get(data, split, '/data', list, required=split == 'train', default=[])
    out = []
    for i, e in enumerate(entries or []):
        here = f'/data/{split}/{i}'
        f = c.get(e, 'file', here, str)
        y = c.get(e, 'y', here, list)
        if y is not None and (len(y) != outputs or not all(isinstance(v, NUM) and not isinstance(v, bool) for v in y)):
            c.fail(f'{here}/y', f'expected {outputs} numbers (one per label), got {str(y)[:40]}')
        if f is not None and y is not None:
            out.append({'file': f, 'y': [float(v) for v in y]})
        if len(c.problems) > 20:
            break
    return out


def _model(c: _Checker, m: Any) -> Dict[str, Any]:
    kind = c.get(m, 'kind', '/model', str, choices=('tfjs', 'torchvision'))
    if kind == 'tfjs':
        return {'kind': 'tfjs', 'modelJson': c.get(m, 'modelJson', '/model', str), 'headLayers': c.get(m, 'headLayers', '/model', list, default=[]),
                'frozen': c.get(m, 'frozen', '/model', list, required=False, default=[]),
                'featureShape': c.get(m, 'featureShape', '/model', list, required=False, default=None, nullable=True),
                'standardize': c.get(m, 'standardize', '/model', str, required=False, default=None, nullable=True)}
    if kind == 'torchvision':
        head = c.get(m, 'head', '/model', list, default=[])
        for i, h in enumerate(head or []):
            c.get(h, 'type', f'/model/head/{i}', str)
        return {'kind': 'torchvision', 'arch': c.get(m, 'arch', '/model', str),
                'weights': c.get(m, 'weights', '/model', str, required=False, nullable=True),
                'torchscript': c.get(m, 'torchscript', '/model', str, required=False, nullable=True),
                'cut': c.get(m, 'cut', '/model', str, required=False, nullable=True),
                'head': head, 'frozen': c.get(m, 'frozen', '/model', list, required=False, default=[])}
    return {'kind': kind}


def _schedule(c: _Checker, s: Any) -> Dict[str, Any]:
    p = '/training/schedule'
    kind = c.get(s, 'type', p, str, choices=('constant', 'cosine', 'step', 'plateau'), default='constant')
    out: Dict[str, Any] = {'type': kind}
    if kind == 'cosine':
        out['minLearningRate'] = c.get(s, 'minLearningRate', p, NUM, required=False, default=0.0, minimum=0)
        out['warmupEpochs'] = c.get(s, 'warmupEpochs', p, int, required=False, default=0, minimum=0)
    elif kind == 'step':
        out['everyEpochs'] = c.get(s, 'everyEpochs', p, int, minimum=1, default=1)
        out['factor'] = c.get(s, 'factor', p, NUM, default=1.0)
    elif kind == 'plateau':
        out['factor'] = c.get(s, 'factor', p, NUM, default=0.1)
        out['patience'] = c.get(s, 'patience', p, int, minimum=0, default=0)
        out['minLearningRate'] = c.get(s, 'minLearningRate', p, NUM, required=False, default=0.0, minimum=0)
    return out


def _phases(c: _Checker, t: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for i, ph in enumerate(c.get(t, 'phases', '/training', list, default=[]) or []):
        p = f'/training/phases/{i}'
        name = c.get(ph, 'phase', p, str, choices=PHASES)
        spec = {'phase': name, 'epochs': c.get(ph, 'epochs', p, int, minimum=0, default=0),
                'learningRate': c.get(ph, 'learningRate', p, NUM, default=1e-3),
                'startEpoch': c.get(ph, 'startEpoch', p, int, required=False, default=0, minimum=0),
                'cache': c.get(ph, 'cache', p, bool, required=False, default=False),
                'unfreeze': c.get(ph, 'unfreeze', p, list, required=False, default=[])}
        if isinstance(spec['learningRate'], NUM) and spec['learningRate'] <= 0:
            c.fail(f'{p}/learningRate', 'expected a positive number')
        out.append(spec)
    if not out:
        c.fail('/training/phases', 'expected at least one phase')
    return out


def _training(c: _Checker, t: Any, outputs: int) -> Dict[str, Any]:
    p = '/training'
    es = c.get(t, 'earlyStopping', p, dict, required=False, nullable=True)
    early = None
    if es is not None:
        q = f'{p}/earlyStopping'
        early = {'monitor': c.get(es, 'monitor', q, str, required=False, default='val_loss'),
                 'mode': c.get(es, 'mode', q, str, required=False, default='min', choices=('min', 'max')),
                 'patience': c.get(es, 'patience', q, int, required=False, default=3, minimum=1),
                 'minDelta': c.get(es, 'minDelta', q, NUM, required=False, default=0.0, minimum=0),
                 'restoreBest': c.get(es, 'restoreBest', q, bool, required=False, default=True)}
    weights = c.get(t, 'classWeights', p, list, required=False, nullable=True)
    if weights is not None and len(weights) != outputs:
        c.fail(f'{p}/classWeights', f'expected {outputs} weights (one per label), got {len(weights)}')
    mult = c.get(t, 'learningRateMultipliers', p, dict, required=False, nullable=True)
    return {
        'batchSize': c.get(t, 'batchSize', p, int, minimum=1, default=32),
        'optimizer': c.get(t, 'optimizer', p, str, required=False, default='adam', choices=OPTIMIZERS),
        'momentum': c.get(t, 'momentum', p, NUM, required=False, default=0.0, minimum=0, nullable=True) or 0.0,
        'weightDecay': c.get(t, 'weightDecay', p, NUM, required=False, default=0.0, minimum=0, nullable=True) or 0.0,
        'seed': c.get(t, 'seed', p, int, required=False, default=42),
        'schedule': _schedule(c, c.get(t, 'schedule', p, dict, required=False, default={'type': 'constant'}, nullable=True)),
        'earlyStopping': early,
        'classWeights': [float(w) for w in weights] if weights else None,
        'learningRateMultipliers': {str(k): float(v) for k, v in mult.items()} if mult else None,
        'phases': _phases(c, t),
    }


def _engine(c: _Checker, e: Any) -> Dict[str, Any]:
    p = '/engine'
    return {
        'device': c.get(e, 'device', p, str, required=False, default='auto', choices=('auto', 'cuda', 'mps', 'cpu')),
        'amp': c.get(e, 'amp', p, str, required=False, default='auto', choices=('auto', 'off', 'bf16', 'fp16')),
        'compile': c.get(e, 'compile', p, str, required=False, default='auto', choices=('auto', 'on', 'off')),
        'workers': c.get(e, 'workers', p, int, required=False, default=None, minimum=0, nullable=True),
        'nproc': c.get(e, 'nproc', p, int, required=False, default=1, minimum=1),
    }


def validate_plan(raw: Any) -> Dict[str, Any]:
    """The plan with defaults filled in, or a UserError listing every problem by JSON path."""
    c = _Checker()
    if not isinstance(raw, dict):
        raise UserError('the training plan is not a JSON object', hint='the extension built an invalid plan: report this as a bug')
    labels = c.get(raw, 'labels', '', list, default=[])
    outputs = len(labels or [])
    if not outputs:
        c.fail('/labels', 'expected at least one label')
    data = c.get(raw, 'data', '', dict, default={})
    image = c.get(data, 'image', '/data', dict, default={})
    aug = c.get(data, 'augment', '/data', dict, required=False, nullable=True)
    plan = {
        'name': c.get(raw, 'name', '', str, required=False, default='model'),
        'recipe': c.get(raw, 'recipe', '', str, required=False, default=''),
        'runDir': c.get(raw, 'runDir', '', str),
        'staging': c.get(raw, 'staging', '', str),
        'model': _model(c, c.get(raw, 'model', '', dict, default={})),
        'task': c.get(raw, 'task', '', str, choices=TASKS, default='single-label'),
        'labels': [str(x) for x in labels or []],
        'data': {
            'image': {'height': c.get(image, 'height', '/data/image', int, minimum=1, default=1),
                      'width': c.get(image, 'width', '/data/image', int, minimum=1, default=1),
                      'channels': c.get(image, 'channels', '/data/image', int, choices=(1, 3), default=3),
                      'preprocess': c.get(image, 'preprocess', '/data/image', str, choices=PREPROCESS, default='0,1'),
                      'fit': c.get(image, 'fit', '/data/image', str, required=False, choices=('cover', 'fill'), default='cover')},
            'augment': {k: aug[k] for k in ('flip', 'rotate', 'zoom', 'brightness') if aug.get(k)} if aug else None,
            'train': _examples(c, data, 'train', outputs),
            'validation': _examples(c, data, 'validation', outputs),
            'test': _examples(c, data, 'test', outputs),
            'evalSplit': c.get(data, 'evalSplit', '/data', str, required=False, choices=('test', 'validation', 'train'), default=None),
            'maxSkipped': c.get(data, 'maxSkipped', '/data', NUM, required=False, default=0.1, minimum=0),
        },
        'training': _training(c, c.get(raw, 'training', '', dict, default={}), outputs),
        'engine': _engine(c, c.get(raw, 'engine', '', dict, required=False, default={})),
        'resume': c.get(raw, 'resume', '', str, required=False, nullable=True),
        'metadata': c.get(raw, 'metadata', '', dict, required=False, default={}, nullable=True) or {},
    }
    if aug:
        for k in set(aug) - {'flip', 'rotate', 'zoom', 'brightness'}:
            c.fail(f'/data/augment/{k}', 'unknown augmentation')
    if c.problems:
        more = f' (and {len(c.problems) - 8} more)' if len(c.problems) > 8 else ''
        raise UserError('invalid training plan: ' + '; '.join(c.problems[:8]) + more, json_path=c.problems[0].split(':')[0],
                        hint='the plan comes from the extension: this is a bug there, or the extension and the Python worker are different versions')
    d = plan['data']
    if d['evalSplit'] is None:
        d['evalSplit'] = 'test' if d['test'] else 'validation' if d['validation'] else 'train'
    return plan
