"""Command line for tests and debugging:

  python -m transfer_studio_worker.tfjs.tool forward --model M.json --input in.f32 --shape N,H,W,C
      --output out.f32 [--outputs name1,name2] [--weights model.pt]
  python -m transfer_studio_worker.tfjs.tool export --model M.json --out DIR [--onnx] [--pt] [--tfjs]

  python -m transfer_studio_worker.tfjs.tool batch < commands.jsonl

forward reads/writes raw little-endian float32 (several outputs are written one after the other)
and prints one JSON line with the output shapes. batch reads one JSON argv list per line (e.g.
["forward", "--model", …]) and runs them in one process, saving torch's start-up per command;
it prints one JSON line per command, {"error": …} for a command that failed with a ModelError.
A ModelError prints one line and exits 1; anything else is a bug: a traceback and exit 2.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

from . import ModelError, export_onnx, export_state_dict, load_layers_model, load_state_dict_file, save_layers_model


def _forward(args):
    model = load_layers_model(args.model)
    if args.weights:
        load_state_dict_file(model, args.weights)
    shape = [int(d) for d in args.shape.split(',')]
    data = np.fromfile(args.input, dtype='<f4')
    if data.size != int(np.prod(shape)):
        raise ModelError(f'the input holds {data.size} float32 values; --shape {args.shape} needs {int(np.prod(shape))}', file=args.input)
    x = torch.from_numpy(data.reshape(shape).copy())
    with torch.no_grad():
        if args.outputs:
            names = [n for n in args.outputs.split(',') if n]
            got = model.forward_outputs(x, names)
            outs = [(n, got[n]) for n in names]
        else:
            y = model(x)
            ys = y if isinstance(y, list) else [y]
            outs = [(f'output{"" if i == 0 else f"_{i}"}', t) for i, t in enumerate(ys)]
    with open(args.output, 'wb') as f:
        for _, t in outs:
            f.write(t.contiguous().numpy().astype('<f4').tobytes())
    print(json.dumps({'outputs': [{'name': n, 'shape': list(t.shape)} for n, t in outs]}))


def _export(args):
    model = load_layers_model(args.model)
    os.makedirs(args.out, exist_ok=True)
    files = []
    if args.tfjs:
        files.append(save_layers_model(model, args.model, args.out))
    if args.pt:
        files.append(export_state_dict(model, os.path.join(args.out, 'model.pt')))
    if args.onnx:
        files.append(export_onnx(model, os.path.join(args.out, 'model.onnx'), opset=args.opset))
    print(json.dumps({'files': files}))


def _batch(args, parser):
    failed = False
    for line in sys.stdin:
        if not line.strip():
            continue
        sub = parser.parse_args(json.loads(line))
        if sub.command == 'batch':
            raise SystemExit('batch commands cannot nest')
        try:
            COMMANDS[sub.command](sub)
        except ModelError as err:
            failed = True
            print(json.dumps({'error': err.one_line()}))
        sys.stdout.flush()
    if failed:
        raise ModelError('some batch commands failed (see their lines)')


COMMANDS = {'forward': _forward, 'export': _export}


def _parser():
    parser = argparse.ArgumentParser(prog='transfer_studio_worker.tfjs.tool')
    sub = parser.add_subparsers(dest='command', required=True)
    f = sub.add_parser('forward', help='run the rebuilt model on raw float32 input')
    f.add_argument('--model', required=True)
    f.add_argument('--input', required=True)
    f.add_argument('--shape', required=True, help='N,H,W,C')
    f.add_argument('--output', required=True)
    f.add_argument('--outputs', help='comma-separated layer names or paths instead of the model outputs')
    f.add_argument('--weights', help='a .pt state dict to load first')
    e = sub.add_parser('export', help='write TF.js / .pt / ONNX copies')
    e.add_argument('--model', required=True)
    e.add_argument('--out', required=True)
    e.add_argument('--onnx', action='store_true')
    e.add_argument('--pt', action='store_true')
    e.add_argument('--tfjs', action='store_true')
    e.add_argument('--opset', type=int, default=13)
    sub.add_parser('batch', help='run JSON argv lists from stdin, one per line, in one process')
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == 'batch':
            _batch(args, parser)
        else:
            COMMANDS[args.command](args)
    except ModelError as err:
        print(f'error: {err.one_line()}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
