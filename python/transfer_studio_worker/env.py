"""The environment report (what the UI shows before a run) and the device choice of a run.

Everything torch-specific is guarded: the report must come back even when torch cannot be
imported (torch: null and a problem saying why), on torch 1.13 (no torch.compile, no
torch.backends.mps on some builds) and on torch 2.x.
"""
from __future__ import annotations

import os
import platform
import shutil
import sys
from typing import Any, Dict, List, Optional, Tuple

from .protocol import UserError


def _import_torch() -> Tuple[Any, Optional[str]]:
    try:
        import torch  # noqa: WPS433 (import inside: the report works without torch)
        return torch, None
    except Exception as e:  # ImportError, or a broken install raising OSError on a missing .so
        return None, f'{type(e).__name__}: {e}'


def torch_major(torch: Any) -> int:
    try:
        return int(str(torch.__version__).split('.')[0])
    except ValueError:
        return 0


def compile_available(torch: Any) -> bool:
    """torch.compile exists from 2.0 (documented 2.x-only path; 1.13 has no torch.compile)."""
    return torch_major(torch) >= 2 and hasattr(torch, 'compile')


def mps_available(torch: Any) -> bool:
    """torch.backends.mps arrived in 1.12 and only means something on macOS builds."""
    mps = getattr(torch.backends, 'mps', None)
    try:
        return bool(mps and mps.is_available())
    except Exception:
        return False


def cuda_problem(torch: Any) -> Optional[str]:
    """None when CUDA works, else why not, in words a user can act on."""
    if torch.version.cuda is None and getattr(torch.version, 'hip', None) is None:
        return 'torch built without CUDA'
    try:
        torch.cuda.init()  # raises with the driver's own message ("Found no NVIDIA driver…")
        if torch.cuda.device_count() == 0:
            visible = os.environ.get('CUDA_VISIBLE_DEVICES')
            return 'no CUDA device visible' + (f' (CUDA_VISIBLE_DEVICES={visible!r})' if visible is not None else '')
        torch.zeros(1, device='cuda').add_(1).item()  # a device that enumerates but cannot compute
        return None
    except Exception as e:
        return f'CUDA driver problem: {str(e).strip().splitlines()[0]}'


def cuda_devices(torch: Any) -> List[Dict[str, Any]]:
    out = []
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        out.append({'type': 'cuda', 'index': i, 'name': p.name, 'memoryBytes': int(p.total_memory),
                    'capability': f'{p.major}.{p.minor}', 'bf16': p.major >= 8})
    return out


def torchrun_path() -> Optional[str]:
    """The torchrun next to this interpreter first (it belongs to the same torch), then PATH."""
    here = os.path.dirname(sys.executable)
    for name in ('torchrun', 'torchrun.exe', os.path.join('Scripts', 'torchrun.exe')):
        p = os.path.join(here, name)
        if os.path.isfile(p):
            return p
    return shutil.which('torchrun')


def _gb(n: int) -> str:
    return f'{round(n / 1e9)} GB'


def describe_cuda(devices: List[Dict[str, Any]]) -> str:
    names = {d['name'] for d in devices}
    if len(devices) == 1:
        d = devices[0]
        return f'{d["name"]}, {_gb(d["memoryBytes"])}'
    if len(names) == 1:
        return f'{len(devices)}× {devices[0]["name"]}, {_gb(devices[0]["memoryBytes"])} each'
    return ', '.join(f'{d["name"]} {_gb(d["memoryBytes"])}' for d in devices)


def report() -> Dict[str, Any]:
    """The ENV object of the protocol (see python/README.md)."""
    torch, why = _import_torch()
    env: Dict[str, Any] = {
        'python': {'executable': sys.executable, 'version': platform.python_version()},
        'torch': None, 'torchvision': None, 'devices': [], 'mps': False, 'torchrun': torchrun_path(),
        'chosen': {'device': 'cpu', 'reason': ''}, 'problems': [],
    }
    if torch is None:
        env['problems'].append(f'PyTorch cannot be imported in {sys.executable}: {why}')
        env['chosen']['reason'] = f'PyTorch is not installed in {sys.executable}'
        return env
    cudnn = None
    try:
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    except Exception:
        pass
    env['torch'] = {'version': str(torch.__version__), 'cuda': torch.version.cuda, 'cudnn': cudnn, 'compile': compile_available(torch)}
    try:
        import torchvision
        env['torchvision'] = str(torchvision.__version__)
    except Exception as e:
        env['problems'].append(f'torchvision cannot be imported ({type(e).__name__}: {e}): torchvision models are unavailable')
    problem = cuda_problem(torch)
    if problem is None:
        env['devices'] = cuda_devices(torch)
    env['mps'] = mps_available(torch)
    device, reason = _auto(torch, problem, env['devices'], env['mps'])
    env['chosen'] = {'device': device, 'reason': reason}
    if problem and torch.version.cuda is not None:
        env['problems'].append(problem)
    return env


def _auto(torch: Any, cuda_why: Optional[str], devices: List[Dict[str, Any]], mps: bool) -> Tuple[str, str]:
    version = f'PyTorch {torch.__version__}'
    if cuda_why is None:
        return 'cuda', f'{version} on CUDA ({describe_cuda(devices)})'
    if mps:
        return 'mps', f'{version} on Apple MPS ({platform.machine()})'
    return 'cpu', f'{version} on CPU: no CUDA device ({cuda_why})'


CUDA_HINTS = {
    'torch built without CUDA': 'install a CUDA build of PyTorch in this interpreter (see pytorch.org/get-started; e.g. pip install torch --index-url https://download.pytorch.org/whl/cu121), or set the device to "auto" or "cpu"',
    'no CUDA device visible': 'check nvidia-smi and CUDA_VISIBLE_DEVICES, or set the device to "auto" or "cpu"',
    'CUDA driver problem': 'install or update the NVIDIA driver (nvidia-smi must work) to one that supports this torch build\'s CUDA version, or set the device to "auto" or "cpu"',
}


def choose_device(requested: str, local_rank: int = 0) -> Tuple[Any, str]:
    """The torch.device a run uses, and the sentence saying why. Requested but unusable → UserError."""
    torch, why = _import_torch()
    if torch is None:
        raise UserError(f'PyTorch cannot be imported in {sys.executable}: {why}', hint=f'install torch into this interpreter ({sys.executable} -m pip install torch) or choose another interpreter')
    version = f'PyTorch {torch.__version__}'
    if requested in ('auto', 'cuda'):
        problem = cuda_problem(torch)
        if problem is None:
            count = torch.cuda.device_count()
            if local_rank >= count:
                raise UserError(f'process {local_rank} has no GPU: only {count} CUDA device(s) are visible', hint='start as many processes as there are GPUs (engine.nproc)')
            torch.cuda.set_device(local_rank)
            return torch.device('cuda', local_rank), f'{version} on CUDA ({describe_cuda([cuda_devices(torch)[local_rank]])})'
        if requested == 'cuda':
            hint = next((h for k, h in CUDA_HINTS.items() if problem.startswith(k)), CUDA_HINTS['CUDA driver problem'])
            raise UserError(f'CUDA was requested but cannot be used: {problem} ({version}, {sys.executable})', hint=hint)
    if requested in ('auto', 'mps'):
        if mps_available(torch):
            return torch.device('mps'), f'{version} on Apple MPS'
        if requested == 'mps':
            raise UserError(f'Apple MPS was requested but is not available ({version} on {platform.system()} {platform.machine()})',
                            hint='MPS needs macOS 12.3+ on Apple silicon and PyTorch ≥ 1.12 built with MPS; or set the device to "auto" or "cpu"')
    if requested == 'auto':
        return torch.device('cpu'), f'{version} on CPU: no CUDA device ({cuda_problem(torch)})'
    return torch.device('cpu'), f'{version} on CPU (requested)'


def format_report(env: Dict[str, Any]) -> str:
    """The human-readable form of `python -m transfer_studio_worker env`."""
    lines = [f'python       {env["python"]["version"]} ({env["python"]["executable"]})']
    t = env['torch']
    lines.append('torch        ' + (f'{t["version"]} (CUDA {t["cuda"] or "none"}, cuDNN {t["cudnn"] or "none"}, compile {"yes" if t["compile"] else "no"})' if t else 'not installed'))
    lines.append(f'torchvision  {env["torchvision"] or "not installed"}')
    for d in env['devices']:
        lines.append(f'cuda:{d["index"]}       {d["name"]}, {_gb(d["memoryBytes"])}, capability {d["capability"]}{", bf16" if d["bf16"] else ""}')
    lines.append(f'mps          {"yes" if env["mps"] else "no"}')
    lines.append(f'torchrun     {env["torchrun"] or "not found"}')
    lines.append(f'chosen       {env["chosen"]["device"]}: {env["chosen"]["reason"]}')
    lines.extend(f'problem      {p}' for p in env['problems'])
    return '\n'.join(lines)
