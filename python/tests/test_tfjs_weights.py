"""Reading model.json and shards: quantized and float16 manifests, several shards and groups,
and the errors a user gets for bad JSON, graph models, missing or short shards, missing
weights and unsupported layers."""
import os
import unittest

import numpy as np

from test_tfjs_helpers import TempDirTest, layer, rand, read_bytes, read_json, sequential, write_bytes, write_json, write_model

from transfer_studio_worker.tfjs import ModelError, load_layers_model

K, B = rand((6, 4), 1), rand((4,), 2)


def dense_model():
    return sequential('s', [layer('Dense', 'd', units=4, batch_input_shape=[None, 6])])


class ManifestTest(TempDirTest):
    def kernel_of(self, m):
        (_, _, dense), = m.leaf_layers()
        return dense.tfjs_weights()

    def test_quantized_uint8_and_uint16_dequantize_with_min_and_scale(self):
        for dtype, tol in (('uint8', (K.max() - K.min()) / 255), ('uint16', (K.max() - K.min()) / 65535)):
            with self.subTest(dtype=dtype):
                path = write_model(self.path(dtype), dense_model(), [('d/kernel', K), ('d/bias', B)], quantize=dtype, shard_bytes=7)
                self.assertGreater(len(read_json(path)['weightsManifest'][0]['paths']), 1, 'split over several shards')
                w = self.kernel_of(load_layers_model(path))
                self.assertLessEqual(np.abs(w['kernel'] - K).max(), tol / 2 + 1e-7)
                # exactly q * scale + min, as TF.js computes it
                spec = read_json(path)['weightsManifest'][0]['weights'][0]['quantization']
                q = np.round((K - spec['min']) / spec['scale'])
                np.testing.assert_allclose(w['kernel'], (q * np.float32(spec['scale']) + np.float32(spec['min'])).astype(np.float32), rtol=0, atol=1e-6)

    def test_float16(self):
        path = write_model(self.path('f16'), dense_model(), [('d/kernel', K), ('d/bias', B)], quantize='float16')
        w = self.kernel_of(load_layers_model(path))
        np.testing.assert_array_equal(w['kernel'], K.astype(np.float16).astype(np.float32))

    def test_several_groups_and_url_encoded_paths(self):
        path = write_model(self.path('g'), dense_model(), [('d/kernel', K), ('d/bias', B)])
        folder = os.path.dirname(path)
        doc = read_json(path)
        os.rename(os.path.join(folder, 'group1-shard1of1.bin'), os.path.join(folder, 'all weights.bin'))
        data = read_bytes(os.path.join(folder, 'all weights.bin'))
        write_bytes(os.path.join(folder, 'a.bin'), data[:K.nbytes])
        write_bytes(os.path.join(folder, 'b.bin'), data[K.nbytes:])
        specs = doc['weightsManifest'][0]['weights']
        doc['weightsManifest'] = [{'paths': ['a.bin'], 'weights': specs[:1]}, {'paths': ['b%2Ebin'], 'weights': specs[1:]}]
        write_json(path, doc)
        w = self.kernel_of(load_layers_model(path))
        np.testing.assert_array_equal(w['kernel'], K)
        np.testing.assert_array_equal(w['bias'], B)

    def test_scoped_names_odd_layer_names_and_unused_weights(self):
        # a scoped name (Python converters of nested models), a layer name that is a ModuleDict
        # attribute, and an extra weight no layer owns, which a save writes back unchanged
        extra = rand((3,), 9)
        model = sequential('s', [layer('Dense', 'keys', units=4, batch_input_shape=[None, 6]), layer('Dense', 'a.b', units=4)])
        path = write_model(self.path('odd'), model, [('s/keys/kernel', K), ('keys/bias', B), ('a.b/kernel', K[:4]), ('a.b/bias', B), ('unused/w', extra)])
        m = load_layers_model(path)
        x = rand((2, 6), 10)
        self.assertClose(self.run_nhwc(m, x), (x @ K + B) @ K[:4] + B)
        self.assertEqual([n for n, _, _ in m.leaf_layers()], ['keys', 'a.b'])
        from transfer_studio_worker.tfjs import save_layers_model
        saved = save_layers_model(m, path, self.path('out'))
        specs = read_json(saved)['weightsManifest'][0]['weights']
        self.assertEqual([w['name'] for w in specs], ['s/keys/kernel', 'keys/bias', 'a.b/kernel', 'a.b/bias', 'unused/w'])
        np.testing.assert_array_equal(np.frombuffer(read_bytes(self.path('out', 'weights.bin')), '<f4')[-3:], extra)


class ErrorTest(TempDirTest):
    def model(self, layers=None, weights=None):
        return write_model(self.path('m'), sequential('s', layers or [layer('Dense', 'd', units=4, batch_input_shape=[None, 6])]),
                           [('d/kernel', K), ('d/bias', B)] if weights is None else weights)

    def expect(self, path, *fragments):
        with self.assertRaises(ModelError) as cm:
            load_layers_model(path)
        text = cm.exception.one_line()
        for f in fragments:
            self.assertIn(f, text)
        return cm.exception

    def test_unsupported_layer_names_its_class_and_the_layer(self):
        path = self.model([layer('Dense', 'd', units=4, batch_input_shape=[None, 6]), layer('LSTM', 'my_lstm', units=3)])
        err = self.expect(path, 'LSTM', '"my_lstm"', 'not supported')
        self.assertEqual(err.layer, 'my_lstm')
        self.assertEqual(err.file, path)
        self.assertTrue(err.hint)

    def test_unsupported_activation(self):
        self.expect(self.model([layer('Dense', 'd', units=4, batch_input_shape=[None, 6], activation='cube')]), '"cube"', '"d"')

    def test_missing_shard(self):
        path = self.model()
        os.remove(os.path.join(os.path.dirname(path), 'group1-shard1of1.bin'))
        self.expect(path, 'weights shard missing', 'group1-shard1of1.bin', 'copy it next to model.json')

    def test_truncated_shard(self):
        path = self.model()
        shard = os.path.join(os.path.dirname(path), 'group1-shard1of1.bin')
        data = read_bytes(shard)
        write_bytes(shard, data[:-5])
        self.expect(path, 'does not match the manifest', f'{len(data) - 5} bytes', f'need {len(data)}', 'truncated')

    def test_bad_json_and_graph_models(self):
        path = self.model()
        write_bytes(path, b'{"modelTopology": ')
        self.expect(path, 'not valid JSON')
        write_json(path, {'format': 'graph-model', 'modelTopology': {'node': []}, 'weightsManifest': []})
        self.expect(path, 'graph model')
        self.expect(self.path('nowhere', 'model.json'), 'model file not found')

    def test_weight_missing_from_the_manifest(self):
        self.expect(self.model(weights=[('d/kernel', K)]), '"d/bias"', 'not in the weights manifest')

    def test_channels_first_is_refused(self):
        path = self.model([layer('Conv2D', 'c', filters=1, kernel_size=[1, 1], use_bias=False, data_format='channels_first', batch_input_shape=[None, 1, 2, 2])],
                          [('c/kernel', np.ones((1, 1, 1, 1), np.float32))])
        self.expect(path, 'channels_first', '"c"')


if __name__ == '__main__':
    unittest.main()
