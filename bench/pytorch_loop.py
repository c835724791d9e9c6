"""The reference of the PyTorch engine's benchmark (bench/pytorchEngine.ts): a plain hand-written
PyTorch training loop on the same model (the adapted model.json of the engine's own run, rebuilt in
torch), the same images, image size, batch size, optimizer and epochs — a DataLoader decoding with
PIL, forward, loss, backward, step, a validation pass — and nothing else: no protocol, no events, no
checkpoints. Prints one JSON line: seconds per epoch.

  python bench/pytorch_loop.py RUN_DIR/plan/plan.json EPOCHS
"""
import json
import os
import sys
import time

import numpy as np
import torch

plan = json.load(open(sys.argv[1]))
epochs = int(sys.argv[2])
torch.manual_seed(plan['training']['seed'])
# as the engine does on the CPU: every core of this process computes
if os.environ.get('OMP_NUM_THREADS') is None:
    torch.set_num_threads(max(torch.get_num_threads(), len(os.sched_getaffinity(0))))
from transfer_studio_worker.data import decode_image, default_workers
from transfer_studio_worker.tfjs import load_layers_model

image = plan['data']['image']
h, w, c, pre = image['height'], image['width'], image['channels'], image['preprocess']
model = load_layers_model(plan['model']['modelJson'])
for p in model.parameters():
    p.requires_grad_(True)


class Images(torch.utils.data.Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        e = self.items[i]
        x = decode_image(e['file'], h, w, c).astype(np.float32)
        x = x / 127.5 - 1 if pre == '-1,1' else x / 255
        return torch.from_numpy(x), int(np.argmax(e['y']))


bs = plan['training']['batchSize']
workers = default_workers()
train = torch.utils.data.DataLoader(Images(plan['data']['train']), batch_size=bs, shuffle=True, num_workers=workers)
val = torch.utils.data.DataLoader(Images(plan['data']['validation']), batch_size=bs, num_workers=workers)
opt = torch.optim.Adam(model.parameters(), lr=plan['training']['phases'][0]['learningRate'])
times = []
for epoch in range(epochs):
    t0 = time.perf_counter()
    model.train()
    for x, y in train:
        opt.zero_grad()
        p = model(x).clamp(1e-7, 1 - 1e-7)
        loss = torch.nn.functional.nll_loss(torch.log(p), y)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for x, y in val:
            model(x)
    times.append(time.perf_counter() - t0)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'workers': workers, 'epochSeconds': times}))
