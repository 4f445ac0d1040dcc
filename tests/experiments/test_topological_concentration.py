"""experiments/topological_concentration runs end to end on its test config (Cora, 1 seed,
20 epochs, GCN with and without topological reweighting) and writes the tables and the plot."""
import json

import numpy as np


def test_topological_concentration_main_test_config(tmp_path, run_experiment):
    run_experiment("experiments/topological_concentration/main.py",
                   "experiments/topological_concentration/configs/test.py", tmp_path)
    payload = json.load(open(tmp_path / "results.json"))
    rows = payload["rows"]
    assert [r["model"] for r in rows] == ["gcn", "gcn_rw"]
    assert payload["config"]["datasets"] == ["cora"] and payload["config"]["k"] == 2
    for r in rows:
        assert r["dataset"] == "cora" and r["seed"] == 0 and r["metric"] == "ndcg@10"
        # OGB-style Hits@K is monotone in K; AUC of a trained model beats chance
        assert 0 <= r["test_hits@10"] <= r["test_hits@50"] <= r["test_hits@100"] <= 1
        assert 0.6 < r["test_auc"] <= 1
        # the low/high TC groups partition the evaluated nodes (bottom quarter by TC^Train)
        n, nl = r["eval_nodes"], r["low_tc_nodes"]
        assert 0.25 * n <= nl < 0.5 * n
        mean = (r["low_tc_metric"] * nl + r["high_tc_metric"] * (n - nl)) / n
        assert np.isclose(mean, r["mean_metric"], atol=1e-9)
        assert sum(b["n"] for b in r["bins_tc"]) == n and sum(b["n"] for b in r["bins_degree"]) == n
        for feat in ("degree", "density", "tc_train", "tc_train_leaves", "tc_test", "tc_dot", "atc", "tc_cos",
                     "atc_cos", "atc_rw", "atc_rw_cos", "atc_sym", "atc_sym_cos"):
            c = r["corr"][feat]
            assert -1 <= c["pearson"] <= 1 and -1 <= c["spearman"] <= 1 and c["n"] == n
        # topological distribution shift on Cora: test neighbours concentrate less than training ones
        assert 0 < r["tc_test_mean"] < r["tc_train_mean"] < 1
        # TC^Test uses the held-out edges: it correlates with per-node performance
        assert r["corr"]["tc_test"]["pearson"] > 0.1
        assert 0.3 < r["atc_tc_spearman"] <= 1
        # ATC estimates the product-normalised TC without bias: even at d = 16 it ranks nodes
        # by that target closely, and more closely than by the set-based TC^Train
        assert r["atc_tc_spearman"] < r["atc_dot_spearman"] <= 1 and r["atc_dot_spearman"] > 0.8
        # the cosine-normalised ATC ranks nodes like its own exact target
        assert 0.8 < r["atc_cos_exact_spearman"] <= 1
        # per_node/*.npz holds what the row was computed from: recomputing gives the same figures
        z = np.load(tmp_path / "per_node" / f"per_node_cora_seed0_{r['model']}.npz")
        assert len(z["nodes"]) == n and np.isclose(z["metric/ndcg@10"].mean(), r["mean_metric"], atol=1e-12)
        for feat in ("degree", "tc_train", "tc_train_leaves", "atc"):
            assert np.isclose(np.corrcoef(z[f"feature/{feat}"], z["metric/ndcg@10"])[0, 1],
                              r["corr"][feat]["pearson"], atol=1e-9)
        # official cal_tc: TC^Train (and its ATC) is 0 below training degree 2; leaves keep the
        # formula's value in tc_train_leaves, everywhere else the two are equal
        deg, t, t_leaves = z["feature/degree"], z["feature/tc_train"], z["feature/tc_train_leaves"]
        assert (deg == 1).any() and np.all(t[deg < 2] == 0) and np.all(z["feature/atc"][deg < 2] == 0)
        assert np.all(t_leaves[deg == 1] > 0.3) and np.array_equal(t[deg >= 2], t_leaves[deg >= 2])
        # so do the transition- and symmetric-operator variants (less tightly at d = 16: 0.68-0.80)
        assert set(r["atc_variant_exact_spearman"]) == {"atc_rw", "atc_rw_cos", "atc_sym", "atc_sym_cos"}
        assert all(0.6 < v <= 1 for v in r["atc_variant_exact_spearman"].values())
    assert rows[0]["alpha"] == 0 and rows[1]["alpha"] == 2.0
    # re-analysis from the per-node arrays reproduces the rows' correlations, for any metric
    import pytest

    from experiments.topological_concentration.per_node_analysis import analyse
    from jaxgraph.linkpred.tc import paired_feature_rows, per_node_rows

    again = per_node_rows(str(tmp_path / "per_node"))
    assert [(r["model"], r["seed"], r["dataset"]) for r in again] == [("gcn", 0, "cora"), ("gcn_rw", 0, "cora")]
    for r, a in zip(rows, again):
        assert set(a["corr"]) >= set(r["corr"]) and np.isclose(a["mean_metric"], r["mean_metric"])
        for feat, c in r["corr"].items():
            assert np.isclose(a["corr"][feat]["spearman"], c["spearman"], atol=1e-12)
    paired = paired_feature_rows(again, ["tc_train"])
    assert len(paired) == 4 and paired[0]["seeds won"] in ("0/1", "1/1")
    diff = again[0]["corr"]["tc_train"]["pearson"] - again[0]["corr"]["degree"]["pearson"]
    assert paired[0]["mean difference"] == f"{diff:.3f}" and paired[0]["Wilcoxon p"] == "n/a (< 5 seeds)"
    text = analyse(str(tmp_path), ["mrr", "hits@10"], ["tc_train", "atc"])
    assert "## per-node mrr" in text and "## per-node hits@10" in text and "P: tc_train" in text
    with pytest.raises(ValueError, match="metric 'ndcg@3' is not in"):
        per_node_rows(str(tmp_path / "per_node"), "ndcg@3")
    with pytest.raises(ValueError, match=r"features \['nope'\] are not in"):
        per_node_rows(str(tmp_path / "per_node"), features=["nope"])
    with pytest.raises(ValueError, match="holds no per_node"):
        per_node_rows(str(tmp_path))
    with pytest.raises(ValueError, match="metrics and features must each name at least one"):
        analyse(str(tmp_path), ["mrr"], [])
    md = (tmp_path / "results.md").read_text()
    assert "Correlation of per-node ndcg@10" in md and "82.1" in md and "gcn_rw" in md
    assert "Spearman(ATC,TC^dot)" in md and "n/a (< 5 seeds)" in md and "Spearman(atc_rw,exact)" in md
    assert (tmp_path / "tc_vs_degree.png").stat().st_size > 1000


def test_mlp_config_uses_the_official_decoder_and_runs():
    # configs/mlp.py: the default run with the official MLP(h_u * h_v) decoder and hidden 256,
    # no reweighting; here shrunk to 5 epochs, hidden 16 and d = 16 so it runs in seconds
    import importlib

    from jaxgraph.linkpred.tc import run_tc

    cfg = importlib.import_module("experiments.topological_concentration.configs.mlp").get_config()
    assert cfg.train["decoder"] == "mlp" and cfg.train["hidden"] == 256 and cfg.alpha == 0
    assert cfg.seeds == list(range(10)) and cfg.datasets == ["cora", "citeseer"]
    small = cfg.to_dict()
    small.update(datasets=["cora"], seeds=[0], atc_dim=16, plot_dir=None)
    small["train"] = dict(small["train"], hidden=16, epochs=5, eval_every=5)
    rows = run_tc(small, log=lambda *a: None)
    assert [r["model"] for r in rows] == ["gcn"]
    r = rows[0]
    assert 0.5 < r["test_auc"] <= 1 and 0 <= r["test_hits@10"] <= r["test_hits@100"] <= 1
    assert all(-1 <= c["pearson"] <= 1 for c in r["corr"].values())


def test_official_config_is_the_run_script_protocol_and_minibatches():
    # configs/official.py: run_small.sh's protocol (MLP decoder, hidden 256, lr 1e-3, minibatches of
    # 1152 positive pairs, 1000 epochs, reweighting alpha 2); shrunk here to 2 epochs, hidden 16
    import importlib

    import pytest

    from jaxgraph.linkpred.tc import run_tc

    mod = importlib.import_module("experiments.topological_concentration.configs.official")
    cfg = mod.get_config()
    t = cfg.train
    assert (t["decoder"], t["hidden"], t["learning_rate"], t["batch_size"], t["epochs"]) == ("mlp", 256, 1e-3, 1152, 1000)
    assert cfg.alpha == 2.0 and cfg.seeds == list(range(10)) and cfg.datasets == ["cora", "citeseer"]
    assert t["sparse_features"] is True
    # run_small.sh: Cora GCN-aug --warm_up=1, Citeseer --warm_up=5
    assert cfg.reweight.warm_up == 1 and cfg.reweight_by_dataset.to_dict() == {"citeseer": {"warm_up": 5}}
    for name in ("citeseer", "cora"):
        pre = mod.get_config(f"{name}_gcn")
        assert pre.datasets == [name] and pre.seeds == list(range(5)) and pre.alpha == 0.0
        assert pre.train == cfg.train
        ten = mod.get_config(f"{name}_gcn10")
        assert ten.datasets == [name] and ten.seeds == list(range(10)) and ten.alpha == 0.0
        assert ten.train == cfg.train
        rw = mod.get_config(f"{name}_rw")
        assert rw.datasets == [name] and rw.seeds == cfg.seeds and rw.alpha == 2.0 and rw.plain is False
        assert rw.train == cfg.train and rw.reweight_by_dataset == cfg.reweight_by_dataset
        one = mod.get_config(name)
        assert one.datasets == [name] and one.seeds == cfg.seeds and one.alpha == 2.0 and one.train == cfg.train
    with pytest.raises(ValueError, match="preset must be one of .*'citeseer_gcn10'.*, got 'pubmed'"):
        mod.get_config("pubmed")
    small = cfg.to_dict()
    small.update(datasets=["cora"], seeds=[0], atc_dim=16, plot_dir=None)
    small["train"] = dict(small["train"], hidden=16, epochs=2, eval_every=1, batch_size=1000)
    rows = run_tc(small, log=lambda *a: None)
    assert [r["model"] for r in rows] == ["gcn", "gcn_rw"]
    only_rw = run_tc({**small, "plain": False}, log=lambda *a: None)  # the plain model is skipped, nothing else
    assert [r["model"] for r in only_rw] == ["gcn_rw"] and only_rw[0]["test_auc"] == rows[1]["test_auc"]
    for r in rows:
        assert 0 < r["test_auc"] <= 1 and 1 <= r["best_epoch"] <= 2
    assert rows[0]["test_auc"] != rows[1]["test_auc"]  # reweighted from epoch 1 on Cora
    # a per-dataset warm-up past the last epoch: the reweighted run never reweights
    late = run_tc(dict(small, reweight_by_dataset={"cora": {"warm_up": 3}}), log=lambda *a: None)
    assert late[0]["test_auc"] == rows[0]["test_auc"] and late[1]["test_auc"] == late[0]["test_auc"]
