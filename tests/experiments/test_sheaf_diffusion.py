"""experiments/sheaf_diffusion runs end to end on its test config (texas, 1 split, 15 epochs,
all five models) and writes the table with the paper's Table 1 beside ours."""
import json

import numpy as np


def test_sheaf_diffusion_main_test_config(tmp_path, run_experiment):
    run_experiment("experiments/sheaf_diffusion/main.py", "experiments/sheaf_diffusion/configs/test.py", tmp_path)
    payload = json.load(open(tmp_path / "results.json"))
    rows = payload["rows"]
    assert [r["model"] for r in rows] == ["diag_nsd", "o_nsd", "gen_nsd", "gcn", "mlp"]
    for r in rows:
        assert r["dataset"] == "texas" and r["split_kind"] == "geom-gcn" and r["splits"] == 1
        assert len(r["accs"]) == 1 and 0 <= r["test_acc_mean"] <= 100
        assert np.isclose(r["test_acc_mean"], np.mean(r["accs"]), atol=0.01)
        # Texas has 37 test nodes in every Geom-GCN split: accuracies are multiples of 1/37
        assert np.isclose(r["accs"][0] * 37 / 100, round(r["accs"][0] * 37 / 100), atol=0.01)
        assert r["epochs"] == 15 and r["max_epochs"] == 15
        assert r["paper_mean"] is not None  # Table 1 has all five models on Texas
    assert rows[3]["paper_mean"] == 55.14 and rows[0]["paper_mean"] == 85.67
    # training did something: the best model beats a uniform guess over the 5 classes
    assert max(r["test_acc_mean"] for r in rows) > 20.0
    md = (tmp_path / "results.md").read_text()
    assert "paper Table 1" in md and "O(d)-NSD" in md and "Gen-NSD" in md
