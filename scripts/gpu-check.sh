#!/bin/bash
# The PyTorch engine on a GPU machine, in one go (run from the repository; needs Node ≥ 20, npm ci
# done, and a Python with CUDA-enabled torch + torchvision):
#   1. the environment check (which Python, torch, CUDA, GPUs, and the engine `auto` picks);
#   2. the worker's CUDA tests (device choice, bf16/fp16 autocast, torch.compile, nccl on 2 GPUs);
#   3. a short full fine-tune on CUDA with mixed precision, and the same on the CPU: throughput;
#   4. with two GPUs or more, the same fine-tune under torchrun on 2 GPUs (DistributedDataParallel).
#   PYTHON=/path/to/python bash scripts/gpu-check.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-${TRANSFER_STUDIO_PYTHON:-python3}}"
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
[ -f dist/cli.js ] || node scripts/build.mjs >/dev/null
CLI="node $(pwd)/bin/transfer-studio.js"
WORK="$(mktemp -d /tmp/ts-gpu-XXXXXX)"; trap 'rm -rf "$WORK"' EXIT
export TRANSFER_STUDIO_CACHE="$WORK/cache"
echo "=== 1. environment check ($PY)"
$CLI env --python "$PY"
$CLI env --python "$PY" --json > "$WORK/env.json"
GPUS=$(node -e "const e=require('$WORK/env.json').choice.environment; console.log(e ? e.devices.filter(d=>d.type==='cuda').length : 0)")
echo "CUDA devices: $GPUS"

echo "=== 2. the worker's CUDA tests"
PYTHONPATH=python "$PY" -B -m unittest python/tests/test_worker_gpu.py -v

echo "=== 3. full fine-tune, CUDA with mixed precision vs CPU"
PER=$([ $QUICK -eq 1 ] && echo 16 || echo 64)
node -e "import('./scripts/lib/fashion.mjs').then(m => m.writeFashionImages('$WORK/data', { perClass: $PER, offset: 0 }))"
cat > "$WORK/gpu.adapt.json" <<JSON
{ "model": "$(pwd)/examples/tm-image-nail-biting/model.json", "freeze": { "all": false },
  "data": { "train": "./data", "validationSplit": 0.2, "imageSize": [224, 224], "cache": "off" },
  "training": { "epochs": 3, "batchSize": 32, "earlyStopping": false, "seed": 1 }, "output": "./out" }
JSON
epoch_secs() { node -e "const ev=require('fs').readFileSync('$1/events.jsonl','utf8').split('\n').filter(Boolean).map(JSON.parse).filter(e=>e.type==='epochEnd').map(e=>e.durationMs/1000); const s=ev.slice(1).sort((a,b)=>a-b); console.log((s[s.length>>1] ?? ev[0]).toFixed(2))"; }
(cd "$WORK" && $CLI train gpu.adapt.json --engine pytorch --python "$PY" --run-dir "$WORK/run-cuda")
CUDA_S=$(epoch_secs "$WORK/run-cuda")
grep -o '"message":"[^"]*mixed precision[^"]*"' "$WORK/run-cuda/events.jsonl" | head -1 || true
(cd "$WORK" && CUDA_VISIBLE_DEVICES="" $CLI train gpu.adapt.json --engine pytorch --python "$PY" --epochs 2 --run-dir "$WORK/run-cpu")
CPU_S=$(epoch_secs "$WORK/run-cpu")
echo "seconds per epoch: CUDA $CUDA_S, CPU $CPU_S (CUDA $(node -e "console.log(($CPU_S/$CUDA_S).toFixed(1))")× faster)"

if [ "$GPUS" -ge 2 ]; then
  echo "=== 4. torchrun on 2 GPUs"
  (cd "$WORK" && $CLI train gpu.adapt.json --engine pytorch --python "$PY" --nproc 2 --run-dir "$WORK/run-ddp")
  echo "seconds per epoch on 2 GPUs: $(epoch_secs "$WORK/run-ddp")"
else
  echo "=== 4. torchrun on 2 GPUs: skipped ($GPUS CUDA device(s))"
fi
echo "=== GPU check passed"
