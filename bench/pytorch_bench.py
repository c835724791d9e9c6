"""The PyTorch side of `npm run bench`: torchvision's MobileNetV2 (width 1.0) on the CPU, same input
size, batch and steps as the TF.js side. Prints one JSON object. A reference, not a dependency."""
import json, sys, time
import torch, torchvision

size, batch, steps, threads = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.mobilenet_v2(num_classes=10)
x = torch.randn(batch, 3, size, size)
y = torch.randint(0, 10, (batch,))
loss_fn = torch.nn.CrossEntropyLoss()


def median(f, n):
    f()  # warm-up
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


model.eval()
with torch.no_grad():
    predict = median(lambda: model(x), steps)

# frozen base: features without gradients, only the classifier trains (BatchNorm in inference mode)
for p in model.features.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD(model.classifier.parameters(), lr=0.01)
def frozen_step():
    opt.zero_grad()
    with torch.no_grad():
        f = torch.nn.functional.adaptive_avg_pool2d(model.features(x), 1).flatten(1)
    loss_fn(model.classifier(f), y).backward(); opt.step()
frozen = median(frozen_step, steps)

for p in model.parameters():
    p.requires_grad_(True)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
def full_step():
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
full = median(full_step, max(1, steps // 2))

print(json.dumps({"torch": torch.__version__, "threads": threads, "size": size, "batch": batch,
                  "predictImgPerSec": batch / predict, "frozenTrainImgPerSec": batch / frozen, "fullTrainImgPerSec": batch / full}))
