"""The worker ⇄ parent protocol, Python side: JSON lines, one object per line.

The TypeScript zod schemas in src/core/protocol/worker.ts are THE schema; the field lists here
mirror them so that the worker never sends a line the parent would drop. Every event goes through
`check_event` before it is written, and every command through `parse_command` when it arrives.
No torch import here: the worker must be able to say "PyTorch is missing" over this protocol.
"""
from __future__ import annotations

import math
import traceback
from typing import Any, Callable, Dict, List, Optional

PROTOCOL_VERSION = 3

PHASES = ('head', 'fineTune', 'baseline', 'extract')
LEVELS = ('trace', 'debug', 'info', 'warn', 'error')


class UserError(Exception):
    """An error the user can act on: bad file, bad plan, unusable device, diverged loss."""

    def __init__(self, message: str, file: Optional[str] = None, hint: Optional[str] = None, json_path: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.hint = hint
        self.json_path = json_path


class ProtocolError(UserError):
    """A command that does not match the protocol; names the field."""


def error_info(e: BaseException) -> Dict[str, Any]:
    """The protocol's ErrorInfo: user errors without a stack, anything else is a bug (with one)."""
    if isinstance(e, UserError):
        info: Dict[str, Any] = {'message': e.message, 'user': True}
        if e.file:
            info['file'] = str(e.file)
        if e.hint:
            info['hint'] = e.hint
        if e.json_path:
            info['jsonPath'] = e.json_path
        return info
    message = str(e) or type(e).__name__
    return {'message': f'{type(e).__name__}: {message}', 'user': False, 'stack': ''.join(traceback.format_exception(type(e), e, e.__traceback__))}


# --- type checks, one per zod type used by the schema ---------------------------------------

Check = Callable[[Any], bool]


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _int(v: Any) -> bool:
    return _num(v) and float(v).is_integer()


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _nullable(c: Check) -> Check:
    return lambda v: v is None or c(v)


def _enum(*values: str) -> Check:
    return lambda v: v in values


def _list(c: Check) -> Check:
    return lambda v: isinstance(v, list) and all(c(x) for x in v)


def _metrics(v: Any) -> bool:
    return isinstance(v, dict) and all(_str(k) and (x is None or _num(x)) for k, x in v.items())


def _any(_v: Any) -> bool:
    return True


def _obj(required: Dict[str, Check], optional: Optional[Dict[str, Check]] = None) -> Check:
    return lambda v: isinstance(v, dict) and not _problems(v, required, optional or {}, '')


_ERROR_INFO = _obj({'message': _str, 'user': _bool}, {'file': _str, 'hint': _str, 'jsonPath': _str, 'stack': _str})
_PHASE = _enum(*PHASES)

# type → (required fields, optional fields). Keep in step with WorkerEventSchema.
EVENTS: Dict[str, tuple] = {
    'ready': ({'protocol': _num, 'pid': _num}, {}),
    'log': ({'level': _enum(*LEVELS), 'message': _str}, {}),
    'progress': ({'phase': _PHASE, 'done': _num, 'total': _num, 'message': _str}, {}),
    'epochStart': ({'phase': _PHASE, 'epoch': _num, 'epochs': _num, 'learningRate': _num, 'batches': _num}, {}),
    'batchEnd': ({'phase': _PHASE, 'epoch': _num, 'batch': _num, 'batches': _num, 'loss': _nullable(_num), 'metrics': _metrics,
                  'imagesPerSec': _num, 'etaSec': _nullable(_num)}, {}),
    'epochEnd': ({'phase': _PHASE, 'epoch': _num, 'epochs': _num, 'logs': _metrics, 'durationMs': _num, 'etaSec': _nullable(_num), 'tensors': _num}, {}),
    'checkpoint': ({'path': _str, 'epoch': _num, 'phase': _PHASE, 'best': _bool}, {'monitor': _str, 'value': _nullable(_num)}),
    'phaseEnd': ({'phase': _PHASE, 'epochsRun': _num, 'keptEpoch': _num, 'reason': _enum('converged', 'cap', 'stopped'), 'message': _str},
                 {'monitor': _obj({'name': _str, 'value': _nullable(_num), 'mode': _enum('min', 'max')})}),
    'outputs': ({'split': _str, 'files': _list(_str), 'values': _list(_list(_num))}, {}),
    'done': ({'output': _str, 'stopped': _bool, 'durationMs': _num}, {}),
    'error': ({'error': _ERROR_INFO}, {'id': _num}),
    'result': ({'id': _num, 'value': _any}, {}),
}

_MODEL_REF = lambda v: isinstance(v, dict) and _str(v.get('kind'))  # noqa: E731 (details: torchvision_models.model_spec)

# type → (required, optional). What this worker accepts (the TS side's PyTorch commands).
COMMANDS: Dict[str, tuple] = {
    'env': ({'id': _int}, {}),
    'train': ({'plan': lambda v: isinstance(v, dict)}, {}),
    'inspect': ({'id': _int, 'model': _MODEL_REF}, {}),
    'predict': ({'id': _int, 'model': _str, 'files': _list(_str)}, {'topK': lambda v: _int(v) and v >= 1}),
    'stop': ({}, {}),
    'shutdown': ({}, {}),
}


def _problems(value: Dict[str, Any], required: Dict[str, Check], optional: Dict[str, Check], where: str) -> List[str]:
    out = []
    for k, check in required.items():
        if k not in value:
            out.append(f'{where}{k}: missing')
        elif not check(value[k]):
            out.append(f'{where}{k}: invalid value {_short(value[k])}')
    for k, v in value.items():
        if k in required or k == 'type':
            continue
        if k not in optional:
            out.append(f'{where}{k}: unknown field')
        elif not optional[k](v):
            out.append(f'{where}{k}: invalid value {_short(v)}')
    return out


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + '...'


def event_problems(event: Any) -> List[str]:
    """Why `event` would not validate against WorkerEventSchema ([] when it would)."""
    if not isinstance(event, dict):
        return ['not an object']
    spec = EVENTS.get(event.get('type'))  # type: ignore[arg-type]
    if spec is None:
        return [f'type: unknown event type {event.get("type")!r}']
    return _problems(event, spec[0], spec[1], '')


def parse_command(value: Any) -> Dict[str, Any]:
    """A command as received (decoded JSON) → the same dict, or ProtocolError naming the field."""
    if not isinstance(value, dict):
        raise ProtocolError('invalid command: expected a JSON object')
    kind = value.get('type')
    spec = COMMANDS.get(kind)  # type: ignore[arg-type]
    if spec is None:
        raise ProtocolError(f'invalid command: type: unknown command {kind!r} (expected one of {", ".join(COMMANDS)})',
                            hint='the extension and the Python worker disagree: update both to the same version')
    problems = _problems(value, spec[0], spec[1], '')
    if problems:
        raise ProtocolError(f'invalid {kind} command: ' + '; '.join(problems))
    return value


def command_id(value: Any) -> Optional[int]:
    """The request id of a (possibly invalid) command, so an error can answer it."""
    if isinstance(value, dict) and _int(value.get('id')):
        return int(value['id'])
    return None


def finite_or_none(x: Optional[float]) -> Optional[float]:
    """JSON has no NaN/Infinity: a nullable number field gets null instead."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
