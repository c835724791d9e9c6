"""The model API on a Teachable-Machine-shaped model (outer Sequential -> Sequential ->
functional backbone, then a Sequential head): forward vs numpy, layer names, forward_outputs,
set_frozen, split_at; and functional graphs with shared layers and several outputs."""
import unittest

import numpy as np
import torch

from test_tfjs_helpers import (TempDirTest, conv_ref, functional, input_layer, layer, rand, sequential, write_model)

from transfer_studio_worker.tfjs import ModelError, load_layers_model

W = {
    'conv/kernel': rand((3, 3, 3, 4), 1),
    'bn/gamma': rand((4,), 2, 0.5, 1.5), 'bn/beta': rand((4,), 3), 'bn/moving_mean': rand((4,), 4), 'bn/moving_variance': rand((4,), 5, 0.5, 2),
    'conv2/kernel': rand((1, 1, 4, 4), 6), 'conv2/bias': rand((4,), 7),
    'dense1/kernel': rand((4, 5), 8), 'dense1/bias': rand((5,), 9),
    'dense2/kernel': rand((5, 3), 10),
}


def tm_like():
    backbone = functional('backbone', [
        input_layer('img', [7, 7, 3]),
        layer('ZeroPadding2D', 'pad', [['img']], padding=[[0, 1], [0, 1]]),
        layer('Conv2D', 'conv', [['pad']], filters=4, kernel_size=[3, 3], strides=[2, 2], padding='valid', use_bias=False),
        layer('BatchNormalization', 'bn', [['conv']], axis=-1, momentum=0.999, epsilon=1e-3),
        layer('ReLU', 'relu', [['bn']], max_value=6),
        layer('Conv2D', 'conv2', [['relu']], filters=4, kernel_size=[1, 1], padding='same'),
        layer('Add', 'add', [['relu', 'conv2']]),
    ], ['img'], ['add'])
    features = sequential('features', [backbone, layer('GlobalAveragePooling2D', 'gap')])
    head = sequential('head', [layer('Dense', 'dense1', units=5, activation='relu', batch_input_shape=[None, 4]),
                               layer('Dense', 'dense2', units=3, activation='softmax', use_bias=False)])
    return sequential('outer', [features, head])


def reference(x):
    """The same model in numpy: returns every intermediate the tests read."""
    r = {}
    r['pad'] = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))
    r['conv'] = conv_ref(r['pad'], W['conv/kernel'], (2, 2))
    r['bn'] = (r['conv'] - W['bn/moving_mean']) / np.sqrt(W['bn/moving_variance'] + 1e-3) * W['bn/gamma'] + W['bn/beta']
    r['relu'] = np.clip(r['bn'], 0, 6)
    r['add'] = r['relu'] + conv_ref(r['relu'], W['conv2/kernel']) + W['conv2/bias']
    r['gap'] = r['add'].mean(axis=(1, 2))
    r['dense1'] = np.maximum(r['gap'] @ W['dense1/kernel'] + W['dense1/bias'], 0)
    logits = r['dense1'] @ W['dense2/kernel']
    r['dense2'] = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return r


class NestedModelTest(TempDirTest):
    def setUp(self):
        super().setUp()
        # TF.js order: trainable weights first, then the moving statistics
        order = [k for k in W if 'moving' not in k] + [k for k in W if 'moving' in k]
        self.file = write_model(self.path('tm'), tm_like(), [(k, W[k]) for k in order])
        self.m = load_layers_model(self.file)
        self.x = rand((2, 7, 7, 3), 11)
        self.ref = reference(self.x.astype(np.float64))

    def test_forward_matches_numpy_and_input_shape(self):
        self.assertEqual(self.m.input_shape, [7, 7, 3])
        self.assertClose(self.run_nhwc(self.m, self.x), self.ref['dense2'])

    def test_leaf_layers_in_execution_order_bare_and_as_paths(self):
        names = [n for n, _, _ in self.m.leaf_layers()]
        self.assertEqual(names, ['pad', 'conv', 'bn', 'relu', 'conv2', 'add', 'gap', 'dense1', 'dense2'])
        paths = [n for n, _, _ in self.m.leaf_layers(paths=True)]
        self.assertEqual(paths[0], 'features/backbone/pad')
        self.assertEqual(paths[-1], 'head/dense2')
        self.assertEqual([c for _, c, _ in self.m.leaf_layers()][:3], ['ZeroPadding2D', 'Conv2D', 'BatchNormalization'])

    def test_forward_outputs_by_bare_name_path_and_container(self):
        with torch.no_grad():
            got = self.m.forward_outputs(torch.from_numpy(self.x), ['conv', 'features/backbone/bn', 'outer/features/backbone/relu', 'backbone', 'features', 'dense1'])
        self.assertClose(got['conv'].numpy(), self.ref['conv'])
        self.assertClose(got['features/backbone/bn'].numpy(), self.ref['bn'])
        self.assertClose(got['outer/features/backbone/relu'].numpy(), self.ref['relu'])
        self.assertClose(got['backbone'].numpy(), self.ref['add'])
        self.assertClose(got['features'].numpy(), self.ref['gap'])
        self.assertClose(got['dense1'].numpy(), self.ref['dense1'])

    def test_unknown_layer_name(self):
        with self.assertRaises(ModelError) as cm:
            self.m.forward_outputs(torch.from_numpy(self.x), ['nope'])
        self.assertIn('no layer "nope"', str(cm.exception))

    def test_set_frozen_removes_gradients_of_exactly_those_layers(self):
        self.m.train(True)
        self.m.set_frozen(['conv', 'dense1'])
        self.m(torch.from_numpy(self.x)).sum().backward()
        modules = {n: mod for n, _, mod in self.m.leaf_layers()}
        self.assertIsNone(modules['conv'].weight.grad)
        self.assertIsNone(modules['dense1'].weight.grad)
        self.assertFalse(modules['conv'].weight.requires_grad)
        self.assertIsNotNone(modules['conv2'].weight.grad)
        self.assertIsNotNone(modules['dense2'].weight.grad)
        self.m.set_frozen(['features'])  # a nested model: every leaf inside
        frozen = {n for n, _, mod in self.m.leaf_layers() if mod.frozen}
        self.assertEqual(frozen, {'pad', 'conv', 'bn', 'relu', 'conv2', 'add', 'gap'})
        self.m.set_frozen([])
        self.assertTrue(all(p.requires_grad for p in self.m.parameters()))

    def test_split_at_shares_parameters_and_composes_to_the_whole(self):
        base, head = self.m.split_at(['head'])
        x = torch.from_numpy(self.x)
        with torch.no_grad():
            features = base(x)
            self.assertClose(features.numpy(), self.ref['gap'])
            self.assertClose(head(features).numpy(), self.ref['dense2'])
        self.assertEqual(head.input_shape, [4])
        self.assertEqual(base.input_shape, [7, 7, 3])
        ids = lambda mod: {id(p) for p in mod.parameters()}  # noqa: E731
        self.assertEqual(ids(base) | ids(head), ids(self.m))
        self.assertFalse(ids(base) & ids(head))
        before = self.run_nhwc(self.m, self.x)
        opt = torch.optim.SGD(head.parameters(), lr=1.0)
        head(base(x).detach()).pow(2).sum().backward()
        opt.step()
        self.assertGreater(np.abs(self.run_nhwc(self.m, self.x) - before).max(), 1e-4, 'training the head changed the whole model')

    def test_split_at_refuses_what_is_not_a_head(self):
        with self.assertRaises(ModelError):
            self.m.split_at(['features'])  # not at the end
        with self.assertRaises(ModelError):
            self.m.split_at(['dense2'])  # not top-level
        with self.assertRaises(ModelError):
            self.m.split_at([])


class FunctionalGraphTest(TempDirTest):
    def test_shared_layer_called_twice_and_two_outputs(self):
        k, b = rand((3, 3), 1), rand((3,), 2)
        layers = [input_layer('a', [3]), input_layer('b', [3]),
                  layer('Dense', 'shared', [['a'], ['b']], units=3),
                  layer('Add', 'sum', [[('shared', 0, 0), ('shared', 1, 0)]]),
                  layer('Activation', 'act', [[('shared', 1, 0)]], activation='tanh')]
        m = load_layers_model(write_model(self.path('f'), functional('f', layers, ['a', 'b'], ['sum', 'act']), [('shared/kernel', k), ('shared/bias', b)]))
        a, c = rand((2, 3), 3), rand((2, 3), 4)
        with torch.no_grad():
            y = m([torch.from_numpy(a), torch.from_numpy(c)])
        self.assertIsInstance(y, list)
        self.assertClose(y[0].numpy(), (a @ k + b) + (c @ k + b))
        self.assertClose(y[1].numpy(), np.tanh(c @ k + b))
        self.assertEqual(len(m.leaf_layers()), 3, 'a shared layer is listed once')

    def test_split_at_a_functional_chain(self):
        layers = [input_layer('in', [4]), layer('Dense', 'body', [['in']], units=4, activation='relu'),
                  layer('Dense', 'h1', [['body']], units=3), layer('Dropout', 'h2', [['h1']], rate=0.5), layer('Softmax', 'h3', [['h2']])]
        weights = [('body/kernel', rand((4, 4), 1)), ('body/bias', rand((4,), 2)), ('h1/kernel', rand((4, 3), 3)), ('h1/bias', rand((3,), 4))]
        m = load_layers_model(write_model(self.path('c'), functional('c', layers, ['in'], ['h3']), weights))
        base, head = m.split_at(['h1', 'h2', 'h3'])
        x = torch.from_numpy(rand((2, 4), 5))
        with torch.no_grad():
            self.assertClose(head(base(x)).numpy(), m(x).numpy())
        self.assertEqual([n for n, _, _ in head.leaf_layers()], ['h1', 'h2', 'h3'])
        with self.assertRaises(ModelError):
            m.split_at(['h1', 'h3'])  # a gap: not a chain

    def test_duplicate_leaf_names_in_nested_models(self):
        inner = lambda name: sequential(name, [layer('Dense', 'd', units=2, use_bias=False, batch_input_shape=[None, 2])])  # noqa: E731
        k1, k2 = rand((2, 2), 1), rand((2, 2), 2)
        m = load_layers_model(write_model(self.path('dup'), sequential('outer', [inner('first'), inner('second')]), [('d/kernel', k1), ('d/kernel', k2)]))
        x = rand((3, 2), 3)
        self.assertClose(self.run_nhwc(m, x), x @ k1 @ k2)
        with self.assertRaises(ModelError) as cm:
            m.forward_outputs(torch.from_numpy(x), ['d'])
        self.assertIn('ambiguous', str(cm.exception))
        with torch.no_grad():
            self.assertClose(m.forward_outputs(torch.from_numpy(x), ['first/d'])['first/d'].numpy(), x @ k1)


if __name__ == '__main__':
    unittest.main()
