"""Mixed precision and torch.compile: what the plan's engine.amp / engine.compile mean on this
device and torch, with every version-specific API guarded.

2.x-only paths, and their guards:
  torch.compile                   torch ≥ 2 (env.compile_available); 1.13 runs eager
  torch.amp.GradScaler('cuda')    torch ≥ 2.3; older: torch.cuda.amp.GradScaler()
  autocast on 'mps'               tried, and refused with a user error where torch lacks it
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional

import torch

from ..env import compile_available
from ..protocol import UserError


class Accel:
    """AMP dtype and scaler, and the compile decision, for one run on one device."""

    def __init__(self, engine: dict, device: torch.device, log: Callable[[str, str], None]) -> None:
        self.device = device
        self.log = log
        self.dtype = self._amp_dtype(engine['amp'])
        self.scaler = self._scaler() if self.dtype == torch.float16 else None
        self.compile = self._compile(engine['compile'])

    def _amp_dtype(self, amp: str) -> Optional[torch.dtype]:
        kind = self.device.type
        if amp == 'off' or (amp == 'auto' and kind != 'cuda'):
            return None
        if amp == 'auto':
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        dtype = torch.bfloat16 if amp == 'bf16' else torch.float16
        if kind == 'cuda':
            if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
                raise UserError(f'bf16 mixed precision needs a GPU of compute capability 8.0 or newer; {torch.cuda.get_device_name(self.device)} is not',
                                hint='set engine.amp to "fp16" or "auto"')
            return dtype
        if kind == 'cpu' and dtype == torch.float16:
            raise UserError('fp16 mixed precision needs CUDA', hint='use "bf16" on the CPU, or "off"')
        try:
            with torch.autocast(device_type=kind, dtype=dtype):
                pass
        except Exception as e:
            raise UserError(f'{amp} mixed precision is not available on {kind} with PyTorch {torch.__version__}: {e}', hint='set engine.amp to "off"') from None
        return dtype

    @staticmethod
    def _scaler() -> Any:
        amp = getattr(torch, 'amp', None)
        if amp is not None and hasattr(amp, 'GradScaler'):
            try:
                return amp.GradScaler('cuda')  # torch ≥ 2.3
            except TypeError:
                pass
        return torch.cuda.amp.GradScaler()

    def _compile(self, mode: str) -> bool:
        if mode == 'off':
            return False
        if not compile_available(torch):
            if mode == 'on':
                raise UserError(f'torch.compile needs PyTorch 2 or newer; this interpreter has {torch.__version__}', hint='set engine.compile to "auto" or "off", or upgrade torch')
            return False
        return mode == 'on' or self.device.type == 'cuda'

    def autocast(self) -> Any:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def describe(self) -> str:
        amp = 'off' if self.dtype is None else {torch.bfloat16: 'bf16', torch.float16: 'fp16 with loss scaling'}[self.dtype]
        return f'mixed precision {amp}; torch.compile {"on" if self.compile else "off"}'


class MaybeCompiled:
    """A module's forward, compiled when asked to. Compilation happens at the first call, so the
    first step runs under `first_step`: when it fails the run falls back to eager mode with a log
    line instead of failing (torch.compile does not support every model or platform)."""

    def __init__(self, module: torch.nn.Module, enabled: bool, log: Callable[[str, str], None]) -> None:
        self.module = module
        self.log = log
        self.fn: Callable[..., Any] = module
        self.pending = False
        if enabled:
            try:
                self.fn = torch.compile(module)  # type: ignore[attr-defined]  (torch ≥ 2, see Accel._compile)
                self.pending = True
            except Exception as e:
                log(f'torch.compile unavailable ({type(e).__name__}: {e}); running eagerly', 'warn')

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def first_step(self, step: Callable[[], Any], reset: Callable[[], None]) -> Any:
        if not self.pending:
            return step()
        self.pending = False
        try:
            return step()
        except UserError:
            raise
        except Exception as e:
            self.log(f'torch.compile failed on the first step ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}); continuing without it', 'warn')
            self.fn = self.module
            reset()
            return step()
