"""BlogCatalog / PPI / Wikipedia-POS on the shared files, plus malformed-file checks."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import jaxgraph.data as jd
from jaxgraph.data.core import data_roots


def _shared(relpath: str) -> Path | None:
    for r in data_roots():
        if (r / relpath).exists():
            return r / relpath
    return None


pytestmark = pytest.mark.skipif(
    _shared("embedding/PPI.ungraph") is None, reason="embedding files not in any data root"
)

# name -> (nodes, labels, directed edges, self loops, undirected edges in the literature).
# Literature: BlogCatalog (Tang & Liu 2009; DeepWalk Table 1) 10,312 nodes, 333,983 edges, 39
# labels; PPI and Wikipedia (node2vec, Grover & Leskovec 2016): 3,890 nodes / 76,584 edges /
# 50 labels and 4,777 / 184,812 / 40 (node2vec counts the directed entries, self loops once).
EXPECTED = {
    "blogcatalog": (10312, 39, 667966, 0),
    "ppi": (3890, 50, 76584, 894),
    "wikipedia-pos": (4777, 40, 184812, 222),
}


@pytest.fixture(scope="module")
def datasets():
    return {name: jd.load(name) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statistics(datasets, name):
    ds = datasets[name]
    n, c, e, loops = EXPECTED[name]
    assert ds.name == name
    assert ds.num_nodes == n
    assert ds.num_classes == c
    assert ds.labels.shape == (n, c) and ds.labels.dtype == np.uint8
    assert set(np.unique(ds.labels).tolist()) == {0, 1}
    assert (ds.labels.sum(0) > 0).all()  # every label is used
    assert (ds.labels.sum(1) > 0).all()  # every node has at least one label
    assert ds.splits == []
    x = ds.graph.nodes
    assert x.shape == (n, 1) and x.dtype == np.float32 and (x == 1).all()
    s = np.asarray(ds.graph.senders).astype(np.int64)
    r = np.asarray(ds.graph.receivers).astype(np.int64)
    assert len(s) == e
    assert int((s == r).sum()) == loops
    key = s * n + r
    assert np.all(np.diff(key) > 0)
    assert np.array_equal(np.sort(key), np.sort(r * n + s))


def test_blogcatalog_undirected_count(datasets):
    s = np.asarray(datasets["blogcatalog"].graph.senders)
    assert len(s) // 2 == 333983
    assert int(datasets["blogcatalog"].labels.sum()) == 14476


@pytest.mark.parametrize("name,stem", [("ppi", "PPI"), ("wikipedia-pos", "wikipedia")])
def test_prone_files_match(datasets, name, stem):
    ds = datasets[name]
    n = ds.num_nodes
    e = np.loadtxt(_shared(f"embedding/{stem}.ungraph"), dtype=np.int64)
    pairs = set((e[:, 0] * n + e[:, 1]).tolist()) | set((e[:, 1] * n + e[:, 0]).tolist())
    s = np.asarray(ds.graph.senders).astype(np.int64)
    r = np.asarray(ds.graph.receivers).astype(np.int64)
    assert set((s * n + r).tolist()) == pairs
    lines = _shared(f"embedding/{stem}.cmty").read_text().strip("\n").split("\n")
    for k, line in enumerate(lines):
        ids = sorted({int(t) for t in line.split()})
        assert np.flatnonzero(ds.labels[:, k]).tolist() == ids


# ----------------------------------------------------------------------------- malformed files
def _copy(tmp_path: Path, stem: str) -> Path:
    d = tmp_path / "embedding"
    d.mkdir()
    for ext in ("ungraph", "cmty"):
        shutil.copy(_shared(f"embedding/{stem}.{ext}"), d / f"{stem}.{ext}")
    return d


def test_truncated_edge_row(tmp_path):
    d = _copy(tmp_path, "PPI")
    p = d / "PPI.ungraph"
    data = p.read_text()
    cut = data.index("\n", len(data) // 2) + 2  # keep the first character of the next line
    p.write_text(data[:cut])
    line = data[:cut].count("\n") + 1
    with pytest.raises(ValueError, match=rf"PPI\.ungraph, line {line}: expected 2 node ids"):
        jd.load("ppi", root=tmp_path)


@pytest.mark.parametrize(
    "bad,match",
    [
        ("12\tab", "expected an integer node id, got 'ab'"),
        ("1\t2\t3", r"expected 2 node ids \(u v\), got 3 fields"),
        ("-1\t5", "negative node id"),
    ],
)
def test_bad_edge_line(tmp_path, bad, match):
    d = _copy(tmp_path, "wikipedia")
    p = d / "wikipedia.ungraph"
    lines = p.read_text().split("\n")
    lines[99] = bad
    p.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=rf"wikipedia\.ungraph, line 100: {match}"):
        jd.load("wikipedia-pos", root=tmp_path)


def test_bad_cmty_line(tmp_path):
    d = _copy(tmp_path, "PPI")
    p = d / "PPI.cmty"
    lines = p.read_text().split("\n")
    lines[2] = lines[2] + "\t3.5"
    p.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"PPI\.cmty, line 3: expected an integer node id, got '3\.5'"):
        jd.load("ppi", root=tmp_path)
    lines[2] = ""
    p.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"PPI\.cmty, line 3: empty label line"):
        jd.load("ppi", root=tmp_path)


def test_truncated_mat_file(tmp_path):
    (tmp_path / "embedding").mkdir()
    p = tmp_path / "embedding" / "blogcatalog.mat"
    data = _shared("embedding/blogcatalog.mat").read_bytes()
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match=r"blogcatalog\.mat: cannot read MATLAB file"):
        jd.load("blogcatalog", root=tmp_path)


def test_mat_file_without_group(tmp_path):
    import scipy.io

    (tmp_path / "embedding").mkdir()
    mat = scipy.io.loadmat(_shared("embedding/blogcatalog.mat"))
    scipy.io.savemat(tmp_path / "embedding" / "blogcatalog.mat", {"network": mat["network"]})
    with pytest.raises(ValueError, match=r"blogcatalog\.mat: no variable 'group'"):
        jd.load("blogcatalog", root=tmp_path)
