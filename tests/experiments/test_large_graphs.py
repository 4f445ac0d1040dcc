"""experiments/large_graphs runs end to end on its test config (Cora GCN full / sampled /
Cluster-GCN, one seed, a few epochs; a tiny products-like graph) and writes the table."""
import json


def test_large_graphs_main_test_config(tmp_path, run_experiment):
    run_experiment("experiments/large_graphs/main.py", "experiments/large_graphs/configs/test.py", tmp_path)
    rows = json.load(open(tmp_path / "results.json"))["rows"]
    cora = {r["method"]: r for r in rows if r["dataset"] == "cora"}
    assert set(cora) == {"full", "sampled", "cluster"}
    for r in cora.values():
        assert 0 <= r["test_acc_mean"] <= 100 and r["ms_per_epoch"] > 0 and r["seeds"] == 1
        assert r["gap_vs_full"] == r["test_acc_mean"] - cora["full"]["test_acc_mean"]
    assert cora["full"]["steps_per_epoch"] == 1 and cora["sampled"]["steps_per_epoch"] == 2
    assert cora["cluster"]["edge_cut"] < cora["cluster"]["edge_cut_random"]
    prod = [r for r in rows if r["dataset"].startswith("products_like")]
    assert len(prod) == 1 and prod[0]["nodes"] == 1225 and prod[0]["edges"] > 30_000
    assert prod[0]["peak_rss_mb"] > 0 and 0 <= prod[0]["test_acc_mean"] <= 100
    md = (tmp_path / "results.md").read_text()
    assert "gap_vs_full" in md and "products_like" in md
