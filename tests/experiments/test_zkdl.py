"""experiments/zkdl runs end to end on its test config and writes verified results."""
import json


def test_zkdl_main_test_config(tmp_path, run_experiment):
    stdout = run_experiment("experiments/zkdl/main.py", "experiments/zkdl/configs/test.py", tmp_path, timeout=300)
    res = json.load(open(tmp_path / "results.json"))
    assert res["all_verified"] is True and res["chain_equals_training"] is True
    assert len(res["rows"]) == res["config"]["steps"] == 2
    for r in res["rows"]:
        assert r["verified"] and r["prove_s"] > 0 and r["verify_s"] > 0
        assert r["commitment_bytes"] > 0 and r["proof_bytes"] == sum(r["parts_bytes"].values())
        # committed mode: the PCS opening (columns + Merkle paths) dominates; the sumchecks and
        # claimed evaluations stay logarithmic
        parts = dict(r["parts_bytes"])
        assert 0 < parts.pop("opening") < 2 * 1024 * 1024 and 0 < sum(parts.values()) < 64 * 1024
    assert res["aggregate"]["verified"] and res["aggregate"]["steps"] == 2
    acc = res["accuracy"]
    assert 0 <= acc["fixed_test_acc"] <= 1 and 0 <= acc["float_test_acc"] <= 1
    assert "prove_s" in stdout and (tmp_path / "results.md").exists()
