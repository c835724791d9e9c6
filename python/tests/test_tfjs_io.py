"""Writing out: TF.js layers copies (same topology and weight names, float32, atomic), .pt
state dicts, ONNX (checked with onnx's checker when onnx is installed), and the CLI tool."""
import json
import os
import subprocess
import sys
import unittest

import numpy as np
import torch

from test_tfjs_helpers import TempDirTest, layer, rand, read_bytes, read_json, sequential, write_model

from transfer_studio_worker.tfjs import (ModelError, export_onnx, export_state_dict, load_layers_model, load_state_dict_file,
                                         save_layers_model)

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


def conv_model():
    return sequential('s', [
        layer('Conv2D', 'c', filters=3, kernel_size=[3, 3], strides=[2, 2], padding='same', batch_input_shape=[None, 5, 5, 2]),
        layer('BatchNormalization', 'bn', momentum=0.9, epsilon=1e-3),
        layer('MaxPooling2D', 'p', pool_size=[2, 2], padding='same'),
        layer('Flatten', 'f'),
        layer('Dense', 'd', units=4, activation='softmax'),
    ])


WEIGHTS = [('c/kernel', rand((3, 3, 2, 3), 1)), ('c/bias', rand((3,), 2)), ('bn/gamma', rand((3,), 3, 0.5, 1.5)), ('bn/beta', rand((3,), 4)),
           ('d/kernel', rand((12, 4), 5)), ('d/bias', rand((4,), 6)), ('bn/moving_mean', rand((3,), 7)), ('bn/moving_variance', rand((3,), 8, 0.5, 2))]


class SaveTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.src = write_model(self.path('src'), conv_model(), WEIGHTS, extra={'userDefinedMetadata': {'k': 1}})
        self.m = load_layers_model(self.src)
        self.x = rand((3, 5, 5, 2), 9)

    def test_save_keeps_topology_names_and_order_and_reloads_equal(self):
        out = save_layers_model(self.m, self.src, self.path('out'))
        self.assertEqual(sorted(os.listdir(self.path('out'))), ['model.json', 'weights.bin'], 'no temp files left')
        src, saved = read_json(self.src), read_json(out)
        for key in ('modelTopology', 'format', 'generatedBy', 'convertedBy', 'userDefinedMetadata'):
            self.assertEqual(saved[key], src[key], key)
        self.assertEqual(saved['weightsManifest'][0]['paths'], ['weights.bin'])
        self.assertEqual([w['name'] for w in saved['weightsManifest'][0]['weights']], [n for n, _ in WEIGHTS])
        self.assertTrue(all(w['dtype'] == 'float32' for w in saved['weightsManifest'][0]['weights']))
        self.assertEqual(read_bytes(self.path('out', 'weights.bin')), read_bytes(self.path('src', 'group1-shard1of1.bin')), 'float32 values written back exactly')
        np.testing.assert_array_equal(self.run_nhwc(load_layers_model(out), self.x), self.run_nhwc(self.m, self.x))

    def test_trained_values_are_saved(self):
        with torch.no_grad():
            for p in self.m.parameters():
                p.add_(0.5)
        out = save_layers_model(self.m, self.src, self.path('out'))
        np.testing.assert_array_equal(self.run_nhwc(load_layers_model(out), self.x), self.run_nhwc(self.m, self.x))

    def test_quantized_source_is_saved_as_float32(self):
        src = write_model(self.path('q'), conv_model(), WEIGHTS, quantize='uint8')
        m = load_layers_model(src)
        out = save_layers_model(m, src, self.path('out'))
        np.testing.assert_array_equal(self.run_nhwc(load_layers_model(out), self.x), self.run_nhwc(m, self.x))

    def test_split_parts_cannot_be_saved_as_tfjs(self):
        _, head = self.m.split_at(['d'])
        with self.assertRaises(ModelError):
            save_layers_model(head, self.src, self.path('out'))

    def test_state_dict_reloads_into_a_fresh_model(self):
        with torch.no_grad():
            for p in self.m.parameters():
                p.mul_(1.5)
        pt = export_state_dict(self.m, self.path('m.pt'))
        fresh = load_state_dict_file(load_layers_model(self.src), pt)
        np.testing.assert_array_equal(self.run_nhwc(fresh, self.x), self.run_nhwc(self.m, self.x))
        with self.assertRaises(ModelError):
            load_state_dict_file(load_layers_model(write_model(self.path('other'), sequential('s', [layer('Dense', 'z', units=1, batch_input_shape=[None, 2])]),
                                                               [('z/kernel', rand((2, 1))), ('z/bias', rand((1,)))])), pt)

    def test_onnx_export_names_and_dynamic_batch(self):
        self.m.train(True)
        path = export_onnx(self.m, self.path('m.onnx'))
        self.assertTrue(self.m.training, 'the mode is restored')
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith('m.onnx')], ['m.onnx'])
        try:
            import onnx
        except ImportError:
            self.skipTest('onnx is not installed (apt install python3-onnx); onnxruntime-web checks the export in the TS tests')
        model = onnx.load(path)
        onnx.checker.check_model(model)
        self.assertEqual([i.name for i in model.graph.input], ['input'])
        self.assertEqual([o.name for o in model.graph.output], ['output'])
        dims = model.graph.input[0].type.tensor_type.shape.dim
        self.assertEqual(dims[0].dim_param, 'batch')
        self.assertEqual([d.dim_value for d in dims[1:]], [5, 5, 2])


class ToolTest(TempDirTest):
    def tool(self, *args, input=None):
        env = {**os.environ, 'PYTHONPATH': PYTHON_DIR, 'PYTHONDONTWRITEBYTECODE': '1'}
        return subprocess.run([sys.executable, '-m', 'transfer_studio_worker.tfjs.tool', *args], capture_output=True, text=True, env=env, input=input)

    def test_forward_writes_raw_float32_and_prints_shapes(self):
        src = write_model(self.path('src'), conv_model(), WEIGHTS)
        x = rand((2, 5, 5, 2), 1)
        x.astype('<f4').tofile(self.path('in.f32'))
        r = self.tool('forward', '--model', src, '--input', self.path('in.f32'), '--shape', '2,5,5,2', '--output', self.path('out.f32'), '--outputs', 'bn,d')
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        self.assertEqual(info['outputs'], [{'name': 'bn', 'shape': [2, 3, 3, 3]}, {'name': 'd', 'shape': [2, 4]}])
        got = np.fromfile(self.path('out.f32'), dtype='<f4')
        with torch.no_grad():
            want = load_layers_model(src).forward_outputs(torch.from_numpy(x), ['bn', 'd'])
        np.testing.assert_array_equal(got, np.concatenate([want['bn'].numpy().ravel(), want['d'].numpy().ravel()]))

    def test_model_errors_print_one_line_and_exit_1(self):
        r = self.tool('export', '--model', self.path('missing.json'), '--out', self.path('o'), '--pt')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().count('\n'), 0)
        self.assertIn('model file not found', r.stderr)

    def test_batch_runs_several_commands_in_one_process(self):
        src = write_model(self.path('src'), conv_model(), WEIGHTS)
        lines = [json.dumps(['export', '--model', src, '--out', self.path('o'), '--tfjs', '--pt']), json.dumps(['export', '--model', self.path('nope.json'), '--out', self.path('o'), '--pt'])]
        r = self.tool('batch', input='\n'.join(lines) + '\n')
        self.assertEqual(r.returncode, 1)
        out = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(out[0]['files'], [self.path('o', 'model.json'), self.path('o', 'model.pt')])
        self.assertIn('model file not found', out[1]['error'])


if __name__ == '__main__':
    unittest.main()
