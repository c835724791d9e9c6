"""The CUDA paths, for a machine with a GPU (skipped elsewhere): device choice and the env report,
mixed precision (bf16, fp16 with loss scaling), torch.compile on torch ≥ 2 (or its logged
fallback), features kept on the device, pinned decoding workers, and with two GPUs, nccl.
Run: /usr/bin/python3 -m unittest discover -s python/tests -p 'test_worker_gpu.py' -v"""
import os
import unittest

import torch
import torchvision

from test_worker_support import TempDir, entries, make_images, of, run_plan

CUDA = torch.cuda.is_available()


@unittest.skipUnless(CUDA, 'no CUDA device')
class GpuTest(TempDir):
    def plan(self, amp='auto', compile_='auto', workers=2, phases=None):
        weights = self.path('r18.pth')
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), weights)
        frozen = [n for n, _ in torchvision.models.resnet18().named_children() if n != 'fc']
        return {
            'name': 'gpu', 'recipe': '', 'runDir': self.path('run'), 'staging': self.path('staging'),
            'model': {'kind': 'torchvision', 'arch': 'resnet18', 'weights': weights, 'torchscript': None, 'cut': None,
                      'head': [{'type': 'Dense', 'units': 3}], 'frozen': frozen},
            'task': 'single-label', 'labels': ['a', 'b', 'c'],
            'data': {'image': {'height': 64, 'width': 64, 'channels': 3, 'preprocess': 'imagenet', 'fit': 'cover'},
                     'augment': {'flip': True, 'rotate': 10}, 'train': entries(make_images(self.path('t'), per_class=16, size=64)),
                     'validation': entries(make_images(self.path('v'), per_class=4, size=64, seed=1)), 'test': [], 'maxSkipped': 0.1},
            'training': {'batchSize': 16, 'optimizer': 'adam', 'seed': 1, 'schedule': {'type': 'constant'}, 'earlyStopping': None,
                         'classWeights': None, 'learningRateMultipliers': None,
                         'phases': phases or [{'phase': 'head', 'epochs': 1, 'learningRate': 0.01, 'cache': True},
                                              {'phase': 'fineTune', 'epochs': 2, 'learningRate': 0.001, 'unfreeze': ['layer4']}]},
            'engine': {'device': 'cuda', 'amp': amp, 'compile': compile_, 'workers': workers, 'nproc': 1}, 'resume': None, 'metadata': {},
        }

    def messages(self, ev):
        return [e['message'] for e in of(ev, 'log')]

    def test_env_report_lists_the_gpu(self):
        from transfer_studio_worker.env import choose_device, report
        env = report()
        self.assertEqual(env['chosen']['device'], 'cuda', env)
        self.assertTrue(env['devices'] and env['devices'][0]['memoryBytes'] > 0)
        self.assertIn('on CUDA (', env['chosen']['reason'])
        self.assertEqual(choose_device('auto')[0].type, 'cuda')

    def test_auto_amp_and_compile(self):
        ev = run_plan(self.plan())
        text = ' | '.join(self.messages(ev))
        self.assertIn('mixed precision bf16' if torch.cuda.is_bf16_supported() else 'mixed precision fp16', text)
        self.assertIn('on cuda', text)  # features kept on the device
        if int(torch.__version__.split('.')[0]) >= 2:
            self.assertIn('torch.compile on', text)
        last = of(ev, 'epochEnd')[-1]['logs']
        self.assertTrue(all(v is not None for v in last.values()), last)
        print('\nGPU auto:', [round(e['imagesPerSec']) for e in of(ev, 'batchEnd')][-3:], 'images/s;', text[:400])

    def test_fp16_with_loss_scaling_and_no_compile(self):
        ev = run_plan(self.plan(amp='fp16', compile_='off', workers=0))
        self.assertIn('fp16 with loss scaling', ' '.join(self.messages(ev)))
        self.assertFalse(of(ev, 'done')[0]['stopped'])
        self.assertTrue(os.path.isfile(self.path('staging', 'model.onnx')))

    def test_full_precision_cache_on_off_agree_closely(self):
        head = lambda cache: [{'phase': 'head', 'epochs': 2, 'learningRate': 0.01, 'cache': cache}]  # noqa: E731
        a = self.plan(amp='off', compile_='off', workers=0, phases=head(True))
        a['data']['augment'] = None
        run_plan(a)
        wa = torch.load(self.path('staging', 'model.pt'))
        b = self.plan(amp='off', compile_='off', workers=0, phases=head(False))
        b['data']['augment'] = None
        run_plan(b)
        wb = torch.load(self.path('staging', 'model.pt'))
        # cudnn.benchmark picks kernels per shape: close, not bitwise
        self.assertLess(float((wa['head.dense.linear.weight'] - wb['head.dense.linear.weight']).abs().max()), 1e-3)

    @unittest.skipUnless(CUDA and torch.cuda.device_count() >= 2, 'needs two GPUs')
    def test_two_gpus_nccl(self):
        from test_worker_ddp import Parent, torchrun
        plan = self.plan(amp='off', compile_='off', workers=1)
        plan['engine']['nproc'] = 2
        parent = Parent()
        code, err = torchrun(self.tmp, plan, parent)
        self.assertEqual(code, 0, err[-3000:])
        self.assertTrue(any('2 processes (nccl)' in e['message'] for e in of(parent.events, 'log')))


if __name__ == '__main__':
    unittest.main()
