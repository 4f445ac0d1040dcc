"""experiments/embeddings runs the IRWE task end to end on its smoke config."""
import json

import numpy as np

METHODS = {"IRWE-identity", "IRWE-position", "IRWE-both", "DeepWalk", "AW-distribution", "GDV-15", "GDV-73"}


def test_embeddings_irwe_test_config(tmp_path, run_experiment):
    stdout = run_experiment("experiments/embeddings/main.py", "experiments/embeddings/configs/test_irwe.py",
                            tmp_path, timeout=600)
    res = json.load(open(tmp_path / "results.json"))
    assert res["config"]["task"] == "irwe"
    rows = res["rows"]
    groups = {(r["dataset"], r["setting"]) for r in rows}
    assert groups == {("roles/houses", "transductive"), ("roles/houses", "inductive (unseen graph)"),
                      ("karate", "transductive"), ("karate", "inductive (held-out nodes)")}
    for g in groups:
        assert {r["method"] for r in rows if (r["dataset"], r["setting"]) == g} == METHODS
    roles = {r["method"]: r for r in rows if r["dataset"] == "roles/houses" and r["setting"] == "transductive"}
    for r in roles.values():
        assert 0.0 <= r["role_acc"] <= 1.0 and 0.0 <= r["role_macro_f1"] <= 1.0
    # the raw anonymous-walk distribution identifies roles far above chance (8 orbits, largest 20 %)
    assert roles["AW-distribution"]["role_acc"] > 0.3
    # inductive role rows: only identity methods transfer to an unseen graph
    ind = {r["method"]: r for r in rows if r["setting"] == "inductive (unseen graph)"}
    assert ind["DeepWalk"]["role_acc"] is None and 0.0 <= ind["IRWE-identity"]["role_acc"] <= 1.0
    # graphlet degree vectors are computed per graph, so they transfer too; 5-node orbits resolve
    # roles at least as well as the 15 orbits of 2-4 nodes on this role graph
    assert ind["GDV-73"]["role_acc"] >= ind["GDV-15"]["role_acc"] - 0.05 > 0.3
    for r in rows:
        if r["dataset"] == "karate":
            assert 0.0 <= r["nmi"] <= 1.0 + 1e-9 and 0.0 <= r["lp_auc"] <= 1.0
    kt = {r["method"]: r for r in rows if r["dataset"] == "karate" and r["setting"] == "transductive"}
    assert np.isfinite(kt["IRWE-position"]["lp_auc"])
    assert "claim:" in stdout and (tmp_path / "results.md").exists()
