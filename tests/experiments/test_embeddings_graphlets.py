"""experiments/embeddings (task graphlets) runs end to end on its smoke config."""
import json

import networkx as nx
import numpy as np

from jaxgraph.data.embedding import load_ppi
from jaxgraph.embed.graphlets import ORBIT_ADJACENCY_KEYS, adjacency_matrix, orbit_adjacency


def test_embeddings_graphlets_smoke(tmp_path, run_experiment):
    stdout = run_experiment(
        "experiments/embeddings/main.py", "experiments/embeddings/configs/test_graphlets.py", tmp_path, timeout=600
    )
    res = json.load(open(tmp_path / "results.json"))
    cfg, all_rows = res["config"], res["rows"]
    rows = [r for r in all_rows if r["dataset"] == "ppi"]
    assert cfg["task"] == "graphlets"
    limit = cfg["node_limit"]
    # the timing row's K4 total equals networkx's clique count on the same induced subgraph
    ds = load_ppi()
    a = adjacency_matrix(ds.graph, self_loops="drop")[:limit][:, :limit]
    g = nx.from_scipy_sparse_array(a)
    k4 = sum(1 for c in nx.enumerate_all_cliques(g) if len(c) == 4)
    timing = {r["method"]: r for r in rows if r["kind"] == "timing"}
    assert timing["orbit_counts"]["total_k4"] == k4 and timing["orbit_counts"]["num_edges"] == g.number_of_edges()
    assert timing["orbit_adjacency (28 matrices)"]["matrices"] == 28
    # the smoke config builds PPI's hop-2/3 matrices dense (as the full run does BlogCatalog's):
    # same nonzeros as the sparse path
    assert timing["orbit_adjacency (28 matrices)"]["dense_far"] is True
    sparse_nnz = sum(m.nnz for m in orbit_adjacency(a).values())
    assert timing["orbit_adjacency (28 matrices)"]["nnz"] == sparse_nnz
    sweep = [r for r in rows if r["kind"] == "sweep"]
    sweep1 = [r for r in sweep if "window" not in r]  # window-1 GOPMI of every matrix, and the walks
    assert len(sweep1) == len(ORBIT_ADJACENCY_KEYS) + len(cfg["rw_windows"])
    # the reach control: the window-1 sweep's top 2 orbit adjacencies (not (1, 0, 0), which walked
    # is RWPMI) are walked with window 2
    f1 = {r["method"]: r["micro_f1"] for r in sweep1 if r["method"].startswith("GOPMI") and r["method"] != "GOPMI A1_0_0"}
    top2 = sorted(f1, key=lambda m: -f1[m])[:2]
    assert sorted(r["method"] for r in sweep if "window" in r) == sorted(f"{m} T=2" for m in top2)
    final = {r["method"]: r for r in rows if r["kind"] == "final"}
    assert any(m.startswith("orbit: GOPMI all 28") for m in final) and any("+ GOPMI all 28" in m for m in final)
    for r in sweep + list(final.values()):
        assert 0.0 <= r["macro_f1"] <= r["micro_f1"] + 0.2 and 0.0 <= r["micro_f1"] <= 1.0
    # better than predicting each test node's k labels at random: expected micro-F1 sum k^2 / (C sum k)
    y = ds.labels[:limit].astype(np.int64)
    k = y.sum(1)[y.sum(1) > 0]
    chance = float((k ** 2).sum() / (y.shape[1] * k.sum()))
    assert max(r["micro_f1"] for r in sweep) > chance
    paired = [r for r in rows if r["kind"] == "paired"]
    # one paired comparison per walk block of the final table (T=2, and the sweep's best if another)
    assert paired and paired[0]["method"] == "RWPMI T=2 + GOPMI all 28 vs RWPMI T=2"
    assert all(r["repeats"] == 2 and 0.0 <= r["micro_p"] <= 1.0 for r in paired)
    # and the paper's comparison: the sweep's best single orbit adjacency vs its best walk window
    best = [r for r in paired if r["method"].startswith("best single GOPMI A")]
    assert len(best) == len(cfg["train_ratios"]) and " vs best RWPMI T=" in best[0]["method"]
    sweep_f1 = {r["method"]: r["micro_f1"] for r in sweep}
    g_name, w_name = best[0]["method"][len("best single "):].split(" vs best ")
    # dimension control: the best walk + all orbit blocks vs that walk with as many dimensions
    big = cfg["dim"] + 2 * 28
    assert final[f"walk: {w_name} ({big} dims)"]["dim"] == big
    assert sum(r["method"] == f"{w_name} + GOPMI all 28 vs {w_name} at {big} dims" for r in paired) == len(cfg["train_ratios"])
    assert g_name == max((m for m in sweep_f1 if m.startswith("GOPMI")), key=sweep_f1.get)
    assert w_name == max((m for m in sweep_f1 if m.startswith("RWPMI")), key=sweep_f1.get)
    # 5-node GDVs (gdv_max_nodes=5): the counts' timing row, the GDV-73 rows and their paired tests
    assert timing["orbit_counts 2-5 nodes (73 orbits)"]["num_edges"] == g.number_of_edges()
    assert final["GDV-73 (2-5-node orbit counts)"]["dim"] == 73 and final["GDV (orbit counts)"]["dim"] == 15
    assert final[f"{w_name} + GDV-73"]["dim"] == cfg["dim"] + 73 and final[f"{w_name} + GDV-15"]["dim"] == cfg["dim"] + 15
    assert sum(r["method"] == f"{w_name} + GDV-73 vs {w_name} + GDV-15" for r in paired) == len(cfg["train_ratios"])
    # Wikipedia-POS with hop 1 only: 19 orbit adjacencies, concatenated as "GOPMI all 19"
    wiki = [r for r in all_rows if r["dataset"] == "wikipedia-pos"]
    assert {r["method"]: r for r in wiki if r["kind"] == "timing"}["orbit_adjacency (19 matrices)"]["matrices"] == 19
    assert sum(r["kind"] == "sweep" and "window" not in r for r in wiki) == 19 + len(cfg["rw_windows"])
    # the best windowed GOPMI meets the best walk on paired splits when it is not the best overall
    for ds_rows in (rows, wiki):
        sw = {r["method"]: r["micro_f1"] for r in ds_rows if r["kind"] == "sweep"}
        best_w = max((m for m in sw if m.startswith("GOPMI") and " T=" in m), key=sw.get)
        best = max((m for m in sw if m.startswith("GOPMI")), key=sw.get)
        n_w = sum(r["kind"] == "paired" and r["method"].startswith(f"best windowed {best_w} vs") for r in ds_rows)
        assert n_w == (0 if best == best_w else len(cfg["train_ratios"]))
    wfinal = {r["method"]: r for r in wiki if r["kind"] == "final"}
    assert wfinal["orbit: GOPMI all 19 (2 dims each)"]["dim"] == 38
    assert [r["method"] for r in wiki if r["kind"] == "paired"][0] == "RWPMI T=2 + GOPMI all 19 vs RWPMI T=2"
    assert "final" in stdout and "paired splits" in stdout and (tmp_path / "results.md").exists()
