"""TF.js layers models in PyTorch: rebuild model.json + shards as a torch.nn.Module, and write
it back (TF.js layers format, .pt state dict, ONNX)."""
from .errors import ModelError
from .export import export_onnx, export_state_dict, load_state_dict_file
from .model import LayersModel, load_layers_model, save_layers_model

__all__ = ['LayersModel', 'ModelError', 'export_onnx', 'export_state_dict', 'load_layers_model',
           'load_state_dict_file', 'save_layers_model']
