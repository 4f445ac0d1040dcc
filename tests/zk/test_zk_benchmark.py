"""The zk benchmark script runs end to end at tiny sizes (no timing assertions) so it cannot rot."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_zk_sumcheck_benchmark_smoke(tmp_path):
    out = tmp_path / "zk.json"
    res = subprocess.run(
        [sys.executable, str(ROOT / "experiments/benchmarks/zk_sumcheck.py"), "--log_size=4",
         "--degree=2", "--N=2", "--m=2", "--k=4", "--n=2", "--repeats=1", f"--out={out}"],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    r = json.load(open(out))
    assert r["sumcheck"]["elements_folded"] == 2 * (2 * 16 - 2)
    assert r["sumcheck"]["elements_folded_per_s"] > 0
    assert r["matmul"]["sumcheck_rounds"] == 1 + 2  # log N + log k
    assert r["matmul"]["prove_s"] > 0 and r["matmul"]["verify_s"] > 0


def test_zk_committed_benchmark_smoke(tmp_path):
    """--committed --zk at a tiny size with few (insecure) queries: both entries verify."""
    out = tmp_path / "zkc.json"
    res = subprocess.run(
        [sys.executable, str(ROOT / "experiments/benchmarks/zk_sumcheck.py"), "--log_size=4",
         "--degree=2", "--N=2", "--m=2", "--k=4", "--n=2", "--repeats=1", "--committed", "--zk",
         "--queries=8", f"--out={out}"],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    r = json.load(open(out))
    for key, zk in (("matmul_committed", False), ("matmul_committed_zk", True)):
        assert r[key]["zero_knowledge"] is zk
        assert set(r[key]["commit_s"]) == {"A", "W", "Z"} and r[key]["proof_bytes"] > 0
