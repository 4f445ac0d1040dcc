"""experiments/graph_level runs end to end on its test config and writes one row per cell."""
import json

import numpy as np


def test_graph_level_main_test_config(tmp_path, run_experiment):
    stdout = run_experiment("experiments/graph_level/main.py", "experiments/graph_level/configs/test.py", tmp_path,
                            timeout=600)
    res = json.load(open(tmp_path / "results.json"))
    cfg, rows = res["config"], res["rows"]
    want = {(d, b, v) for d in cfg["datasets"] for b in cfg["backbones"] for v in cfg["variants"]}
    assert {(r["dataset"], r["backbone"], r["variant"]) for r in rows} == want and len(rows) == len(want)
    for r in rows:
        assert len(r["tests"]) == len(cfg["seeds"]) and np.isfinite(r["test_mean"])
        assert (0 <= r["test_mean"] <= 100) if r["metric"] == "accuracy" else r["test_mean"] >= 0
        assert r["num_params"] > 0 and 1 <= r["epochs_run"] <= cfg["epochs"]
    assert "Plain vs GNN+" in stdout and "cells" in stdout
    assert (tmp_path / "results.md").read_text().count("count-triangle") >= 3  # 2 variant rows + 1 comparison
