"""experiments/dagnn runs end to end on its test config (Cora, 40 epochs; DAGNN accuracy with 2
seeds and the depth study at depths 1 and 8 with 1 seed) and writes the tables, the paper's numbers and the plot."""
import json

import numpy as np


def test_dagnn_main_test_config(tmp_path, run_experiment):
    run_experiment("experiments/dagnn/main.py", "experiments/dagnn/configs/test.py", tmp_path)
    rows = json.load(open(tmp_path / "results.json"))["rows"]
    acc = [r for r in rows if r["experiment"] == "accuracy"]
    assert len(acc) == 1 and acc[0]["dataset"] == "cora" and acc[0]["k"] == 10 and acc[0]["runs"] == 2
    a = acc[0]
    assert (a["paper_mean"], a["paper_std"]) == (84.4, 0.5)
    assert np.isclose(a["test_acc_mean"], np.mean(a["accs"]), atol=1e-6)
    # Cora's public test set has 1000 nodes: accuracies are multiples of 0.1%
    assert np.allclose(np.array(a["accs"]) * 10, np.round(np.array(a["accs"]) * 10), atol=1e-3)
    assert a["epochs_mean"] <= 40 and a["test_acc_mean"] > 50  # 40 epochs already learn Cora well above chance
    depth = [r for r in rows if r["experiment"] == "depth"]
    assert sorted((r["model"], r["depth"]) for r in depth) == [("dagnn", 1), ("dagnn", 8), ("gcn", 1), ("gcn", 8)]
    cell = {(r["model"], r["depth"]): r["test_acc_mean"] for r in depth}
    # the headline in miniature: at depth 8 DAGNN keeps its accuracy while the plain GCN has collapsed
    assert cell[("dagnn", 8)] > cell[("gcn", 8)] + 30
    assert (tmp_path / "depth_cora.png").stat().st_size > 10_000
    md = (tmp_path / "results.md").read_text()
    assert "paper (Table 3)" in md and "84.4 ± 0.5" in md and "K=8" in md
