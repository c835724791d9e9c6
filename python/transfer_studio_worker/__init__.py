"""Transfer Studio's Python worker: trains the adapted model with PyTorch in the user's own
interpreter (CUDA, Apple MPS, several GPUs with torchrun), speaking the same JSON-lines protocol
as the TF.js worker. See python/README.md; `python -m transfer_studio_worker --help`."""
from .protocol import PROTOCOL_VERSION

__version__ = '0.1.0'
__all__ = ['PROTOCOL_VERSION', '__version__']
