"""Executes every notebook top to bottom (small settings) so none can rot."""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# what each notebook must print when it ran to the end (a new notebook must add its line)
MARKERS = {"quickstart.ipynb": ("test accuracy",), "equivariant_gaunt.ipynb": ("force equivariance error",),
           "temporal_nat.ipynb": ("NAT test AP",), "embeddings_linkpred.ipynb": ("ATC^cos Pearson", "2-5 nodes: 73 orbits")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    # small settings, read by the notebooks (their defaults are the full ones)
    monkeypatch.setenv("JAXGRAPH_NB_EPOCHS", "20")  # quickstart
    monkeypatch.setenv("JAXGRAPH_NB_BATCHES", "30")  # temporal_nat: training batches per model
    monkeypatch.setenv("JAXGRAPH_NB_EVAL_BATCHES", "10")  # temporal_nat: val / test batches per model
    monkeypatch.setenv("JAXGRAPH_NB_MAX_L", "4")  # equivariant_gaunt: timing sweep up to L = 4
    monkeypatch.setenv("JAXGRAPH_NB_WALKS", "2")  # embeddings_linkpred: DeepWalk corpus 2 x 20
    monkeypatch.setenv("JAXGRAPH_NB_WALK_LENGTH", "20")
    monkeypatch.setenv("JAXGRAPH_NB_TC_EPOCHS", "20")  # embeddings_linkpred: GCN link-predictor epochs
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    for marker in MARKERS[path.name]:
        assert marker in outputs, marker
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the notebook's plot cell produced no figure"


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"
