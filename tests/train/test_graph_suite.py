"""jaxgraph.train.graph_suite: fixed stratified splits, the GNN+ switches, tasks and a tiny suite run."""
import numpy as np
import pytest

from jaxgraph.train import graph_suite as S


def test_fixed_split_is_fixed_disjoint_covering_and_stratified():
    y = np.array([0] * 50 + [1] * 30 + [2] * 20)
    a, b = S.fixed_split(100, labels=y), S.fixed_split(100, labels=y)
    for k in ("train", "val", "test"):
        np.testing.assert_array_equal(a[k], b[k])
    allidx = np.concatenate([a["train"], a["val"], a["test"]])
    np.testing.assert_array_equal(np.sort(allidx), np.arange(100))  # disjoint + covering
    assert (len(a["train"]), len(a["val"]), len(a["test"])) == (80, 10, 10)
    for k, frac in (("train", 0.8), ("val", 0.1), ("test", 0.1)):  # per-class proportions exact here
        np.testing.assert_array_equal(np.bincount(y[a[k]], minlength=3), np.round(frac * np.array([50, 30, 20])))
    c = S.fixed_split(100, labels=y, seed=1)
    assert not np.array_equal(a["test"], c["test"])  # the seed matters, so SPLIT_SEED pins it


def test_fixed_split_unstratified_and_errors():
    s = S.fixed_split(11)
    assert sorted(np.concatenate(list(s.values())).tolist()) == list(range(11))
    with pytest.raises(ValueError, match="fractions"):
        S.fixed_split(10, fractions=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="labels"):
        S.fixed_split(10, labels=np.zeros(9))
    with pytest.raises(ValueError, match="n must"):
        S.fixed_split(2)


@pytest.mark.parametrize("backbone", S.BACKBONES)
def test_plain_and_plus_differ_exactly_in_the_six_switches(backbone):
    p, q = S.plain_kwargs(backbone), S.gnn_plus_kwargs(backbone)
    assert set(p) == set(q)
    assert {k for k in p if p[k] != q[k]} == set(S.GNN_PLUS_SWITCHES)
    assert not q["pe_sign_flip"] and S.gnn_plus_kwargs(backbone, pe_kind="lap")["pe_sign_flip"]
    assert p["conv"] == q["conv"] == backbone
    assert (p["use_edge_features"], p["norm"], p["dropout"], p["residual"], p["ffn"], p["pe_dim"]) == (
        False, "none", 0.0, False, False, 0)
    assert q["use_edge_features"] and q["norm"] == "batch" and q["dropout"] > 0 and q["residual"] and q["ffn"]
    assert q["pe_dim"] > 0


def test_kwargs_errors():
    with pytest.raises(ValueError, match="backbone"):
        S.plain_kwargs("gat")
    with pytest.raises(ValueError, match="dropout"):
        S.gnn_plus_kwargs("gcn", dropout=1.0)
    with pytest.raises(ValueError, match="pe_dim"):
        S.gnn_plus_kwargs("gin", pe_dim=0)
    with pytest.raises(ValueError, match="name"):
        S.build_task("cora")


def test_build_tasks_tu_and_counting():
    t = S.build_task("mutag")
    assert t.kind == "graph_classification" and t.metric == "accuracy" and t.num_outputs == 2
    assert len(t.graphs) == 188 and sum(len(v) for v in t.splits.values()) == 188
    np.testing.assert_array_equal(t.splits["test"], S.build_task("mutag").splits["test"])
    frac = [np.mean(np.asarray(t.targets)[t.splits[k]]) for k in ("train", "val", "test")]
    assert max(frac) - min(frac) < 0.06  # stratified: class balance equal across splits
    c = S.build_task("counting", counting_graphs=60)
    y = np.asarray(c.targets)
    assert y.shape == (60, 5) and c.metric == "mae"
    np.testing.assert_allclose(y[c.splits["train"]].mean(0), 0.0, atol=1e-5)  # z-scored with train stats
    pe = S.with_positional_encoding(c, 3)
    g = pe.graphs[0]
    assert g.nodes["pe"].shape == (g.nodes["x"].shape[0], 3)
    # RWSE step 2 = sum_j A_ij / (d_i d_j): check against dense numpy
    from jaxgraph.data.counting import adjacency_of
    a = adjacency_of(g)
    m = a / a.sum(1, keepdims=True)
    np.testing.assert_allclose(g.nodes["pe"][:, 1], np.diag(m @ m), rtol=1e-5)


def test_tiny_suite_run_one_row_per_cell():
    rows = S.run_suite(["mutag"], backbones=["gin"], seeds=[0, 1], epochs=2, hidden=8,
                       num_layers=1, pe_dim=4, batch_size=32, max_graphs=30, counting_graphs=30,
                       log=lambda s: None)
    keys = [(r["dataset"], r["backbone"], r["variant"]) for r in rows]
    assert sorted(keys) == [("mutag", "gin", "plain"), ("mutag", "gin", "plus")]
    for r in rows:
        assert len(r["tests"]) == 2 and np.all(np.isfinite(r["tests"]))
        if r["metric"] == "accuracy":
            assert 0.0 <= r["test_mean"] <= 100.0  # percent
        else:
            assert r["test_mean"] >= 0.0
    cmp = S.compare_rows(rows)
    assert len(cmp) == 1 and isinstance(cmp[0]["plus_wins"], bool)
    params = {r["variant"]: r["num_params"] for r in rows}
    # GNN+ adds: PE projection (4*8+8), bond-type edge projection (4*8+8), FFN (8*16+16 + 16*8+8)
    # and batch-norm scales/offsets (conv norm + FFN norm: 2 * 2*8) = 400 parameters
    assert params["plus"] - params["plain"] == 40 + 40 + 280 + 32
    row = {r["variant"]: r for r in rows}["plain"]
    assert row["test_mean"] == pytest.approx(np.mean(row["tests"])) and row["test_std"] == pytest.approx(np.std(row["tests"]))
