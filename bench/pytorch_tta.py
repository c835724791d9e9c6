"""The peer of the P0 benchmark (bench/timeToAccuracy.ts): the standard PyTorch feature-extraction
loop of torchvision's fine-tuning tutorial — the pre-trained base frozen and run on every batch of
every epoch, a new Linear head, Adam, cross-entropy, validation accuracy after each epoch — on the
same images, split, image size and base as Transfer Studio's run, on the same cores. Prints one
JSON line: seconds since start (model loading included) and validation accuracy per epoch.

  python bench/pytorch_tta.py SPEC.json   (SPEC: model.json, cut, image, preprocess, train/val lists, epochs, threads)
"""
import json
import sys
import time

t0 = time.perf_counter()
import numpy as np
import torch

spec = json.load(open(sys.argv[1]))
torch.set_num_threads(spec['threads'])
torch.manual_seed(spec.get('seed', 42))
from transfer_studio_worker.tfjs import load_layers_model
from transfer_studio_worker.data import decode_image

model = load_layers_model(spec['modelJson'])
model.eval()
for p in model.parameters():
    p.requires_grad_(False)
h, w, c = spec['image']['height'], spec['image']['width'], spec['image']['channels']


def load(items):
    xs = np.stack([decode_image(f, h, w, c) for f, _ in items]).astype(np.float32)
    xs = xs / 127.5 - 1 if spec['preprocess'] == '-1,1' else xs / 255
    return torch.from_numpy(xs), torch.tensor([y for _, y in items])


class Images(torch.utils.data.Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        f, y = self.items[i]
        x = decode_image(f, h, w, c).astype(np.float32)
        x = x / 127.5 - 1 if spec['preprocess'] == '-1,1' else x / 255
        return torch.from_numpy(x), y


train = torch.utils.data.DataLoader(Images(spec['train']), batch_size=spec['batchSize'], shuffle=True)
val = torch.utils.data.DataLoader(Images(spec['validation']), batch_size=spec['batchSize'])


def features(x):
    with torch.no_grad():
        return model.forward_outputs(x, [spec['cut']])[spec['cut']].flatten(1)


dim = features(torch.zeros(1, h, w, c)).shape[1]
head = torch.nn.Linear(dim, spec['classes'])
opt = torch.optim.Adam(head.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
history = []
for epoch in range(spec['epochs']):
    head.train()
    for x, y in train:
        opt.zero_grad()
        loss_fn(head(features(x)), y).backward()
        opt.step()
    head.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in val:
            correct += int((head(features(x)).argmax(1) == y).sum())
            total += len(y)
    history.append({'seconds': time.perf_counter() - t0, 'valAccuracy': correct / total})
print(json.dumps({'torch': torch.__version__, 'history': history}))
