"""The experiment entry points run end to end on their test configs and write results.json."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_node_classification_main(tmp_path, run_experiment):
    stdout = run_experiment("experiments/node_classification/main.py", "experiments/node_classification/configs/test.py", tmp_path)
    res = json.load(open(tmp_path / "results.json"))
    row = res["rows"][0]
    assert row["model"] == "gcn" and row["runs"] == 2 and 0 <= row["test_acc_mean"] <= 100
    assert "test_acc_mean" in stdout
    assert (tmp_path / "gcn" / "split0_seed0" / "metrics.csv").exists()


def test_graph_classification_main(tmp_path, run_experiment):
    stdout = run_experiment("experiments/graph_classification/main.py", "experiments/graph_classification/configs/test.py", tmp_path)
    res = json.load(open(tmp_path / "results.json"))
    row = res["rows"][0]
    assert row["dataset"] == "mutag" and row["folds"] == 2 and len(row["mean_curve"]) == 3
    assert (tmp_path / "curves.png").stat().st_size > 1000
    assert "best_mean_accuracy" in stdout


def test_reproduce_table_and_json(tmp_path, monkeypatch):
    from jaxgraph import reproduce

    # A registered claim runs through the same machinery as the real ones.
    claim = reproduce.Claim("unit-test-claim", "test", "sum of 2 and 2", 4.0, lambda quick: 2 + 2,
                            reproduce.within(0.0))
    monkeypatch.setitem(reproduce._CLAIMS, claim.key, claim)
    rows = reproduce.run_claims(["unit-test-claim"], log=lambda s: None)
    assert rows[0]["measured"] == 4.0 and rows[0]["holds"] is True and rows[0]["paper"] == "test"
    with pytest.raises(ValueError, match="unknown claim"):
        reproduce.run_claims(["no-such-claim"])
    keys = set(reproduce.claims())
    assert {"gcn-cora", "gcn-citeseer", "gat-cora", "gin-mutag", "gin-proteins", "gaunt-speedup-l8",
            "molecule3d-distance"} <= keys


@pytest.mark.slow
def test_reproduce_cli_quick_gcn_cora(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "experiments/reproduce.py"), "--only", "gcn-cora",
                          f"--out={tmp_path / 'r.json'}"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = json.load(open(tmp_path / "r.json"))
    assert rows[0]["key"] == "gcn-cora" and rows[0]["holds"]
