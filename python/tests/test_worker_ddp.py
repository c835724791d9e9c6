"""Two processes on gloo, started by torchrun as the extension starts them (rank 0 connects over
TCP, every rank reads the plan file), end with the weights of one process on the same data and
seed; events come once; a stop sent to rank 0 stops every rank."""
import json
import os
import socket
import subprocess
import sys
import threading

from test_worker_support import PKG_ROOT, TempDir, entries, make_images, of, run_plan, state_of, tfjs_plan, write_tfjs_model

from transfer_studio_worker.protocol import event_problems

TORCHRUN = ['/usr/bin/torchrun'] if os.path.isfile('/usr/bin/torchrun') else [sys.executable, '-m', 'torch.distributed.run']


class Parent:
    """The TypeScript side's TCP server: accepts one connection, checks the hello, collects events."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(('127.0.0.1', 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        self.events = []
        self.conn = None
        self.first_batch = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.conn, _ = self.srv.accept()
        for line in self.conn.makefile('rb'):
            e = json.loads(line)
            self.events.append(e)
            if e.get('type') == 'batchEnd':
                self.first_batch.set()

    def send(self, cmd):
        self.conn.sendall((json.dumps(cmd) + '\n').encode())

    def close(self):
        for s in (self.conn, self.srv):
            if s is not None:
                s.close()


def torchrun(tmp, plan, parent, nproc=2, on_start=None):
    path = os.path.join(tmp, f'plan-{len(os.listdir(tmp))}.json')
    with open(path, 'w') as f:
        json.dump(plan, f)
    env = dict(os.environ, PYTHONPATH=PKG_ROOT, TRANSFER_STUDIO_STRICT_EVENTS='1', OMP_NUM_THREADS='1')
    # --redirects/--tee 1: torch 1.13's torchrun under Python 3.11 cannot parse the default "0"
    cmd = [*TORCHRUN, '--redirects', '1', '--tee', '1', '--log_dir', os.path.join(tmp, 'torchrun'), '--standalone', '--nproc_per_node', str(nproc),
           '-m', 'transfer_studio_worker', '--connect', f'127.0.0.1:{parent.port}', '--token', 'secret', '--plan', path]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if on_start:
        on_start(p)
    out, err = p.communicate(timeout=150)
    return p.returncode, err.decode()


class DdpTest(TempDir):
    def setUp(self):
        super().setUp()
        self.train = entries(make_images(self.path('train'), per_class=7))  # 21: batches of 10, 10, 1
        self.val = entries(make_images(self.path('val'), per_class=3, seed=1))

    def plan(self, name, augment=None, **kw):
        model, head, base = write_tfjs_model(self.path('model'), l2=0.01)
        p = tfjs_plan(self.tmp, model, head, base, self.train, self.val, batchSize=10, classWeights=[1.0, 2.0, 0.5], **kw)
        p['runDir'], p['staging'] = self.path(name, 'run'), self.path(name, 'staging')
        p['data']['augment'] = augment
        return p

    def compare(self, **kw):
        one = self.plan('one', **kw)
        run_plan(one)
        two = self.plan('two', **kw)
        two['engine']['nproc'] = 2
        parent = Parent()
        self.addCleanup(parent.close)
        code, err = torchrun(self.tmp, two, parent)
        self.assertEqual(code, 0, err[-3000:])
        self.assertWeightsEqual(state_of(one['runDir'] + '/checkpoint')['model'], state_of(two['runDir'] + '/checkpoint')['model'], tol=1e-5)
        ev = parent.events
        self.assertEqual(ev[0], {'type': 'hello', 'token': 'secret', 'pid': ev[0]['pid']})
        self.assertTrue(all(not event_problems(e) for e in ev[1:]), [e for e in ev[1:] if event_problems(e)])
        self.assertEqual([e['type'] for e in ev].count('ready'), 1)
        self.assertEqual(len(of(ev, 'done')), 1)
        ends = [(e['phase'], e['epoch']) for e in of(ev, 'epochEnd')]
        self.assertEqual(len(ends), len(set(ends)))
        self.assertEqual(len(ends), sum(p['epochs'] for p in two['training']['phases']))
        self.assertTrue(any('2 processes (gloo)' in e['message'] for e in of(ev, 'log')))
        return ev

    def test_cached_head_then_fine_tuning_equals_one_process(self):
        ev = self.compare(phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.1, 'cache': True},
                                  {'phase': 'fineTune', 'epochs': 2, 'learningRate': 0.01, 'unfreeze': ['conv', 'conv2']}])
        self.assertTrue(any('each its share, then summed' in e['message'] for e in of(ev, 'log')))

    def test_augmented_frozen_base_equals_one_process(self):
        # augmentation: no cache, the frozen base runs every batch on each rank's slice
        ev = self.compare(augment={'flip': True, 'rotate': 15, 'zoom': 0.2, 'brightness': 0.1}, optimizer='sgd', momentum=0.9,
                          phases=[{'phase': 'head', 'epochs': 2, 'learningRate': 0.1, 'cache': True}])
        self.assertTrue(any('feature cache not used: augmentation' in e['message'] for e in of(ev, 'log')))

    def test_stop_reaches_every_rank(self):
        plan = self.plan('stop', phases=[{'phase': 'head', 'epochs': 200, 'learningRate': 0.01, 'cache': False}])
        parent = Parent()
        self.addCleanup(parent.close)

        def stop_after_first_batch(_p):
            def go():
                parent.first_batch.wait(120)
                parent.send({'type': 'stop'})
            threading.Thread(target=go, daemon=True).start()
        code, err = torchrun(self.tmp, plan, parent, on_start=stop_after_first_batch)
        self.assertEqual(code, 0, err[-3000:])
        done = of(parent.events, 'done')
        self.assertEqual(len(done), 1)
        self.assertTrue(done[0]['stopped'])
        self.assertTrue(os.path.isfile(os.path.join(plan['runDir'], 'checkpoint', 'state.pt')))
