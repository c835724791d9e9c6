"""Training on generated image folders with a tiny TF.js model (rebuilt by transfer_studio_worker.tfjs):
the cached head phase learns, cache on/off agree, fine-tuning touches only what it unfreezes (and
never frozen BatchNorm statistics), early stopping keeps the best epoch in both modes, schedules
give the TS engine's rates, a resumed run ends where the uninterrupted one does."""
import math
import os
import shutil
import unittest

import torch

from test_worker_support import TempDir, entries, make_images, of, run_plan, state_of, tfjs_plan, write_tfjs_model

from transfer_studio_worker.train.losses import metric_sum, per_example_loss, weighted_loss_sum
from transfer_studio_worker.train.optim import Plateau, scheduled_rate

P = 'graph.layers.'


class Base(TempDir):
    def setUp(self):
        super().setUp()
        self.train = entries(make_images(self.path('train'), per_class=10))
        self.val = entries(make_images(self.path('val'), per_class=4, seed=1))

    def plan(self, name='run', dropout=0.0, **kw):
        model, head, base = write_tfjs_model(self.path('model'), dropout=dropout)
        p = tfjs_plan(self.tmp, model, head, base, self.train, self.val, **kw)
        p['runDir'], p['staging'] = self.path(name, 'run'), self.path(name, 'staging')
        p['data']['image']['preprocess'] = '-1,1'
        return p


class HeadPhaseTest(Base):
    def test_cached_head_learns_and_sends_outputs_and_exports(self):
        ev = run_plan(self.plan(phases=[{'phase': 'head', 'epochs': 30, 'learningRate': 0.1, 'cache': True}]))
        last = of(ev, 'epochEnd')[-1]['logs']
        self.assertGreaterEqual(last['val_accuracy'], 0.9)
        self.assertEqual(of(ev, 'progress')[-1]['done'], 42)  # every example's features once
        out = of(ev, 'outputs')[0]
        self.assertEqual(out['split'], 'validation')
        correct = sum(max(range(3), key=v.__getitem__) == e['y'].index(1.0) for v, e in zip(out['values'], self.val))
        self.assertEqual([e['file'] for e in self.val], out['files'])
        self.assertGreaterEqual(correct / len(self.val), 0.9)
        self.assertTrue(all(abs(sum(v) - 1) < 1e-5 for v in out['values']))
        staging = self.path('run', 'staging')
        self.assertEqual(sorted(os.listdir(staging)), ['metadata.json', 'model.json', 'model.onnx', 'model.pt', 'weights.bin'])
        self.assertEqual(of(ev, 'done')[0], {**of(ev, 'done')[0], 'output': staging, 'stopped': False})
        batch_events = of(ev, 'batchEnd')
        self.assertTrue(all(e['metrics'].keys() == {'accuracy'} for e in batch_events))
        self.assertTrue(any(e['batch'] == e['batches'] for e in batch_events))  # the epoch's last is always sent

    def test_cache_on_and_off_give_the_same_weights(self):
        phases = lambda cache: [{'phase': 'head', 'epochs': 3, 'learningRate': 0.05, 'cache': cache}]  # noqa: E731
        on = self.plan('on', dropout=0.3, phases=phases(True))
        off = self.plan('off', dropout=0.3, phases=phases(False))
        ev_off = run_plan(off)
        run_plan(on)
        self.assertTrue(any('inference mode, outside autograd' in e['message'] for e in of(ev_off, 'log')))
        a, b = state_of(self.path('on', 'run', 'checkpoint'))['model'], state_of(self.path('off', 'run', 'checkpoint'))['model']
        self.assertWeightsEqual(a, b, tol=1e-5)

    def test_fine_tune_changes_only_unfrozen_layers_never_frozen_bn_statistics(self):
        from transfer_studio_worker.tfjs import load_layers_model
        plan = self.plan(phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.05, 'cache': True},
                                 {'phase': 'fineTune', 'epochs': 2, 'learningRate': 0.01, 'unfreeze': ['conv2', 'bn']}])
        ev = run_plan(plan)
        before = load_layers_model(plan['model']['modelJson']).state_dict()
        after = torch.load(self.path('run', 'staging', 'model.pt'))
        changed = {k for k in before if not torch.equal(before[k], after[k])}
        self.assertEqual(changed, {P + 'conv2.weight', P + 'conv2.bias', P + 'dense.weight', P + 'dense.bias'})
        self.assertTrue(any('BatchNormalization layers stay frozen' in e['message'] for e in of(ev, 'log')))
        self.assertEqual([e['phase'] for e in of(ev, 'phaseEnd')], ['head', 'fineTune'])

    def test_head_phase_changes_only_the_head(self):
        plan = self.plan(phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.05, 'cache': False}])
        plan['data']['augment'] = {'flip': True, 'rotate': 10}
        run_plan(plan)
        from transfer_studio_worker.tfjs import load_layers_model
        before = load_layers_model(plan['model']['modelJson']).state_dict()
        after = torch.load(self.path('run', 'staging', 'model.pt'))
        self.assertEqual({k for k in before if not torch.equal(before[k], after[k])}, {P + 'dense.weight', P + 'dense.bias'})


class EarlyStoppingTest(Base):
    def check(self, monitor, mode):
        plan = self.plan(phases=[{'phase': 'head', 'epochs': 12, 'learningRate': 0.5, 'cache': True}],
                         earlyStopping={'monitor': monitor, 'mode': mode, 'patience': 3, 'minDelta': 0.0, 'restoreBest': True})
        plan['data']['evalSplit'] = 'validation'
        ev = run_plan(plan)
        values = [e['logs'][monitor] for e in of(ev, 'epochEnd')]
        best = (min if mode == 'min' else max)(values)
        kept = values.index(best) + 1  # the first epoch reaching the best value
        end = of(ev, 'phaseEnd')[0]
        self.assertEqual(end['keptEpoch'], kept, values)
        self.assertLess(kept, len(values), values)  # the best weights were restored, not just kept
        self.assertEqual(end['monitor'], {'name': monitor, 'value': best, 'mode': mode})
        # the final model's score on the validation split is the kept epoch's
        out = of(ev, 'outputs')[0]
        ys = torch.tensor([e['y'] for e in self.val])
        p = torch.tensor(out['values'])
        got = float(per_example_loss('single-label', ys, p).mean()) if monitor == 'val_loss' else float(metric_sum('single-label', ys, p)) / len(ys)
        self.assertAlmostEqual(got, best, places=4)
        best_ck = [e for e in of(ev, 'checkpoint') if e['best']][-1]
        self.assertEqual((best_ck['epoch'], best_ck['value']), (kept, best))
        return end, values

    def test_min_mode_val_loss(self):
        end, values = self.check('val_loss', 'min')
        self.assertIn('keeping epoch', end['message'])

    def test_max_mode_val_accuracy(self):
        self.check('val_accuracy', 'max')


class ScheduleTest(Base):
    def test_rates_as_scheduled_rate_in_optimizers_ts(self):
        cos = {'type': 'cosine', 'minLearningRate': 0.01, 'warmupEpochs': 2}
        got = [scheduled_rate(cos, 1.0, e, 6) for e in range(6)]
        want = [1 / 3, 2 / 3] + [0.01 + 0.5 * 0.99 * (1 + math.cos(math.pi * t / 3)) for t in range(4)]
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w)
        self.assertEqual([scheduled_rate({'type': 'step', 'everyEpochs': 2, 'factor': 0.5}, 0.8, e, 6) for e in range(5)], [0.8, 0.8, 0.4, 0.4, 0.2])
        self.assertEqual(scheduled_rate({'type': 'constant'}, 0.3, 4, 5), 0.3)
        self.assertEqual(scheduled_rate({'type': 'cosine'}, 0.3, 0, 1), 0.3)

    def test_plateau(self):
        p = Plateau({'type': 'plateau', 'factor': 0.5, 'patience': 2, 'minLearningRate': 0.2}, 1.0, 'min', 0.0)
        rates = []
        for v in (1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96):
            p.update(v)
            rates.append(p.rate)
        self.assertEqual(rates, [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])

    def test_epoch_start_learning_rates_in_a_run(self):
        plan = self.plan(phases=[{'phase': 'head', 'epochs': 4, 'learningRate': 0.1, 'cache': True}], schedule={'type': 'cosine', 'warmupEpochs': 1})
        ev = run_plan(plan)
        got = [e['learningRate'] for e in of(ev, 'epochStart')]
        self.assertEqual(got, [scheduled_rate(plan['training']['schedule'], 0.1, e, 4) for e in range(4)])
        self.assertEqual([e['logs']['learning_rate'] for e in of(ev, 'epochEnd')], got)


class LossTest(unittest.TestCase):
    def test_losses_and_metrics_as_losses_ts(self):
        y = torch.tensor([[1.0, 0, 0], [0, 1, 0]])
        p = torch.tensor([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]])
        want = [-math.log(0.7), -math.log(1 - 1e-7)]
        self.assertEqual([round(v, 5) for v in per_example_loss('single-label', y, p).tolist()], [round(v, 5) for v in want])
        w = torch.tensor([2.0, 0.5, 1.0])
        self.assertAlmostEqual(float(weighted_loss_sum('single-label', y, p, w)) / 2, (2 * want[0] + 0.5 * want[1]) / 2, places=5)
        self.assertEqual(float(metric_sum('single-label', y, p)), 2.0)
        self.assertAlmostEqual(float(metric_sum('multi-label', torch.tensor([[1.0, 0]]), torch.tensor([[0.6, 0.7]]))), 0.5)
        self.assertAlmostEqual(float(metric_sum('regression', torch.tensor([[1.0, 2]]), torch.tensor([[1.5, 1.0]]))), 0.75)
        bce = per_example_loss('multi-label', torch.tensor([[1.0, 0]]), torch.tensor([[0.6, 0.7]]))
        self.assertAlmostEqual(float(bce), -(math.log(0.6) + math.log(0.3)) / 2, places=5)


class TasksTest(Base):
    def test_multi_label_and_regression_metric_names(self):
        for task, activation, metric in (('multi-label', 'sigmoid', 'binary_accuracy'), ('regression', 'linear', 'mae')):
            with self.subTest(task=task):
                model, head, base = write_tfjs_model(self.path(task), activation=activation)
                plan = tfjs_plan(self.tmp, model, head, base, self.train, self.val, phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.05, 'cache': True}])
                plan['task'], plan['runDir'], plan['staging'] = task, self.path(task, 'run'), self.path(task, 'staging')
                ev = run_plan(plan)
                self.assertEqual(set(of(ev, 'epochEnd')[-1]['logs']), {'loss', metric, 'val_loss', f'val_{metric}', 'learning_rate'})


class ResumeTest(Base):
    def resumed_equals_uninterrupted(self, plan_of, stop_after, copy_at=None):
        full = plan_of('full')
        copies = {}

        def keep(e):  # a copy of runDir/checkpoint as it was after a given (phase, epoch)
            if copy_at and e['type'] == 'checkpoint' and not e['best'] and (e['phase'], e['epoch']) == copy_at:
                copies['dir'] = shutil.copytree(e['path'], self.path('kept'))

        from transfer_studio_worker.train.run import run_training
        run_training(full, keep, lambda: False)
        want = state_of(full['runDir'] + '/checkpoint')['model']
        if copy_at:
            start = copies['dir']
        else:
            part = plan_of('part')
            ev = run_plan(part, stop_after=stop_after)
            self.assertTrue(of(ev, 'done')[0]['stopped'])
            start = part['runDir'] + '/checkpoint'
            stopped = state_of(start)
            self.assertGreater(stopped['batch'], 0)  # mid-epoch
            self.assertGreater(max(float((stopped['model'][k] - want[k]).abs().max()) for k in want), 1e-3)
        again = plan_of('again')
        again['resume'] = start
        ev = run_plan(again)
        self.assertFalse(of(ev, 'done')[0]['stopped'])
        self.assertWeightsEqual(want, state_of(again['runDir'] + '/checkpoint')['model'], tol=1e-6)
        return ev

    def test_mid_epoch_stop_in_fine_tuning_with_dropout_and_cosine(self):
        def plan_of(name):
            return self.plan(name, dropout=0.3, schedule={'type': 'cosine'},
                             phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.05, 'cache': True},
                                     {'phase': 'fineTune', 'epochs': 2, 'learningRate': 0.01, 'unfreeze': ['conv2']}])
        # stop checks: 6 extraction rounds, 2 × 4 head batches, then fine-tuning's epoch 1, batch 3
        ev = self.resumed_equals_uninterrupted(plan_of, stop_after=17)
        self.assertEqual(of(ev, 'epochStart')[0]['phase'], 'fineTune')

    def test_mid_epoch_stop_with_augmentation_plateau_and_early_stopping(self):
        def plan_of(name):
            p = self.plan(name, dropout=0.2, schedule={'type': 'plateau', 'factor': 0.5, 'patience': 1},
                          earlyStopping={'monitor': 'val_loss', 'mode': 'min', 'patience': 2, 'minDelta': 0.0, 'restoreBest': True},
                          phases=[{'phase': 'head', 'epochs': 4, 'learningRate': 0.3, 'cache': True}])
            p['data']['augment'] = {'flip': True, 'rotate': 20, 'zoom': 0.2, 'brightness': 0.1}
            return p
        self.resumed_equals_uninterrupted(plan_of, stop_after=6)

    def test_from_an_epoch_checkpoint(self):
        def plan_of(name):
            return self.plan(name, dropout=0.3, phases=[{'phase': 'head', 'epochs': 3, 'learningRate': 0.05, 'cache': True},
                                                        {'phase': 'fineTune', 'epochs': 2, 'learningRate': 0.01, 'unfreeze': ['conv', 'conv2']}])
        ev = self.resumed_equals_uninterrupted(plan_of, None, copy_at=('head', 2))
        self.assertEqual([(e['phase'], e['epoch']) for e in of(ev, 'epochStart')], [('head', 3), ('fineTune', 1), ('fineTune', 2)])


if __name__ == '__main__':
    unittest.main()
