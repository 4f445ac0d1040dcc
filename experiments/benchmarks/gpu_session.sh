#!/usr/bin/env bash
# Every GPU measurement of experiments/benchmarks/RESULTS.md in one device call, most wanted
# first: the Pallas kernels checked bit-for-bit / against XLA on the device and timed, the
# Gaunt tensor product at the issue's batch, zkDL's sumcheck and matmul proofs, NAT's N-caches
# and train steps, then the message-passing layers vs PyG. Each stage has its own timeout and
# the whole run a deadline; all logs and JSON land in $OUT/results.tgz, refreshed after every
# stage.
#
#   bash experiments/benchmarks/gpu_session.sh                    # all stages (about 15 min)
#   STAGES="zk gaunt" bash experiments/benchmarks/gpu_session.sh  # groups: zk gaunt nat mp zkdl
#   BUDGET_S=450 ...                                              # stop starting stages after it
#   QUICK=1 bash experiments/benchmarks/gpu_session.sh            # tiny sizes: CPU dry run
#
# The device image has jax (CUDA), flax, optax, chex, torch + torch_geometric, but not jraph,
# e3nn-jax or ml_collections: download their wheels into .whl/ here and name .whl in the call's
# carry (see RESULTS.md, "One H200"). Temporal streams: copy ../shared/data/temporal/ml_uci.csv and
# wikipedia.csv to gpu_data/temporal/ and carry gpu_data (the script sets JAXGRAPH_DATA to it).
set -u
cd "$(dirname "$0")/../.."
. experiments/benchmarks/gpu_common.sh
DEADLINE=$(( $(date +%s) + ${BUDGET_S:-900} ))
[ -d gpu_data ] && export JAXGRAPH_DATA="$PWD/gpu_data"
gpu_install_wheels || exit 2
gpu_env
STAGES="${STAGES:-zk gaunt nat mp zkdl}"
want() { case " $STAGES " in *" $1 "*) return 0;; esac; return 1; }
B=experiments/benchmarks

if [ "${QUICK:-0}" = 1 ]; then
  SC0="--log_sizes=6 --ks=2 --repeats=1 --interpret=true"; SC="--log_sizes=8 --ks=2 --repeats=2 --interpret=true"; ZK="--log_size=10 --N=2 --m=8 --k=16 --n=16 --repeats=1"
  ZK2="--log_size=10 --N=4 --m=8 --k=16 --n=16 --repeats=1"
  GA="--lmax_list=1,2 --batch=64 --repeats=2"; GACG="--lmax_list=1 --batch=64 --repeats=2"; NC="--nodes=1000 --sizes=60 --rep_dims=4 --repeats=2 --interpret=true"
  TP="--datasets=uci --num_batches=3 --repeats=1"; TPP="$TP --nat_impl=pallas"
  PALLAS=yes; CHK="--nodes=300 --edges=3000 --features=16"; GCHK="--nodes=300 --edges=3000 --heads=2 --channels=8"
  BIG="--nodes=2000 --edges=32000 --features=32"; GBIG="--nodes=2000 --edges=32000 --heads=4 --channels=8"
  SIZES="300:3000,1000:10000"; FEAT=16; REP=2; BIGSIZE="2000:32000"; BIGFEAT=32; EXTRA="--pallas_interpret"
  ZD="--widths=8 --depth=2 --batch=8 --repeats=1"
else
  SC0="--log_sizes=10 --ks=2 --repeats=3 --interpret=false"
  SC="--log_sizes=16,20,22 --ks=2,3 --repeats=10 --interpret=false"; ZK="--repeats=3"
  ZK2="--N=128 --m=64 --k=1024 --n=1024 --repeats=3"
  GA="--lmax_list=1,2,4,8,12,16 --batch=65536 --repeats=20"; GACG="--lmax_list=1,2,4,8 --batch=65536 --repeats=20"; NC="--interpret=false --repeats=10"
  TP="--datasets=uci,wikipedia"; TPP="$TP --methods=nat --nat_impl=pallas"
  PALLAS=auto; CHK="--nodes=4096 --edges=65536 --features=64"; GCHK="--nodes=4096 --edges=65536 --heads=4 --channels=16"
  BIG="--nodes=1000000 --edges=16000000 --features=128"; GBIG="--nodes=1000000 --edges=16000000 --heads=4 --channels=32"
  SIZES="10000:100000,100000:1000000"; FEAT=64; REP=10; BIGSIZE="1000000:16000000"; BIGFEAT=128; EXTRA=""
  ZD="--widths=128,256,1024 --modes=oracle --repeats=2"
fi

if want zk; then   # zkDL: Pallas sumcheck kernels vs XLA (bit-identical check inside), then the provers
  # 2026-11-28: the first case (2^16, K = 2) gave no result in 90 s; a tiny case first tells
  # a hang from a slow compile
  stage sumcheck_kernel_tiny 60 "$PY" -m kernels.sumcheck.bench $SC0
  [ "${QUICK:-0}" = 1 ] || stage sumcheck_kernel_tiny_triton 60 "$PY" -m kernels.sumcheck.bench $SC0 --backend=triton
  stage sumcheck_kernel 90 "$PY" -m kernels.sumcheck.bench $SC
  stage zk_sumcheck 90 "$PY" $B/zk_sumcheck.py $ZK --out="$RES/zk_sumcheck_gpu.json"
  stage zk_sumcheck_128 90 "$PY" $B/zk_sumcheck.py $ZK2 --out="$RES/zk_sumcheck_128_gpu.json"
fi
if want gaunt; then  # issue goal at batch 65,536, L = 8: Gaunt fwd <= 0.40 ms, >= 10x CG, >= 3.8x grid
  stage gaunt 150 "$PY" $B/gaunt.py $GA --methods=fft,matmul,auto,grid --out="$RES/gaunt_gpu.json"
  # e3nn's CG product at L = 8 had not compiled after ~110 s on the H200: its own stage
  stage gaunt_cg 240 "$PY" $B/gaunt.py $GACG --methods=cg,matmul --out="$RES/gaunt_cg_gpu.json"
fi
if want nat; then
  stage ncache_kernel 60 "$PY" -m kernels.ncache.bench $NC
  stage temporal 150 "$PY" $B/temporal.py $TP --out="$RES/temporal_gpu.json"
  stage temporal_pallas 90 "$PY" $B/temporal.py $TPP --out="$RES/temporal_pallas_gpu.json"
fi
if want mp; then   # issue 9: kernels vs XLA on the device, then layers vs PyG (CUDA)
  stage check_spmm 90 "$PY" -m kernels.spmm.bench $CHK --reduces=sum,mean,max,min --block_r=1,8 --pallas=$PALLAS --repeats=3 --out="$RES/check_spmm.json"
  stage check_gat 90 "$PY" -m kernels.gat.bench $GCHK --block_r=1,8 --pallas=$PALLAS --repeats=3 --out="$RES/check_gat.json"
  stage kernel_spmm 120 "$PY" -m kernels.spmm.bench $BIG --reduces=sum,max --block_r=4,8,16 --pallas=$PALLAS --repeats=$REP --out="$RES/kernel_spmm.json"
  stage kernel_gat 90 "$PY" -m kernels.gat.bench $GBIG --block_r=8 --pallas=$PALLAS --repeats=$REP --out="$RES/kernel_gat.json"
  stage layers 200 "$PY" $B/message_passing.py --pyg_python="$PY" --pyg_device=auto --layers=gcn,sage,gat,gin \
    --impls=xla,pallas,pyg --sizes="$SIZES" --features=$FEAT --repeats=$REP --out="$RES/message_passing_gpu.json" $EXTRA
  stage layers_big 200 "$PY" $B/message_passing.py --pyg_python="$PY" --pyg_device=auto --layers=gcn,gat \
    --impls=xla,pallas,pyg --sizes="$BIGSIZE" --features=$BIGFEAT --repeats=$REP --out="$RES/message_passing_gpu_big.json" $EXTRA
fi
if want zkdl; then
  stage zkdl_training 150 "$PY" $B/zkdl_training.py $ZD --out="$RES/zkdl_training_gpu.json"
fi
echo "=== done (status=$status)"; cat "$RES/stages.txt" 2>/dev/null
gpu_pack
exit $status
