"""experiments/molecule3d runs end to end on its test config (120 molecules) and writes its results."""
import json

import pytest


def test_molecule3d_main_test_config(tmp_path, run_experiment):
    pytest.importorskip("rdkit")
    stdout = run_experiment("experiments/molecule3d/main.py", "experiments/molecule3d/configs/test.py", tmp_path,
                            timeout=300)
    res = json.load(open(tmp_path / "results.json"))
    rows = res["rows"]
    methods = {r["method"] for r in rows}
    assert {r["split"] for r in rows} == {"random", "scaffold"}
    assert {"trivial (hop mean + MDS)", "RDKit ETKDGv3", "learned GNN distances + MDS + stress"} <= methods
    for r in rows:
        assert r["num_molecules"] == 24  # test part of 6:2:2 on 120 molecules
        assert 0 <= r["validity"] <= 1
        if r["coverage"] > 0:
            assert 0 < r["distance_mae"] < 10 and 0 < r["rmsd_all"] < 10
    etkdg = [r for r in rows if r["method"] == "RDKit ETKDGv3"]
    assert all(r["validity"] > 0.9 and r["distance_mae"] < 1.0 for r in etkdg)
    assert res["scaffold_check"]["partitions_equal"] is True
    props = res["property_rows"]
    assert {p["geometry"] for p in props} >= {"DFT (true)", "learned (predicted)"}
    assert all(p["gap_mae_eV"] > 0 for p in props)
    assert "distance_mae" in stdout and (tmp_path / "results.md").exists()
