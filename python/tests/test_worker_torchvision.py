"""torchvision models: resnet18 built with weights=None and random weights saved to a local .pth
trains (cached head, then fine-tuning a block with its BatchNorm frozen), exports model.pt and
model.onnx, predicts from the exported folder; inspect gives the ModelSummary shape."""
import json
import os
import shutil
import tempfile
import unittest

import torch
import torchvision

from test_worker_support import TempDir, entries, make_images, of, run_plan

from transfer_studio_worker.protocol import UserError
from transfer_studio_worker.torchvision_models import build_head, predict, summary

SIZE = 32


def check_layer(test, layer, depth=0):
    test.assertEqual(set(layer) - {'layers'}, {'name', 'className', 'outputShape', 'trainableParams', 'nonTrainableParams', 'trainable', 'inbound'})
    test.assertIsInstance(layer['outputShape'], list)
    test.assertTrue(all(isinstance(x, str) for x in layer['inbound']))
    for child in layer.get('layers', []):
        check_layer(test, child, depth + 1)


class TorchvisionTest(TempDir):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.weights_dir = tempfile.mkdtemp(prefix='tv-weights-')
        cls.weights = os.path.join(cls.weights_dir, 'resnet18.pth')
        torch.save(torchvision.models.resnet18(weights=None).state_dict(), cls.weights)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.weights_dir, True)

    def plan(self, **model):
        train = entries(make_images(self.path('train'), per_class=6, size=SIZE))
        val = entries(make_images(self.path('val'), per_class=2, size=SIZE, seed=1))
        return {
            'name': 'tv', 'recipe': '', 'runDir': self.path('run'), 'staging': self.path('staging'),
            'model': {'kind': 'torchvision', 'arch': 'resnet18', 'weights': self.weights, 'torchscript': None, 'cut': None,
                      'head': [{'type': 'Dropout', 'rate': 0.2}, {'type': 'Dense', 'units': 3, 'l2': 0.001}], **model},
            'task': 'single-label', 'labels': ['red', 'green', 'blue'],
            'data': {'image': {'height': SIZE, 'width': SIZE, 'channels': 3, 'preprocess': 'imagenet', 'fit': 'cover'}, 'augment': None,
                     'train': train, 'validation': val, 'test': [], 'maxSkipped': 0.1},
            'training': {'batchSize': 6, 'optimizer': 'adam', 'seed': 3, 'schedule': {'type': 'constant'}, 'earlyStopping': None, 'classWeights': None,
                         'learningRateMultipliers': {'head': 1.0, 'layer4.1.conv2': 0.5},
                         'phases': [{'phase': 'head', 'epochs': 2, 'learningRate': 0.01, 'cache': True},
                                    {'phase': 'fineTune', 'epochs': 1, 'learningRate': 0.001, 'unfreeze': ['layer4.1']}]},
            'engine': {'device': 'auto', 'amp': 'auto', 'compile': 'auto', 'workers': 0, 'nproc': 1}, 'resume': None, 'metadata': {},
        }

    def test_resnet18_trains_exports_and_predicts(self):
        frozen = [n for n, _ in torchvision.models.resnet18().named_children() if n != 'fc']
        plan = self.plan(frozen=frozen)
        ev = run_plan(plan)
        self.assertTrue(any('features: 24 examples × [512]' in e['message'] for e in of(ev, 'log')))
        self.assertTrue(any('2 BatchNormalization layers stay frozen' in e['message'] for e in of(ev, 'log')), [e['message'] for e in of(ev, 'log')])
        staging = plan['staging']
        self.assertEqual(sorted(os.listdir(staging)), ['metadata.json', 'model.onnx', 'model.pt'])
        state = torch.load(os.path.join(staging, 'model.pt'))
        start = torch.load(self.weights)
        changed = {k for k in start if not k.startswith('fc.') and not torch.equal(start[k], state['base.net.' + k])}
        self.assertEqual(changed, {'layer4.1.conv1.weight', 'layer4.1.conv2.weight'})  # bn1/bn2 of layer4.1 stay frozen
        self.assertEqual(set(k for k in state if k.startswith('head.')), {'head.dense.linear.weight', 'head.dense.linear.bias'})
        with open(os.path.join(staging, 'metadata.json')) as f:
            meta = json.load(f)['transferStudio']
        self.assertEqual(meta['torchvision']['arch'], 'resnet18')
        out = of(ev, 'outputs')[0]
        got = predict(staging, out['files'][:2], 2)
        self.assertEqual([len(p['top']) for p in got], [2, 2])
        for p, values in zip(got, out['values']):
            self.assertEqual(p['file'], out['files'][got.index(p)])
            self.assertLess(max(abs(a - b) for a, b in zip(p['values'], values)), 1e-4)

    def test_cut_at_a_block_and_a_grey_input(self):
        plan = self.plan(cut='layer3', frozen=['conv1', 'bn1', 'layer1', 'layer2', 'layer3'],
                         head=[{'type': 'GlobalAveragePooling2D'}, {'type': 'BatchNormalization'}, {'type': 'Dense', 'units': 3, 'activation': 'softmax'}])
        plan['data']['image']['channels'] = 1
        plan['training']['phases'] = [{'phase': 'head', 'epochs': 1, 'learningRate': 0.01, 'cache': True}]
        ev = run_plan(plan)
        self.assertTrue(any('× [256, 2, 2]' in e['message'] for e in of(ev, 'log')))
        self.assertFalse(of(ev, 'done')[0]['stopped'])

    def test_head_spec_errors_are_user_errors(self):
        with self.assertRaises(UserError) as c:
            build_head([{'type': 'Dense', 'units': 4}], [512], 'single-label', 3)
        self.assertIn('4 units but there are 3 labels', c.exception.message)
        with self.assertRaises(UserError) as c:
            build_head([{'type': 'Dense', 'units': 3}], [512, 2, 2], 'single-label', 3)
        self.assertIn('GlobalAveragePooling2D or Flatten', c.exception.hint)

    def test_inspect_summary_shape(self):
        s = summary({'kind': 'torchvision', 'arch': 'resnet18', 'weights': self.weights, 'inputSize': [64, 64]})
        self.assertEqual(set(s), {'name', 'className', 'format', 'source', 'inputShape', 'outputShape', 'layers', 'totalParams',
                                  'trainableParams', 'nonTrainableParams', 'metadata'})
        self.assertEqual((s['name'], s['className'], s['format'], s['source']), ('resnet18', 'ResNet', 'torchvision', self.weights))
        self.assertEqual((s['inputShape'], s['outputShape']), ([None, 3, 64, 64], [None, 1000]))
        self.assertEqual(s['trainableParams'], 11689512)
        names = [l['name'] for l in s['layers']]
        self.assertEqual(names, ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc'])
        by = {l['name']: l for l in s['layers']}
        self.assertEqual(by['conv1']['outputShape'], [None, 64, 32, 32])
        self.assertEqual(by['bn1']['inbound'], ['conv1'])
        self.assertEqual(by['conv1']['inbound'], [])
        self.assertEqual(by['bn1']['nonTrainableParams'], 128)  # running mean + variance
        block = by['layer1']['layers'][0]
        self.assertEqual((block['name'], block['className']), ('layer1.0', 'BasicBlock'))
        self.assertEqual(block['layers'][0]['name'], 'layer1.0.conv1')
        for layer in s['layers']:
            check_layer(self, layer)
        json.dumps(s, allow_nan=False)


if __name__ == '__main__':
    unittest.main()
