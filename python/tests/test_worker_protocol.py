"""The worker as the parent sees it: started with --stdio, it says ready, answers env, rejects bad
commands naming the field, sends only lines that validate, stops gracefully with a checkpoint,
and exits 70 after an error event. Plus the field checks themselves and the env CLI."""
import json
import os
import subprocess
import threading
import unittest

from test_worker_support import PKG_ROOT, PYTHON, TempDir, entries, make_images, tfjs_plan, write_tfjs_model

from transfer_studio_worker.protocol import PROTOCOL_VERSION, ProtocolError, event_problems, parse_command

ENV = dict(os.environ, PYTHONPATH=PKG_ROOT, TRANSFER_STUDIO_STRICT_EVENTS='1', OMP_NUM_THREADS='1')


class Worker:
    """A worker process on pipes; every stdout line must validate."""

    def __init__(self, *args):
        self.p = subprocess.Popen([PYTHON, '-m', 'transfer_studio_worker', '--stdio', *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=ENV)
        self.events = []
        self.stderr = b''
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        self.stderr = self.p.stderr.read()

    def send(self, *cmds):
        self.p.stdin.write(b''.join((c if isinstance(c, bytes) else json.dumps(c).encode()) + b'\n' for c in cmds))
        self.p.stdin.flush()

    def until(self, pred, timeout=180):
        # a worker that never sends the event fails the test instead of hanging the suite
        watchdog = threading.Timer(timeout, self.p.kill)
        watchdog.start()
        try:
            for raw in self.p.stdout:
                e = json.loads(raw)
                problems = event_problems(e)
                assert not problems, f'invalid event {e}: {problems}'
                self.events.append(e)
                if pred(e):
                    return e
        finally:
            watchdog.cancel()
        raise AssertionError(f'worker ended (or sent nothing useful for {timeout} s) before the expected event; last events: {self.events[-3:]}; stderr: {self.stderr.decode()[-2000:]}')

    def finish(self, timeout=60):
        self.p.stdin.close()
        for raw in self.p.stdout:
            e = json.loads(raw)
            assert not event_problems(e), e
            self.events.append(e)
        code = self.p.wait(timeout)
        self.p.stdout.close()
        self.p.stderr.close()
        return code


class FieldChecksTest(unittest.TestCase):
    def test_events(self):
        self.assertEqual(event_problems({'type': 'ready', 'protocol': PROTOCOL_VERSION, 'pid': 1}), [])
        self.assertEqual(event_problems({'type': 'batchEnd', 'phase': 'head', 'epoch': 1, 'batch': 1, 'batches': 2, 'loss': None,
                                         'metrics': {'accuracy': 0.5}, 'imagesPerSec': 3.0, 'etaSec': None}), [])
        self.assertIn('phase: invalid value', ' '.join(event_problems({'type': 'progress', 'phase': 'nope', 'done': 1, 'total': 2, 'message': ''})))
        self.assertIn('loss: invalid value', ' '.join(event_problems({'type': 'batchEnd', 'phase': 'head', 'epoch': 1, 'batch': 1, 'batches': 2,
                                                                      'loss': float('nan'), 'metrics': {}, 'imagesPerSec': 0, 'etaSec': 1})))
        self.assertIn('extra: unknown field', ' '.join(event_problems({'type': 'done', 'output': 'x', 'stopped': False, 'durationMs': 1, 'extra': 1})))
        self.assertIn('unknown event type', ' '.join(event_problems({'type': 'started'})))

    def test_commands_name_the_field(self):
        self.assertEqual(parse_command({'type': 'predict', 'id': 3, 'model': '/m', 'files': ['a.png'], 'topK': 2})['id'], 3)
        for bad, field in (({'type': 'inspect', 'id': 1}, 'model: missing'), ({'type': 'env', 'id': 'x'}, 'id: invalid'),
                           ({'type': 'predict', 'id': 1, 'model': '/m', 'files': 'a.png'}, 'files: invalid'),
                           ({'type': 'fly'}, "unknown command 'fly'"), ({'type': 'stop', 'now': True}, 'now: unknown field')):
            with self.subTest(bad=bad):
                with self.assertRaises(ProtocolError) as c:
                    parse_command(bad)
                self.assertIn(field, c.exception.message)


class StdioTest(TempDir):
    def test_ready_env_and_bad_commands(self):
        w = Worker()
        ready = w.until(lambda e: e['type'] == 'ready')
        self.assertEqual(ready['protocol'], 3)
        w.send({'type': 'env', 'id': 1}, b'not json', {'type': 'train'}, {'type': 'inspect', 'id': 5, 'model': 'resnet18'}, {'type': 'launch', 'id': 6})
        env = w.until(lambda e: e['type'] == 'result' and e['id'] == 1)['value']
        self.assertEqual(env['torch']['version'].split('.')[0], '1')
        self.assertEqual(env['chosen']['device'], 'cpu')
        self.assertIn('on CPU: no CUDA device (torch built without CUDA)', env['chosen']['reason'])
        self.assertTrue(set(env) >= {'python', 'torch', 'torchvision', 'devices', 'mps', 'torchrun', 'chosen', 'problems'})
        # a request received before shutdown is still answered
        w.send({'type': 'predict', 'id': 7, 'model': self.path('nowhere'), 'files': ['a.png']}, {'type': 'shutdown'})
        self.assertEqual(w.finish(), 0)
        errors = [e for e in w.events if e['type'] == 'error']
        self.assertEqual([e['error']['file'] for e in errors if e.get('id') == 7], [self.path('nowhere')])
        text = [e['error']['message'] for e in errors]
        self.assertTrue(any('not JSON' in t for t in text), text)
        self.assertTrue(any('invalid train command: plan: missing' in t for t in text), text)
        self.assertEqual([e.get('id') for e in errors if 'model: invalid' in e['error']['message']], [5])
        self.assertEqual([e.get('id') for e in errors if "unknown command 'launch'" in e['error']['message']], [6])
        self.assertTrue(all(e['error']['user'] for e in errors))

    def _plan(self, **kw):
        pairs = make_images(self.path('img'), per_class=12, size=20)
        model, head, base = write_tfjs_model(self.path('m'))
        return tfjs_plan(self.tmp, model, head, base, entries(pairs), batchSize=2,
                         phases=[{'phase': 'head', 'epochs': 30, 'learningRate': 0.01, 'cache': False}], **kw)

    def test_stop_mid_epoch_checkpoints_and_says_done_stopped(self):
        plan = self._plan()
        w = Worker()
        # a stop that arrives with the train command counts for it: the run stops after batch 1
        w.send({'type': 'train', 'plan': plan}, {'type': 'stop'})
        done = w.until(lambda e: e['type'] == 'done')
        self.assertTrue(done['stopped'])
        ck = [e for e in w.events if e['type'] == 'checkpoint']
        self.assertEqual(len(ck), 1)
        self.assertEqual(done['output'], ck[0]['path'])
        import torch
        state = torch.load(os.path.join(ck[0]['path'], 'state.pt'))
        self.assertEqual((state['phase'], state['epoch'], state['batch']), ('head', 0, 1))
        self.assertTrue(os.path.isfile(os.path.join(ck[0]['path'], 'model.json')))
        with open(os.path.join(ck[0]['path'], 'metadata.json')) as f:
            meta = json.load(f)
        self.assertEqual(meta['transferStudio']['extra'], {'phase': 'head', 'epoch': 0})
        # the worker lives on; a stop while it trains (after the first batch we see) also works
        w.send({'type': 'train', 'plan': plan})
        w.until(lambda e: e['type'] == 'batchEnd')
        w.send({'type': 'stop'})
        second = w.until(lambda e: e['type'] == 'done')
        self.assertTrue(second['stopped'])
        w.send({'type': 'shutdown'})
        self.assertEqual(w.finish(), 0)

    def test_error_then_exit_70(self):
        plan = self._plan()
        plan['model']['modelJson'] = self.path('missing', 'model.json')
        w = Worker()
        w.send({'type': 'train', 'plan': plan})
        self.assertEqual(w.p.wait(60), 70)
        w.finish()
        err = [e for e in w.events if e['type'] == 'error'][-1]['error']
        self.assertTrue(err['user'])
        self.assertIn('missing', err.get('file', '') + err['message'])

    def test_crash_is_a_bug_with_a_stack_then_exit_70(self):
        import torch

        class Broken(torch.nn.Module):
            def forward(self, x):
                return x.view(-1, 7, 5)  # fails at run time on any real input

        ts = self.path('broken.pt')
        torch.jit.script(Broken()).save(ts)
        plan = self._plan()
        plan['model'] = {'kind': 'torchvision', 'arch': 'resnet18', 'torchscript': ts, 'head': [{'type': 'Dense', 'units': 3}], 'frozen': []}
        w = Worker()
        w.send({'type': 'train', 'plan': plan})
        self.assertEqual(w.p.wait(60), 70)
        w.finish()
        err = [e for e in w.events if e['type'] == 'error'][-1]['error']
        self.assertFalse(err['user'])
        self.assertIn('Traceback', err['stack'])

    def test_invalid_plan_names_the_field(self):
        plan = self._plan()
        plan['training']['optimizer'] = 'adagrad'
        del plan['data']['train'][0]['y']
        w = Worker()
        w.send({'type': 'train', 'plan': plan})
        self.assertEqual(w.p.wait(60), 70)
        w.finish()
        message = [e for e in w.events if e['type'] == 'error'][-1]['error']['message']
        self.assertIn('/data/train/0/y: missing', message)
        self.assertIn("/training/optimizer: expected one of 'adam', 'sgd', 'rmsprop'", message)


class EnvCliTest(unittest.TestCase):
    def test_env_json_and_text(self):
        p = subprocess.run([PYTHON, '-m', 'transfer_studio_worker', 'env', '--json'], env=ENV, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        env = json.loads(p.stdout)
        self.assertEqual(env['python']['executable'], PYTHON)
        p = subprocess.run([PYTHON, '-m', 'transfer_studio_worker', 'env'], env=ENV, capture_output=True, timeout=60, text=True)
        self.assertIn('chosen       cpu: PyTorch', p.stdout)

    def test_cuda_requested_but_unusable_says_why_and_what_to_do(self):
        from transfer_studio_worker.env import choose_device
        from transfer_studio_worker.protocol import UserError
        with self.assertRaises(UserError) as c:
            choose_device('cuda')
        self.assertIn('CUDA was requested but cannot be used: torch built without CUDA', c.exception.message)
        self.assertIn('install a CUDA build of PyTorch', c.exception.hint)
        self.assertEqual(choose_device('auto')[0].type, 'cpu')

    def test_env_without_torch_exits_3(self):
        # an interpreter whose torch import fails: a stub package that raises
        import tempfile
        d = tempfile.mkdtemp()
        os.makedirs(os.path.join(d, 'torch'))
        with open(os.path.join(d, 'torch', '__init__.py'), 'w') as f:
            f.write('raise ImportError("libtorch_cpu.so: cannot open shared object file")\n')
        p = subprocess.run([PYTHON, '-m', 'transfer_studio_worker', 'env', '--json'], env=dict(ENV, PYTHONPATH=f'{d}{os.pathsep}{PKG_ROOT}'),
                           capture_output=True, timeout=60, text=True)
        self.assertEqual(p.returncode, 3, p.stderr)
        env = json.loads(p.stdout)
        self.assertIsNone(env['torch'])
        self.assertIn('libtorch_cpu.so', env['problems'][0])


if __name__ == '__main__':
    unittest.main()
