"""experiments/zkdl runs end to end on its test config and writes verified results."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_zkdl_main_test_config(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "experiments/zkdl/main.py"),
         f"--config={ROOT / 'experiments/zkdl/configs/test.py'}", f"--workdir={tmp_path}"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    res = json.load(open(tmp_path / "results.json"))
    assert res["all_verified"] is True and res["chain_equals_training"] is True
    assert len(res["rows"]) == res["config"]["steps"] == 2
    for r in res["rows"]:
        assert r["verified"] and r["prove_s"] > 0 and r["verify_s"] > 0
        assert 0 < r["proof_bytes"] < 64 * 1024 and r["commitment_bytes"] > 0
        assert r["proof_bytes"] == sum(r["parts_bytes"].values())
    assert res["aggregate"]["verified"] and res["aggregate"]["steps"] == 2
    acc = res["accuracy"]
    assert 0 <= acc["fixed_test_acc"] <= 1 and 0 <= acc["float_test_acc"] <= 1
    assert "prove_s" in out.stdout and (tmp_path / "results.md").exists()
