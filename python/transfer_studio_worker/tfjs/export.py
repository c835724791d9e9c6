"""Writing a rebuilt model out: a torch state dict (.pt) and ONNX, both written atomically."""
import inspect
import io
import warnings

import torch

from .errors import ModelError
from .weights import write_atomic


def export_state_dict(model, path):
    """torch.save of model.state_dict(); load_state_dict on a fresh load_layers_model() of the
    same model.json restores it."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    write_atomic(path, buf.getvalue())
    return path


def load_state_dict_file(model, path):
    """Load a .pt written by export_state_dict into `model` (same model.json)."""
    try:
        # a plain dict of tensors: also loads under torch>=2.6's weights_only=True default
        state = torch.load(path, map_location='cpu')
    except FileNotFoundError:
        raise ModelError('state dict file not found', file=path) from None
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise ModelError(f'the state dict does not fit this model ({str(e).splitlines()[0]})', file=path,
                         hint='load it into the model.json it was exported from') from None
    return model


def output_names(n):
    """"output", then "output_1", "output_2", … for models with several outputs."""
    return ['output'] + [f'output_{i}' for i in range(1, n)]


def export_onnx(model, path, opset=13):
    """ONNX with input "input" (NHWC float32 [batch, H, W, C], dynamic batch) and output(s)
    "output"…, traced in eval mode (the model's mode is restored afterwards)."""
    shape = model.input_shape
    if shape is None or None in shape or len(model.input_shapes) != 1:
        raise ModelError('ONNX export needs one input of fixed size', file=getattr(model, 'file', None),
                         hint='set the input size in the model (batch_input_shape)')
    p = next(model.parameters(), None)
    dummy = torch.zeros([2, *shape], device=p.device if p is not None else 'cpu')
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            y = model(dummy)
        names = output_names(len(y) if isinstance(y, list) else 1)
        kwargs = {}
        # torch 2.9 made the dynamo exporter the default; this tracer-based export keeps the
        # same graph on 1.13 and 2.x
        if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
            kwargs['dynamo'] = False
        buf = io.BytesIO()
        with warnings.catch_warnings():
            # torch 1.13's exporter warns about its own constant folding; and SAME pads computed
            # from the input size become constants, which is right: only the batch is dynamic
            warnings.filterwarnings('ignore', category=UserWarning, module=r'torch\.onnx')
            warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
            torch.onnx.export(model, (dummy,), buf, input_names=['input'], output_names=names, opset_version=opset,
                              dynamic_axes={n: {0: 'batch'} for n in ['input', *names]}, do_constant_folding=True, **kwargs)
    finally:
        model.train(was_training)
    write_atomic(path, buf.getvalue())
    return path
