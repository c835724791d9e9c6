"""Checkpoints: runDir/checkpoint after every epoch (and at a stop), runDir/best when the monitored
value improved. Each holds state.pt (model, optimizer, scaler, phase, epoch, the batch reached
within the next epoch, RNG states, the monitor and plateau state), metadata.json (the plan's
metadata with extra {phase, epoch}, so the TF.js engine can resume or evaluate it) and, for a
TF.js model, model.json + weights.bin. Written to a temporary folder, then renamed into place:
a crash mid-write never leaves a half checkpoint under the real name."""
from __future__ import annotations

import json
import os
import shutil
from typing import Any, Dict

import torch

from ..protocol import UserError
from ..torchvision_models import torch_load
from .model import Adapted


def write(folder: str, adapted: Adapted, state: Dict[str, Any], extra: Dict[str, Any]) -> str:
    parent = os.path.dirname(folder) or '.'
    os.makedirs(parent, exist_ok=True)
    tmp = f'{folder}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    adapted.write_model_files(tmp)
    torch.save(state, os.path.join(tmp, 'state.pt'))
    with open(os.path.join(tmp, 'metadata.json'), 'w', encoding='utf-8') as f:
        json.dump(adapted.metadata(extra), f, indent=2)
    old = f'{folder}.old-{os.getpid()}'
    if os.path.exists(folder):
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def rng_state() -> Dict[str, Any]:
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    return {'torch': torch.get_rng_state(), 'cuda': cuda}


def set_rng_state(s: Dict[str, Any]) -> None:
    torch.set_rng_state(s['torch'])
    if s.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(s['cuda'])


def read(folder: str) -> Dict[str, Any]:
    path = os.path.join(folder, 'state.pt')
    if not os.path.isfile(path):
        hint = ('this looks like a TF.js-engine checkpoint: resume it with the TF.js engine, or start from its model.json'
                if os.path.isfile(os.path.join(folder, 'model.json')) else 'give a runDir/checkpoint or runDir/best folder of a PyTorch run')
        raise UserError('not a PyTorch checkpoint: state.pt is missing', file=folder, hint=hint)
    try:
        state = torch_load(path, ours=True)
    except Exception as e:
        raise UserError(f'cannot read the checkpoint: {type(e).__name__}: {e}', file=path, hint='the file is damaged; resume from runDir/best or start again') from None
    if not isinstance(state, dict) or state.get('version') != 1:
        raise UserError('unknown checkpoint format', file=path, hint='it was written by another version of Transfer Studio')
    return state
