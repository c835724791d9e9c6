"""One phase's training loop: per-epoch learning rate, seeded order and Dropout, one optimizer step
per global batch, validation, the best/last checkpoints, early stopping with the best weights
restored, divergence detection, and a graceful stop after the current batch.

A step: forward (the frozen base, when there is one outside autograd, under no_grad), the loss as
Σ(weighted per-example losses) / (GLOBAL batch size) + regularisation / world, backward, the
gradients summed over the ranks (so every rank holds the single-process mean over the global
batch), the optimizer step. Losses, metrics and the stop flag travel in one small all-reduce.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import torch

from ..data import DROPOUT_SALT, PHASE_SALT, epoch_order, epoch_seed, global_batches
from ..protocol import UserError, finite_or_none
from . import checkpoint
from .accel import MaybeCompiled
from .early import Monitor
from .losses import metric_name, metric_sum, weighted_loss_sum
from .optim import Plateau, make_optimizer, param_groups, scheduled_rate, set_rate
from .progress import Throttle


class Phase(NamedTuple):
    index: int                      # position in plan.training.phases
    spec: Dict[str, Any]
    forward: torch.nn.Module        # what the optimizer trains through (the head, or the model)
    prepare: Optional[Callable[[torch.Tensor], torch.Tensor]]  # the frozen base, outside autograd
    source: Any                     # FeatureSource | ImageSource
    validate: Optional[Callable[[], Optional[tuple]]]
    base_inference: bool            # the base stays in inference mode (frozen, or cached)
    augmenting: bool


class PhaseResult(NamedTuple):
    stopped: bool
    epochs_run: int
    last_epoch: int  # epochs of the phase completed (1-based count)


def dropout_seed(seed: int, phase: str, epoch: int, rank: int) -> int:
    """Dropout masks restart every epoch from (seed, phase, epoch): runs and resumes repeat. Each
    rank has its own stream (rank 0's is the single-process one)."""
    return epoch_seed(seed ^ (rank * 0x27D4EB2F), epoch, DROPOUT_SALT + PHASE_SALT.get(phase, 0))


def train_phase(run: Any, ph: Phase, resume: Optional[Dict[str, Any]]) -> PhaseResult:
    plan, adapted, dist, accel = run.plan, run.adapted, run.dist, run.accel
    t = plan['training']
    spec = ph.spec
    phase, epochs, base_rate = spec['phase'], spec['epochs'], spec['learningRate']
    task = plan['task']
    mname = metric_name(task)
    split = ph.source.split
    bs = t['batchSize']
    groups = param_groups(adapted.leaves, adapted.head_names, adapted.extra_params, t['learningRateMultipliers'])
    params = [p for _m, ps in groups for p in ps]
    if not params:
        raise UserError(f'nothing to train in the {phase} phase: every layer is frozen and the head has no weights',
                        hint='unfreeze some layers, or check learningRateMultipliers (0 excludes a layer)')
    opt = make_optimizer(t, groups, base_rate)
    monitor = Monitor(t['earlyStopping'], len(run.splits['validation']) > 0)
    sched = t['schedule']
    plateau = Plateau(sched, base_rate, monitor.mode, monitor.min_delta) if sched['type'] == 'plateau' else None
    scaler = accel.scaler
    weights = torch.tensor(t['classWeights'], device=accel.device) if t['classWeights'] else None
    # compiled only where the whole model trains: a head alone is too small to gain from it
    fwd = MaybeCompiled(ph.forward, accel.compile and ph.prepare is None and not run.cached(ph), run.log)

    start, skip, partial, done = spec['startEpoch'], 0, None, False
    history: List[Dict[str, Any]] = []
    if resume is not None:
        start, skip, partial, done = resume['epoch'], resume['batch'], resume.get('partial'), resume.get('phaseDone', False)
        if resume.get('optimizer') is not None:
            opt.load_state_dict(resume['optimizer'])
        if scaler is not None and resume.get('scaler') is not None:
            scaler.load_state_dict(resume['scaler'])
        if resume.get('monitor') is not None:
            monitor.load_state_dict(resume['monitor'])
        if plateau is not None and resume.get('plateau') is not None:
            plateau.load_state_dict(resume['plateau'])
        history = list(resume.get('history') or [])

    def state(epoch: int, batch: int, part: Optional[Dict[str, float]], phase_done: bool = False) -> Dict[str, Any]:
        return {'version': 1, 'phaseIndex': ph.index, 'phase': phase, 'epoch': epoch, 'batch': batch, 'phaseDone': phase_done,
                'partial': part, 'model': adapted.model.state_dict(), 'optimizer': opt.state_dict(),
                'scaler': scaler.state_dict() if scaler is not None else None, 'monitor': monitor.state_dict(),
                'plateau': plateau.state_dict() if plateau else None, 'rng': checkpoint.rng_state(), 'history': history}

    run.progress.add(-(start * -(-len(split) // bs)))
    throttle = Throttle()
    stopped = False
    epoch = start
    reason = 'cap'
    while not done and epoch < epochs:
        rate = plateau.rate if plateau else scheduled_rate(sched, base_rate, epoch, epochs)
        set_rate(opt, rate)
        torch.manual_seed(dropout_seed(t['seed'], phase, epoch, dist.rank))
        if skip and resume is not None and resume.get('rng'):
            checkpoint.set_rng_state(resume['rng'])  # mid-epoch: the masks continue where the stop left them
        order = global_batches(epoch_order(len(split), t['seed'], phase, epoch, True), bs)
        run.emit({'type': 'epochStart', 'phase': phase, 'epoch': epoch + 1, 'epochs': epochs, 'learningRate': rate, 'batches': len(order)})
        adapted.train_mode(ph.base_inference)
        t0 = time.perf_counter()
        sums = dict(partial) if (skip and partial) else {'loss': 0.0, 'metric': 0.0, 'seen': 0.0}
        first = sum(len(b) for b in order[:skip])
        kwargs = {'first_position': first} if hasattr(ph.source, 'pixels') else {}
        batches = ph.source.batches(order[skip:], dist, phase, epoch, ph.augmenting, t['seed'], **kwargs)
        for k, b in enumerate(batches, start=skip + 1):
            tb = time.perf_counter()
            local_loss, local_metric, reg = _forward_backward(run, ph, fwd, opt, params, b, weights)
            stop_here = run.should_stop() if dist.main else False
            loss_sum, msum, seen, stop_flag = dist.sum_values([local_loss, local_metric, b.x.shape[0], 1.0 if stop_here else 0.0])
            if seen:  # decided on summed values: every rank steps, or none does
                dist.allreduce_grads(params)
                if scaler is not None:
                    scaler.step(opt)
                    scaler.update()
                else:
                    opt.step()
            loss = loss_sum + reg
            if b.n and not math.isfinite(loss):
                raise UserError(f'the loss became {loss} at epoch {epoch + 1}, batch {k} ({phase}): training diverged',
                                hint=f'lower the learning rate (now {rate:.1e}), check the data\'s normalisation ("preprocess"), or use class weights less extreme')
            sums['loss'] += loss * seen
            sums['metric'] += msum
            sums['seen'] += seen
            run.progress.batch_done(time.perf_counter() - tb, int(seen))
            if throttle(force=k == len(order) or k == 1):
                run.emit({'type': 'batchEnd', 'phase': phase, 'epoch': epoch + 1, 'batch': k, 'batches': len(order), 'loss': finite_or_none(loss),
                          'metrics': {mname: finite_or_none(msum / seen) if seen else None}, 'imagesPerSec': run.progress.images_per_sec(),
                          'etaSec': run.progress.eta_sec()})
            if stop_flag > 0:
                stopped = True
                if dist.main:
                    run.save('checkpoint', state(epoch, k, sums), phase, epoch, None)
                break
        if stopped:
            break
        skip, partial = 0, None
        seen = sums['seen']
        logs: Dict[str, Optional[float]] = {'loss': sums['loss'] / seen if seen else None, mname: sums['metric'] / seen if seen else None}
        val = ph.validate() if ph.validate else None
        if val is not None:
            logs['val_loss'], logs[f'val_{mname}'] = val
        logs['learning_rate'] = rate
        logs = {k2: finite_or_none(v) for k2, v in logs.items()}
        history.append(logs)
        value = monitor.value(logs)
        improved = monitor.update(epoch + 1, value, adapted.model)
        if plateau is not None:
            line = plateau.update(value)
            if line:
                run.log(line, 'info')
        epoch += 1
        done = monitor.should_stop()
        run.emit({'type': 'epochEnd', 'phase': phase, 'epoch': epoch, 'epochs': epochs, 'logs': logs,
                  'durationMs': (time.perf_counter() - t0) * 1000, 'etaSec': run.progress.eta_sec(), 'tensors': 0})
        if dist.main:
            st = state(epoch, 0, None, done)
            run.save('checkpoint', st, phase, epoch, value)
            if improved:
                run.save('best', st, phase, epoch, value)
        if done:
            reason = 'converged'
        elif dist.sum_values([1.0 if (dist.main and run.should_stop()) else 0.0])[0] > 0:
            stopped = True  # arrived during validation or the checkpoint: the epoch checkpoint is the stop's
            break
    ran = epoch - start
    run.progress.add(-(epochs - epoch) * -(-len(split) // bs))
    if stopped:
        reason = 'stopped'
    elif monitor.restore(adapted.model, epoch):
        pass
    _phase_end(run, phase, ran, epoch, reason, monitor)
    return PhaseResult(stopped, ran, epoch)


def _forward_backward(run: Any, ph: Phase, fwd: MaybeCompiled, opt: torch.optim.Optimizer, params: List[torch.nn.Parameter], b: Any,
                      weights: Optional[torch.Tensor]) -> tuple:
    """Gradients of this rank's share of the batch loss; returns (its data loss share, its metric
    sum, the regularisation loss)."""
    accel, dist, task = run.accel, run.dist, run.plan['task']
    scaler = accel.scaler
    result = {}

    def go() -> None:
        opt.zero_grad(set_to_none=True)
        with accel.autocast():
            if b.x.shape[0]:
                x = b.x
                if ph.prepare is not None:
                    with torch.no_grad():
                        x = ph.prepare(x)
                p = fwd(x).float()
                data = weighted_loss_sum(task, b.y, p, weights) / b.n
                result['metric'] = metric_sum(task, b.y, p).detach()
            else:  # an empty share of the batch still takes part in the gradient sum
                data = sum((q * 0).sum() for q in params)
                result['metric'] = torch.zeros((), device=accel.device)
            reg = run.adapted.regularization() if b.n else torch.zeros((), device=accel.device)
            loss = data + reg / dist.world
        result['values'] = (data.detach().float(), result['metric'].float(), reg.detach().float())
        (scaler.scale(loss) if scaler is not None else loss).backward()

    fwd.first_step(go, lambda: opt.zero_grad(set_to_none=True))
    return tuple(torch.stack(result['values']).tolist())  # one device sync per step


def _phase_end(run: Any, phase: str, ran: int, last: int, reason: str, monitor: Monitor) -> None:
    kept = monitor.best_epoch if (monitor.best_weights is not None and reason != 'stopped') else last
    why = {'converged': f'{monitor.name} has not improved for {monitor.patience} epochs', 'cap': f'all {last} epochs ran',
           'stopped': 'stopped on request'}[reason]
    best = f'; best {monitor.name} {monitor.best:.4g} at epoch {monitor.best_epoch}' if monitor.best is not None else ''
    message = f'{phase}: {why}; keeping epoch {kept}{best}'
    run.log(message, 'info')
    event: Dict[str, Any] = {'type': 'phaseEnd', 'phase': phase, 'epochsRun': ran, 'keptEpoch': kept, 'reason': reason, 'message': message}
    if monitor.best is not None:
        event['monitor'] = {'name': monitor.name, 'value': finite_or_none(monitor.best), 'mode': monitor.mode}
    run.emit(event)
