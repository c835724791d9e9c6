"""TF.js layer class name -> torch module, one family per file: supporting a new layer is one
entry in one family's LAYERS."""
from ..errors import ModelError
from . import activations, convolutional, core, merge, normalization, pooling, preprocessing, regularization, reshaping
from .base import Layer

LAYERS = {
    **core.LAYERS,
    **convolutional.LAYERS,
    **pooling.LAYERS,
    **normalization.LAYERS,
    **merge.LAYERS,
    **reshaping.LAYERS,
    **activations.LAYERS,
    **regularization.LAYERS,
    **preprocessing.LAYERS,
}


def layer_class(class_name, layer_name, file=None):
    """The module class for a TF.js layer class; an unsupported one is refused by name."""
    cls = LAYERS.get(class_name)
    if cls is None:
        raise ModelError(f'layer "{layer_name}" ({class_name}) is not supported by the PyTorch engine', file=file, layer=layer_name,
                         hint='use the TF.js engine for this model, or cut the model below this layer')
    return cls


__all__ = ['LAYERS', 'Layer', 'layer_class']
