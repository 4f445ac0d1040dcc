# Shared by the device scripts (source it from the repo root): carried wheels, the environment
# record, one timed stage per benchmark, and a results tarball refreshed after every stage, so
# a call cut short by its time limit still brings back what finished.
#
#   OUT      where the tarball (results.tgz) lands; the device tool returns files under it
#   DEADLINE epoch second after which no further stage starts, and which caps each stage's
#            timeout (unset: no cap)
PY="${PYTHON:-python3}"
OUT="${OUT:-$PWD/gpu_out}"; mkdir -p "$OUT"
RES="${RES:-/tmp/gpu_results}"; mkdir -p "$RES"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
status=0

# Wheels for what the device image lacks (jraph, e3nn-jax, ml_collections; all pure Python),
# downloaded on the workstation into .whl/ (see experiments/benchmarks/RESULTS.md, "One H200").
gpu_install_wheels() {
  if ! "$PY" -c "import jraph, e3nn_jax, ml_collections" 2>/dev/null; then
    if ls .whl/*.whl >/dev/null 2>&1; then
      "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl && export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
    fi
    "$PY" -c "import jraph, e3nn_jax, ml_collections" || { echo "missing jraph/e3nn-jax/ml_collections: carry .whl"; return 2; }
  fi
  export PYTHONPATH="$PWD:${PYTHONPATH:-}"
}

gpu_env() {
  { date -u; nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>/dev/null || true
    "$PY" -c "import jax, jaxlib, flax, e3nn_jax, jraph; print('jax', jax.__version__, 'jaxlib', jaxlib.__version__, jax.devices()); print('flax', flax.__version__, 'e3nn_jax', e3nn_jax.__version__, 'jraph', jraph.__version__)"
    "$PY" -c "import torch, torch_geometric; print('torch', torch.__version__, torch.cuda.is_available(), 'pyg', torch_geometric.__version__)" 2>&1 || true
  } 2>&1 | tee "$RES/env.txt"
}

gpu_pack() { tar czf "$OUT/results.tgz" -C "$RES" . 2>/dev/null; }

# stage NAME TIMEOUT_S COMMAND...: log to $RES/NAME.log, print its tail, refresh the tarball.
stage() {
  local name=$1 t=$2; shift 2
  if [ -n "${DEADLINE:-}" ]; then
    local left=$(( DEADLINE - $(date +%s) ))
    if [ "$left" -lt 15 ]; then echo "=== $name skipped (deadline)"; echo skipped > "$RES/$name.log"; status=1; return; fi
    [ "$left" -lt "$t" ] && t=$left
  fi
  echo "=== $name (timeout ${t}s)"; local t0; t0=$(date +%s)
  timeout "$t" "$@" > "$RES/$name.log" 2>&1; local rc=$?
  tail -n 12 "$RES/$name.log"; echo "=== $name rc=$rc $(( $(date +%s) - t0 ))s" | tee -a "$RES/stages.txt"
  [ $rc = 0 ] || status=1
  gpu_pack
}
