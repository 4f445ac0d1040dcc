#!/usr/bin/env bash
# Issue 9 on one GPU, in one call: (1) check the Pallas SpMM / GAT kernels against XLA on the
# device (values + gradients, fresh random inputs), (2) time them, (3) time the four layers
# (gcn, sage, gat, gin) for xla / pallas / PyG at 10k..1M nodes, incl. the issue's
# 1M nodes / 16M edges / F=128 case. Everything lands as JSON under $OUT (or ./gpu_out).
#
#   bash experiments/benchmarks/gpu_message_passing.sh            # from the repo root
#   QUICK=1 bash experiments/benchmarks/gpu_message_passing.sh    # tiny sizes (CPU dry run)
#
# Needs python3 with jax (CUDA), flax, optax, scipy, absl, torch + torch_geometric (the device
# image has all of them) and jraph, which that image LACKS: carry a wheel in .whl/ (on the
# workstation: `python3 -m pip download --no-deps jraph==0.0.6.dev0 -d .whl`, the same version
# as .venv; it is pure Python), name .whl in the run's carry; this script installs it.
# Budget: about 6-8 minutes on an H100 at full size; each stage has its own timeout.
set -u
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu_out}"; mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
if ! "$PY" -c "import jraph" 2>/dev/null; then
  if ls .whl/jraph-*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl \
      && export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
  fi
  "$PY" -c "import jraph" || { echo "jraph missing: carry .whl/jraph-*.whl (see header)"; exit 2; }
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
  "$PY" -c "import jax, torch; print('jax', jax.__version__, jax.devices()); print('torch', torch.__version__, torch.cuda.is_available())"
} 2>&1 | tee "$OUT/env.txt"

if [ "${QUICK:-0}" = 1 ]; then
  PALLAS=yes; CHK="--nodes=300 --edges=3000 --features=16"; GCHK="--nodes=300 --edges=3000 --heads=2 --channels=8"
  BIG="--nodes=2000 --edges=32000 --features=32"; GBIG="--nodes=2000 --edges=32000 --heads=4 --channels=8"
  SIZES="300:3000,1000:10000"; FEAT=16; REP=2; BIGSIZE="2000:32000"; BIGFEAT=32; EXTRA="--pallas_interpret"
else
  PALLAS=auto; CHK="--nodes=4096 --edges=65536 --features=64"; GCHK="--nodes=4096 --edges=65536 --heads=4 --channels=16"
  BIG="--nodes=1000000 --edges=16000000 --features=128"; GBIG="--nodes=1000000 --edges=16000000 --heads=4 --channels=32"
  SIZES="10000:100000,100000:1000000"; FEAT=64; REP=10; BIGSIZE="1000000:16000000"; BIGFEAT=128; EXTRA=""
fi
status=0
run() {  # name, timeout_s, command...
  local name=$1 t=$2; shift 2
  echo "=== $name"; timeout "$t" "$@" > "$OUT/$name.log" 2>&1; local rc=$?
  tail -n 14 "$OUT/$name.log"; echo "=== $name rc=$rc"; [ $rc = 0 ] || status=1
}
# 1. correctness on the device (small, all reductions), then the kernels alone at full size
run check_spmm 120 "$PY" -m kernels.spmm.bench $CHK --reduces=sum,mean,max,min --block_r=1,8 --pallas=$PALLAS --repeats=3 --out="$OUT/check_spmm.json"
run check_gat 120 "$PY" -m kernels.gat.bench $GCHK --block_r=1,8 --pallas=$PALLAS --repeats=3 --out="$OUT/check_gat.json"
run kernel_spmm 150 "$PY" -m kernels.spmm.bench $BIG --reduces=sum,max --block_r=4,8,16 --pallas=$PALLAS --repeats=$REP --out="$OUT/kernel_spmm.json"
run kernel_gat 120 "$PY" -m kernels.gat.bench $GBIG --block_r=8 --pallas=$PALLAS --repeats=$REP --out="$OUT/kernel_gat.json"
# 2. layers: xla vs pallas vs PyG (PyG on CUDA, same process image)
run layers 200 "$PY" experiments/benchmarks/message_passing.py --pyg_python="$PY" --pyg_device=auto \
    --layers=gcn,sage,gat,gin --impls=xla,pallas,pyg --sizes="$SIZES" --features=$FEAT --repeats=$REP \
    --out="$OUT/message_passing_gpu.json" $EXTRA
run layers_big 200 "$PY" experiments/benchmarks/message_passing.py --pyg_python="$PY" --pyg_device=auto \
    --layers=gcn,gat --impls=xla,pallas,pyg --sizes="$BIGSIZE" --features=$BIGFEAT --repeats=$REP \
    --out="$OUT/message_passing_gpu_big.json" $EXTRA
echo "=== summary (status=$status)"
for f in message_passing_gpu message_passing_gpu_big; do
  [ -f "$OUT/$f.json" ] && "$PY" -c "
import json, sys
sys.path.insert(0, 'experiments/benchmarks')
from message_passing import format_rows
print(format_rows(json.load(open('$OUT/$f.json'))))"
done
exit $status
