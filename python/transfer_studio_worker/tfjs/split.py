"""Splitting a model into base and head at a chain of top-level layers, sharing parameters."""
import torch

from .errors import ModelError
from .graph import Graph


def _prune(steps, wanted):
    """The steps needed to compute the refs in `wanted`, in their order."""
    need, keep = set(wanted), []
    for step in reversed(steps):
        if any(r in need for r in step.outputs):
            keep.append(step)
            need.update(step.inputs)
    return keep[::-1]


def _view(graph, name, steps, inputs, outputs, input_shapes):
    modules = {s.key: graph.layers[s.key] for s in steps}
    return Graph(name, modules, steps, inputs, outputs, input_shapes)


def _feature_shape(base):
    """The head's input shape: run the base once on zeros, in eval mode, restoring modes after."""
    if any(s is None or None in s for s in base.input_shapes):
        return None
    modes = [(m, m.training) for m in base.modules()]
    base.eval()
    try:
        with torch.no_grad():
            p = next(base.parameters(), None)
            xs = [torch.zeros([1, *s], device=p.device if p is not None else 'cpu') for s in base.input_shapes]
            y = base(xs)
    finally:
        for m, mode in modes:
            m.training = mode
    return list(y.shape[1:])


def split_model(model, head_layer_names):
    """base: inputs -> the tensor feeding the first head layer; head: that tensor -> outputs.

    head_layer_names are top-level layers forming a chain at the end of the outer graph (each
    called once, one input, one output, the last one giving the model's only output)."""
    from .model import LayersModel
    graph = model.graph
    names = list(head_layer_names)
    if not names:
        raise ModelError('split_at needs at least one head layer', file=model.file)
    by_name = {s.name: s for s in graph.steps}
    for n in names:
        if n not in by_name:
            raise ModelError(f'"{n}" is not a top-level layer of the model', file=model.file, layer=n,
                             hint=f'top-level layers: {", ".join(s.name for s in graph.steps)}')
    head = [s for s in graph.steps if s.name in names]
    if len(head) != len(set(names)):
        raise ModelError('a head layer is called more than once; it cannot be split off', file=model.file)
    if len(graph.outputs) != 1 or head[-1].outputs != graph.outputs:
        raise ModelError(f'the head must end at the model\'s only output; "{head[-1].name}" does not', file=model.file, layer=head[-1].name)
    for prev, step in zip(head, head[1:]):
        if step.inputs != prev.outputs:
            raise ModelError(f'head layers must form a chain: "{step.name}" does not read "{prev.name}"', file=model.file, layer=step.name)
    if any(len(s.inputs) != 1 or len(s.outputs) != 1 for s in head):
        raise ModelError('head layers must each have one input and one output', file=model.file)
    head_outputs = {r for s in head for r in s.outputs}
    for s in graph.steps:
        if s not in head and any(r in head_outputs for r in s.inputs):
            raise ModelError(f'layer "{s.name}" reads a head layer\'s output, so the head is not at the end', file=model.file, layer=s.name)
    feature = head[0].inputs[0]
    base_steps = _prune([s for s in graph.steps if s not in head], [feature])
    base_graph = _view(graph, f'{graph.layer_name}_base', base_steps, graph.inputs, [feature], graph.input_shapes)
    base = LayersModel(base_graph, graph.input_shapes, file=model.file)
    shape = _feature_shape(base)
    head_graph = _view(graph, f'{graph.layer_name}_head', head, [feature], graph.outputs, [shape])
    head_model = LayersModel(head_graph, [shape], file=model.file)
    for part in (base, head_model):  # the shared layers keep their mode; the wrappers follow it
        part.train(model.training)
    return base, head_model
