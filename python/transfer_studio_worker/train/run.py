"""One training run, end to end: the plan checked, the device chosen, the model and the data
opened, each phase trained (the head on cached features when it can be, fine-tuning on images),
the evaluation split's raw outputs sent, the exports written to the staging folder, `done`.
Every rank runs this; only rank 0 talks (its emit is the channel, the others' a no-op) and
writes files.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, Optional

import torch

from ..data import Pixels, check_skipped, default_workers, global_batches, memory_budget_bytes, scan
from ..ddp import Dist, solo
from ..env import choose_device
from ..protocol import UserError
from . import checkpoint
from .accel import Accel
from .augment import is_augmenting
from .features import FeatureStore, extract
from .standardize import find_layer, fit_standardizer
from .loop import Phase, train_phase
from .model import Adapted
from .plan import validate_plan
from .progress import Progress
from .sources import FeatureSource, ImageSource, score

Emit = Callable[[Dict[str, Any]], None]


class Run:
    """What every part of a run shares (the loop reads plan, adapted, accel, dist, progress)."""

    def __init__(self, plan: Dict[str, Any], emit: Emit, should_stop: Callable[[], bool], dist: Dist) -> None:
        self.plan = plan
        self.emit = emit
        self.should_stop = should_stop
        self.dist = dist
        self.features: Optional[FeatureStore] = None

    def log(self, message: str, level: str = 'info') -> None:
        self.emit({'type': 'log', 'level': level, 'message': message})

    def cached(self, ph: Phase) -> bool:
        return isinstance(ph.source, FeatureSource)

    def save(self, kind: str, state: Dict[str, Any], phase: str, epoch: int, value: Optional[float]) -> str:
        """runDir/checkpoint or runDir/best (rank 0 only), and its event."""
        folder = checkpoint.write(os.path.join(self.plan['runDir'], kind), self.adapted, state, {'phase': phase, 'epoch': epoch})
        event: Dict[str, Any] = {'type': 'checkpoint', 'path': folder, 'epoch': epoch, 'phase': phase, 'best': kind == 'best'}
        if value is not None or kind == 'best':
            event['monitor'] = self.monitor_name
            event['value'] = value
        self.emit(event)
        return folder

    @property
    def monitor_name(self) -> str:
        es = self.plan['training']['earlyStopping']
        return es['monitor'] if es else ('val_loss' if len(self.splits['validation']) else 'loss')


def run_training(raw_plan: Any, emit: Emit, should_stop: Callable[[], bool], dist: Optional[Dist] = None, api: Any = None) -> Dict[str, Any]:
    """Trains as the plan says. Returns the `done` event it sent. UserError for what the user can fix."""
    started = time.perf_counter()
    plan = validate_plan(raw_plan)
    dist = dist or Dist()
    device, reason = choose_device(plan['engine']['device'], dist.local_rank)
    dist.init(device)
    run = Run(plan, emit, should_stop, dist)
    run.accel = accel = Accel(plan['engine'], device, run.log)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True  # fastest kernels; bitwise repeatability is a CPU promise
    elif device.type == 'cpu':
        _use_all_cores(dist, run.log)
    procs = f'; {dist.world} processes ({dist.backend})' if dist.enabled else ''
    run.log(f'{reason}{procs}; {accel.describe()}')
    if plan['engine']['nproc'] > 1 and not dist.enabled:
        run.log(f'engine.nproc is {plan["engine"]["nproc"]} but this worker was not started by torchrun: training in one process', 'warn')
    t = plan['training']
    torch.manual_seed(t['seed'])
    run.adapted = adapted = Adapted(plan, device, api)
    run.splits = splits = scan(plan['data'], run.log)
    if not len(splits['train']):
        raise UserError('no training examples left after skipping unreadable files', file=plan['data']['train'][0]['file'] if plan['data']['train'] else None)
    pixels = _pixels(run, device)
    resume = checkpoint.read(plan['resume']) if plan['resume'] else None
    run.standardized = resume is not None  # a checkpoint carries the standardiser's statistics
    if resume is not None:
        adapted.model.load_state_dict(resume['model'])
        run.log(f'resuming from {plan["resume"]}: {resume["phase"]}, after epoch {resume["epoch"]}' + (f', batch {resume["batch"]}' if resume['batch'] else ''))
    run.progress = Progress(_planned_batches(plan, splits))

    stopped = False
    last = ('head', 0)
    for i, spec in enumerate(t['phases']):
        if resume is not None and i < resume['phaseIndex']:
            continue
        ph = _phase(run, i, spec, pixels)
        mine = resume if resume is not None and i == resume['phaseIndex'] else None
        if ph is None:  # stopped while extracting features
            stopped = True
            if dist.main:
                st = _boundary_state(run, i, spec, mine)
                last = (spec['phase'], st['epoch'])
                run.save('checkpoint', st, spec['phase'], st['epoch'], None)
            break
        result = train_phase(run, ph, mine)
        last = (spec['phase'], result.last_epoch)
        if result.stopped:
            stopped = True
            break
    if stopped:
        folder = os.path.join(plan['runDir'], 'checkpoint')
        run.log(f'stopped: checkpoint kept in {folder} ({last[0]}, epoch {last[1]}); resume from it to continue')
        done = {'type': 'done', 'output': folder, 'stopped': True, 'durationMs': (time.perf_counter() - started) * 1000}
        emit(done)
        dist.barrier()
        return done

    if dist.main:
        _outputs(run, pixels)
        written = adapted.export(plan['staging'], run.log)
        run.log(f'saved {", ".join(written)} to {plan["staging"]}')
    dist.barrier()
    done = {'type': 'done', 'output': plan['staging'], 'stopped': False, 'durationMs': (time.perf_counter() - started) * 1000}
    emit(done)
    return done


def _pixels(run: Run, device: torch.device) -> Pixels:
    plan, splits = run.plan, run.splits
    files = [f for name in ('train', 'validation', 'test') for f in splits[name].files]
    bounds = [(s.offset, s.offset + len(s), s) for s in splits.values()]
    failures: Dict[str, int] = {}

    def on_skip(i: int, reason: str) -> None:
        split = next(s for lo, hi, s in bounds if lo <= i < hi)
        failures[split.name] = failures.get(split.name, 0) + 1
        run.log(f'skipped {files[i]}: {reason}', 'warn')
        original = [e['file'] for e in plan['data'][split.name]]
        check_skipped(split.name, failures[split.name] + len(original) - len(split), len(original), original, plan['data']['maxSkipped'])

    workers = plan['engine']['workers']
    if workers is None:
        workers = default_workers(run.dist.local_world)
    budget = memory_budget_bytes() // max(1, run.dist.local_world)  # each process keeps its own copy
    return Pixels(files, plan['data']['image'], workers, device.type == 'cuda', on_skip, budget)


def _planned_batches(plan: Dict[str, Any], splits: Dict[str, Any]) -> int:
    bs = plan['training']['batchSize']
    per_epoch = -(-len(splits['train']) // bs)
    total = sum(p['epochs'] for p in plan['training']['phases']) * per_epoch
    if any(p['phase'] == 'head' and p['cache'] for p in plan['training']['phases']):
        total += -(-sum(len(s) for s in splits.values()) // bs)
    return total


def _phase(run: Run, index: int, spec: Dict[str, Any], pixels: Pixels) -> Optional[Phase]:
    """How phase `index` trains: its forward, its batches and its validation. None: stopped."""
    plan, adapted, accel = run.plan, run.adapted, run.accel
    image, aug = plan['data']['image'], plan['data']['augment']
    augmenting = is_augmenting(aug)
    splits = run.splits
    if spec['phase'] == 'fineTune':
        chosen = adapted.unfreeze(spec['unfreeze'], run.log)
        named = ', '.join(chosen) if len(chosen) <= 3 else f'{chosen[0]} … {chosen[-1]}'
        run.log(f'fine-tuning: unfroze {len(chosen)} layer{"s" if len(chosen) != 1 else ""} ({named or "none"}); learning rate {spec["learningRate"]:.3g}')
    frozen_base = adapted.base_frozen()
    if spec['phase'] == 'head' and spec['cache']:
        why = None if frozen_base and not augmenting else ('some base layers are trainable' if not frozen_base else 'augmentation needs the raw pixels every epoch')
        if why is None:
            if run.features is None:
                run.features = _extract(run, pixels)
                if run.features is None:
                    return None
            head = adapted.head
            train_src = FeatureSource(run.features, splits['train'], accel.device)
            _standardize(run, head, train_src)
            val = FeatureSource(run.features, splits['validation'], accel.device)
            validate = (lambda: _score(run, head, val)) if len(splits['validation']) else None
            return Phase(index, spec, head, None, train_src, validate, True, False)
        run.log(f'feature cache not used: {why}', 'info')
    train = ImageSource(pixels, splits['train'], accel.device, image['preprocess'], aug)
    val = ImageSource(pixels, splits['validation'], accel.device, image['preprocess'], None)
    model = adapted.model
    if spec['phase'] == 'head':
        _standardize(run, model, ImageSource(pixels, splits['train'], accel.device, image['preprocess'], None))
    validate = (lambda: _score(run, model, val)) if len(splits['validation']) else None
    if frozen_base:
        if spec['phase'] == 'head':
            run.log('the base is frozen: every batch runs it in inference mode, outside autograd, then trains the head')
        return Phase(index, spec, adapted.head, adapted.base, train, validate, True, augmenting)
    return Phase(index, spec, model, None, train, validate, False, augmenting)


def _use_all_cores(dist: Dist, log: Callable[..., None]) -> None:
    """On the CPU every core this process may use computes (torch counts physical cores, and some
    builds start with one thread); under torchrun the cores are shared between the ranks."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    want = max(1, cores // max(1, dist.world))
    if os.environ.get('OMP_NUM_THREADS') is None and torch.get_num_threads() < want:
        torch.set_num_threads(want)
        log(f'CPU: {want} threads', 'debug')


def _standardize(run: Run, forward: Any, source: Any) -> None:
    """The feature standardiser's statistics from the training split (once per run)."""
    if getattr(run, 'standardized', False):
        return
    run.standardized = True
    module = find_layer(run.adapted, run.plan['model'].get('standardize'))
    if module is None:
        return
    was = run.adapted.model.training
    run.adapted.model.eval()
    try:
        split = run.splits['train']
        order = global_batches(list(range(len(split))), run.plan['training']['batchSize'])
        n = fit_standardizer(module, forward, (b.x for b in source.batches(order, solo())))
    finally:
        run.adapted.model.train(was)
    run.log(f'features standardised: mean and std of the {n} training images, folded into the saved model as "{run.plan["model"]["standardize"]}"')


def _score(run: Run, forward: Any, source: Any) -> Any:
    """Validation: the whole model in inference mode (the loop puts it back in training mode)."""
    run.adapted.model.eval()
    return score(forward, source, run.plan['training']['batchSize'], run.plan['task'], run.accel, run.dist)[0]


def _extract(run: Run, pixels: Pixels) -> Optional[FeatureStore]:
    plan, dist = run.plan, run.dist
    count = sum(len(s) for s in run.splits.values())
    bs = plan['training']['batchSize']
    t0 = time.perf_counter()

    def on_batch(done: int, total: int, sec: float, n: int) -> None:
        run.progress.batch_done(sec, n)
        run.emit({'type': 'progress', 'phase': 'extract', 'done': done, 'total': total, 'message': f'features {done}/{total}'})

    store = extract(run.adapted.base, pixels, count, plan['data']['image']['preprocess'], bs, run.accel, dist, run.should_stop, on_batch)
    if store is not None:
        f = store.features
        mb = f.numel() * f.element_size() / 2 ** 20
        shared = f' ({dist.world} ranks, each its share, then summed)' if dist.enabled else ''
        run.log(f'features: {count} examples × {list(f.shape[1:])} on {f.device} ({mb:.1f} MiB) in {time.perf_counter() - t0:.1f} s{shared}')
    return store


def _boundary_state(run: Run, index: int, spec: Dict[str, Any], resume: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """A checkpoint at the start of phase `index` (a stop before its first batch)."""
    epoch = resume['epoch'] if resume is not None else spec['startEpoch']
    base = dict(resume) if resume is not None else {'optimizer': None, 'scaler': None, 'monitor': None, 'plateau': None, 'history': [], 'phaseDone': False}
    base.update({'version': 1, 'phaseIndex': index, 'phase': spec['phase'], 'epoch': epoch, 'batch': 0, 'partial': None,
                 'model': run.adapted.model.state_dict(), 'rng': checkpoint.rng_state()})
    return base


def _outputs(run: Run, pixels: Pixels) -> None:
    """The evaluation split's raw outputs (probabilities / values per file), for core's report."""
    plan, adapted, accel = run.plan, run.adapted, run.accel
    name = plan['data']['evalSplit']
    split = run.splits[name]
    if not len(split):
        name = next((n for n in ('test', 'validation', 'train') if len(run.splits[n])), 'train')
        split = run.splits[name]
    phases = plan['training']['phases']
    head_only = run.features is not None and all(p['phase'] == 'head' for p in phases)
    if head_only:
        source: Any = FeatureSource(run.features, split, accel.device)
        forward = adapted.head
    else:
        source = ImageSource(pixels, split, accel.device, plan['data']['image']['preprocess'], None)
        forward = adapted.model
    adapted.model.eval()
    scores, files, values = score(forward, source, plan['training']['batchSize'], plan['task'], accel, solo(), keep_outputs=True)
    run.emit({'type': 'outputs', 'split': name, 'files': files, 'values': values})
    if scores:
        from .losses import metric_name
        run.log(f'evaluation ({name}, {len(files)} examples): loss {scores[0]:.4f}, {metric_name(plan["task"])} {scores[1]:.4f}')

