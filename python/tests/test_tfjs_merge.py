"""Merge layers in a functional graph, incl. Concatenate on the channel axis (-1) of images."""
import os
import unittest

import numpy as np
import torch

from test_tfjs_helpers import TempDirTest, functional, input_layer, layer, rand, write_model

from transfer_studio_worker.tfjs import load_layers_model


class MergeTest(TempDirTest):
    def two_inputs(self, cls, shape_a, shape_b, **config):
        layers = [input_layer('a', shape_a), input_layer('b', shape_b), layer(cls, 'm', inbound=[['a', 'b']], **config)]
        path = write_model(self.path(f'{cls}{len(os.listdir(self.tmp))}'), functional('f', layers, ['a', 'b'], ['m']), [])
        return load_layers_model(path)

    def test_elementwise(self):
        a, b = rand((2, 3, 4, 2), 1), rand((2, 3, 4, 2), 2)
        cases = {'Add': a + b, 'Subtract': a - b, 'Multiply': a * b, 'Average': (a + b) / 2, 'Maximum': np.maximum(a, b), 'Minimum': np.minimum(a, b)}
        for cls, want in cases.items():
            with self.subTest(cls=cls):
                m = self.two_inputs(cls, [3, 4, 2], [3, 4, 2])
                with torch.no_grad():
                    self.assertClose(m([torch.from_numpy(a), torch.from_numpy(b)]).numpy(), want)

    def test_multiply_broadcasts_a_squeeze_excite_gate(self):
        a, g = rand((2, 3, 4, 2), 3), rand((2, 1, 1, 2), 4)
        m = self.two_inputs('Multiply', [3, 4, 2], [1, 1, 2])
        with torch.no_grad():
            self.assertClose(m([torch.from_numpy(a), torch.from_numpy(g)]).numpy(), a * g)

    def test_concatenate_axes(self):
        a, b = rand((2, 3, 4, 2), 5), rand((2, 3, 4, 3), 6)
        for axis in (-1, 3):
            with self.subTest(axis=axis):
                m = self.two_inputs('Concatenate', [3, 4, 2], [3, 4, 3], axis=axis)
                with torch.no_grad():
                    self.assertClose(m([torch.from_numpy(a), torch.from_numpy(b)]).numpy(), np.concatenate([a, b], axis=-1))
        c = rand((2, 5, 4, 2), 7)
        m = self.two_inputs('Concatenate', [3, 4, 2], [5, 4, 2], axis=1)
        with torch.no_grad():
            self.assertClose(m([torch.from_numpy(a), torch.from_numpy(c)]).numpy(), np.concatenate([a, c], axis=1))


if __name__ == '__main__':
    unittest.main()
