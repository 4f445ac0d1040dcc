"""TU graph-classification loaders (jaxgraph.data.tu) on the real shared files."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from jaxgraph.data import core, tu
from jaxgraph.data.core import data_roots

# (graphs, classes, per-class counts, average nodes) -- Morris et al. 2020 / Xu et al. 2019.
LITERATURE = {
    "mutag": (188, 2, [63, 125], 17.93),
    "proteins": (1113, 2, [663, 450], 39.06),
    "nci1": (4110, 2, [2053, 2057], 29.87),
    "imdb-binary": (1000, 2, [500, 500], 19.77),
    "enzymes": (600, 6, [100] * 6, 32.63),
}
# average undirected edges per graph (same sources)
LIT_EDGES = {"mutag": 19.79, "proteins": 72.82, "nci1": 32.30, "imdb-binary": 96.53, "enzymes": 62.14}
TU_DIR = {"mutag": "MUTAG", "proteins": "PROTEINS", "nci1": "NCI1"}


def _shared() -> Path:
    for r in data_roots():
        if all((r / f).exists() for f in ("tu/MUTAG/MUTAG_A.txt", "tu/IMDB-BINARY.zip", "tu_gin/ENZYMES/ENZYMES.txt")):
            return r
    pytest.skip("shared TU data not found")


_CACHE: dict = {}


def _load(name, fmt=None):
    key = (name, fmt)
    _shared()  # skip when the shared files are in no data root (no download attempts in tests)
    if key not in _CACHE:
        _CACHE[key] = tu.load_tu(name, format=fmt)
    return _CACHE[key]


FORMATS = [(n, f) for n in LITERATURE for f in (["tu", "gin"] if n != "enzymes" else ["gin"])]


def test_registered_names():
    for name in LITERATURE:
        assert name in core._LOADERS
    assert core._LOADERS["mutag"] is tu.load_mutag


@pytest.mark.parametrize("name,fmt", FORMATS)
def test_statistics_match_literature(name, fmt):
    G, C, per_class, avg_nodes = LITERATURE[name]
    d = _load(name, fmt)
    assert len(d) == G and d.num_classes == C
    assert d.labels.shape == (G,) and np.issubdtype(d.labels.dtype, np.integer)
    assert np.bincount(d.labels).tolist() == per_class
    n = np.array([int(g.n_node[0]) for g in d.graphs])
    e = np.array([int(g.n_edge[0]) for g in d.graphs])
    assert n.mean() == pytest.approx(avg_nodes, abs=0.005)
    assert e.sum() / 2 / G == pytest.approx(LIT_EDGES[name], abs=0.005)
    assert d.extras["format"] == fmt


def test_default_format():
    assert _load("mutag").extras["format"] == "tu"
    assert _load("enzymes").extras["format"] == "gin"
    with pytest.raises(ValueError, match="GIN"):
        tu.load_tu("enzymes", format="tu")
    with pytest.raises(ValueError, match="format"):
        tu.load_tu("mutag", format="csv")
    with pytest.raises(ValueError, match="unknown"):
        tu.load_tu("reddit")


@pytest.mark.parametrize("name,fmt", FORMATS)
def test_graph_structure(name, fmt):
    d = _load(name, fmt)
    width = d.graphs[0].nodes.shape[1]
    for g in d.graphs[:: max(1, len(d) // 200)]:
        s, r = np.asarray(g.senders), np.asarray(g.receivers)
        n = int(g.n_node[0])
        assert g.nodes.dtype == np.float32 and g.nodes.shape == (n, width)
        # sorted, no duplicates, both directions
        key = s.astype(np.int64) * n + r
        assert np.all(np.diff(key) > 0)
        assert set(zip(s.tolist(), r.tolist())) == set(zip(r.tolist(), s.tolist()))
        # one-hot part: exactly one 1 per node
        k = len(d.extras.get("node_label_values", d.extras.get("degree_values", [])))
        assert np.all(g.nodes[:, :k].sum(1) == 1)


def _raw_counts(name):
    """Nodes and distinct directed edges computed directly from the raw TU files."""
    root = _shared()
    if name == "imdb-binary":
        zf = zipfile.ZipFile(root / "tu" / "IMDB-BINARY.zip")
        a = zf.read("IMDB-BINARY/IMDB-BINARY_A.txt").decode().split("\n")
        gi = zf.read("IMDB-BINARY/IMDB-BINARY_graph_indicator.txt").decode().split()
    else:
        d = root / "tu" / TU_DIR[name]
        a = (d / f"{TU_DIR[name]}_A.txt").read_text().split("\n")
        gi = (d / f"{TU_DIR[name]}_graph_indicator.txt").read_text().split()
    pairs = [tuple(int(x) for x in ln.split(",")) for ln in a if ln.strip()]
    return len(gi), len(pairs), len(set(pairs))


@pytest.mark.parametrize("name", ["mutag", "proteins", "nci1", "imdb-binary"])
def test_totals_equal_raw_files(name):
    n_raw, lines, distinct = _raw_counts(name)
    for fmt in ("tu", "gin"):
        d = _load(name, fmt)
        assert sum(int(g.n_node[0]) for g in d.graphs) == n_raw
        assert sum(int(g.n_edge[0]) for g in d.graphs) == distinct
    assert _load(name, "tu").extras["num_raw_edges"] == lines
    if name == "imdb-binary":
        assert lines == 2 * distinct  # the raw IMDB-BINARY _A.txt lists every edge twice
    else:
        assert lines == distinct


def test_mutag_formats_agree():
    a, b = _load("mutag", "tu"), _load("mutag", "gin")
    sig = lambda d: sorted(  # noqa: E731
        (int(g.n_node[0]), int(g.n_edge[0]), int(y)) for g, y in zip(d.graphs, d.labels)
    )
    assert sig(a) == sig(b)  # same graphs (sizes, edges, labels) ...
    order_a = [(int(g.n_node[0]), int(y)) for g, y in zip(a.graphs, a.labels)]
    order_b = [(int(g.n_node[0]), int(y)) for g, y in zip(b.graphs, b.labels)]
    assert order_a != order_b  # ... but in another order: no folds for the TU order
    assert a.folds == [] and "order" in a.extras["folds_note"]
    assert len(b.folds) == 10
    assert a.extras["label_values"].tolist() == [-1, 1]
    assert b.extras["label_values"].tolist() == [0, 2]
    # MUTAG: 7 atom labels one-hot, 4 bond labels one-hot as edges
    assert a.graphs[0].nodes.shape[1] == 7 and b.graphs[0].nodes.shape[1] == 7
    assert a.graphs[0].edges.shape == (int(a.graphs[0].n_edge[0]), 4)
    assert np.all(np.concatenate([g.edges for g in a.graphs]).sum(1) == 1)
    assert b.graphs[0].edges is None


@pytest.mark.parametrize("name", ["proteins", "nci1", "imdb-binary"])
def test_formats_agree_graph_by_graph(name):
    a, b = _load(name, "tu"), _load(name, "gin")
    assert np.array_equal(a.labels, b.labels)
    for x, y in zip(a.graphs, b.graphs):
        assert int(x.n_node[0]) == int(y.n_node[0])
        assert np.array_equal(x.senders, y.senders) and np.array_equal(x.receivers, y.receivers)
    k = a.graphs[0].nodes.shape[1] - a.extras.get("num_node_attributes", 0)
    la = np.concatenate([g.nodes[:, :k].argmax(1) for g in a.graphs])
    lb = np.concatenate([g.nodes[:, :k].argmax(1) for g in b.graphs])
    assert len(set(zip(la.tolist(), lb.tolist()))) == k  # node labels <-> GIN tags is a bijection
    assert len(a.folds) == len(b.folds) == 10
    for fa, fb in zip(a.folds, b.folds):
        assert np.array_equal(fa["train"], fb["train"]) and np.array_equal(fa["test"], fb["test"])


def test_proteins_attributes_and_label_mapping():
    d = _load("proteins", "tu")
    assert d.extras["label_values"].tolist() == [1, 2]
    assert d.extras["num_node_attributes"] == 1
    assert d.graphs[0].nodes.shape[1] == 3 + 1
    attrs = np.loadtxt(_shared() / "tu" / "PROTEINS" / "PROTEINS_node_attributes.txt")
    got = np.concatenate([g.nodes[:, 3] for g in d.graphs])
    np.testing.assert_allclose(got, attrs.astype(np.float32))


def test_imdb_degree_features():
    for fmt in ("tu", "gin"):
        d = _load("imdb-binary", fmt)
        vals = d.extras["degree_values"]
        assert d.graphs[0].nodes.shape[1] == len(vals) == 65
        for g in d.graphs[:50]:
            deg = np.bincount(g.senders, minlength=int(g.n_node[0]))
            assert np.array_equal(vals[g.nodes.argmax(1)], deg)
    plain = tu.load_tu("imdb-binary", format="gin", degree_as_tag=False, with_folds=False)
    assert plain.graphs[0].nodes.shape[1] == 1 and np.all(plain.graphs[0].nodes == 1)


@pytest.mark.parametrize("name", list(LITERATURE))
def test_folds_partition(name):
    d = _load(name, "gin")
    G = len(d)
    assert len(d.folds) == 10
    seen = np.zeros(G, int)
    for f in d.folds:
        tr, te = f["train"], f["test"]
        assert len(np.intersect1d(tr, te)) == 0
        assert np.array_equal(np.union1d(tr, te), np.arange(G))
        seen[te] += 1
    # the ten test sets are disjoint; G mod 10 graphs are in no test set (as in the GIN files)
    assert seen.max() == 1 and (seen == 0).sum() == G % 10


def test_enzymes_gin():
    d = _load("enzymes")
    assert d.graphs[0].nodes.shape[1] == 3 and d.extras["label_values"].tolist() == list(range(6))


# ----------------------------------------------------------------------------- malformed files
@pytest.fixture
def mutag_root(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    src = _shared()
    shutil.copytree(src / "tu" / "MUTAG", tmp_path / "tu" / "MUTAG")
    shutil.copytree(src / "tu_gin" / "MUTAG", tmp_path / "tu_gin" / "MUTAG")
    for p in (tmp_path / "tu").rglob("*"):
        p.chmod(0o644)
    for p in (tmp_path / "tu_gin").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return tmp_path


def _edit_line(path: Path, lineno: int, new: str | None):
    lines = path.read_text().split("\n")
    if new is None:
        del lines[lineno - 1]
    else:
        lines[lineno - 1] = new
    path.write_text("\n".join(lines))


def test_copied_root_loads(mutag_root):
    d = tu.load_tu("mutag", root=mutag_root)
    assert len(d) == 188 and d.folds == []
    assert len(tu.load_tu("mutag", root=mutag_root, format="gin").folds) == 10


@pytest.mark.parametrize(
    "fname,lineno,new,pattern",
    [
        ("MUTAG_A.txt", 5, "3, 4, 5", r"MUTAG_A\.txt, line 5: expected 2"),
        ("MUTAG_A.txt", 7, "3, x", r"MUTAG_A\.txt, line 7: cannot parse integer 'x'"),
        ("MUTAG_A.txt", 9, "3, 99999", r"MUTAG_A\.txt, line 9: node id 99999 is outside"),
        ("MUTAG_A.txt", 11, "1, 3371", r"MUTAG_A\.txt, line 11: edge \(1, 3371\) joins graph 1 and graph 188"),
        ("MUTAG_node_labels.txt", 3, None, r"MUTAG_node_labels\.txt, line 3371: has 3370 lines but there are 3371"),
        ("MUTAG_edge_labels.txt", 2, "2", r"MUTAG_edge_labels\.txt, line 2: edge \(1, 2\) has label 2 but .* \(2, 1\) on line 1 has label 0"),
        ("MUTAG_graph_labels.txt", 188, None, r"MUTAG_graph_indicator\.txt, line 3356: graph id 188 is outside 1\.\.187"),
        ("MUTAG_graph_indicator.txt", 5, "2", r"MUTAG_graph_indicator\.txt, line 6: graph id 1 after 2"),
        ("MUTAG_graph_indicator.txt", 3371, "1.5", r"MUTAG_graph_indicator\.txt, line 3371: cannot parse"),
    ],
)
def test_malformed_tu(mutag_root, fname, lineno, new, pattern):
    _edit_line(mutag_root / "tu" / "MUTAG" / fname, lineno, new)
    with pytest.raises(ValueError, match=pattern):
        tu.load_tu("mutag", root=mutag_root, with_folds=False)


def test_malformed_tu_graph_without_nodes(mutag_root):
    p = mutag_root / "tu" / "MUTAG" / "MUTAG_graph_labels.txt"
    p.write_text(p.read_text() + "1\n")
    with pytest.raises(ValueError, match=r"MUTAG_graph_indicator\.txt: graph 189 has no nodes"):
        tu.load_tu("mutag", root=mutag_root, with_folds=False)


def _gin(root):
    return root / "tu_gin" / "MUTAG" / "MUTAG.txt"


@pytest.mark.parametrize(
    "lineno,new,pattern",
    [
        (1, "189", r"MUTAG\.txt, line 3561: file ends after 188 of 189 graphs"),
        (1, "187", r"MUTAG\.txt, line 3548: unexpected content after the 187 graphs"),
        (3, "2 2 1 99", r"MUTAG\.txt, line 3: neighbour 99 of node 0 is outside 0\.\.22"),
        (3, "2 3 1 13", r"MUTAG\.txt, line 3: node 0 of graph 0 declares 3 neighbours but the line has 2"),
        (3, "2 2 1 x", r"MUTAG\.txt, line 3: cannot parse node line"),
        (2, "23", r"MUTAG\.txt, line 2: graph 0: expected 'num_nodes label'"),
        (4, "2 2 0 2 0.5", r"MUTAG\.txt, line 4: node line has 1 attribute\(s\), earlier nodes have 0"),
    ],
)
def test_malformed_gin(mutag_root, lineno, new, pattern):
    _edit_line(_gin(mutag_root), lineno, new)
    with pytest.raises(ValueError, match=pattern):
        tu.load_tu("mutag", root=mutag_root, format="gin", with_folds=False)


def test_malformed_gin_truncated(mutag_root):
    p = _gin(mutag_root)
    lines = p.read_text().split("\n")
    p.write_text("\n".join(lines[:-5]))
    with pytest.raises(ValueError, match=r"MUTAG\.txt, line \d+: file ends inside graph 187"):
        tu.load_tu("mutag", root=mutag_root, format="gin", with_folds=False)


@pytest.mark.parametrize(
    "new,pattern",
    [
        ("500", r"test_idx-3\.txt, line 1: graph index 500 is outside 0\.\.187"),
        ("abc", r"test_idx-3\.txt, line 1: cannot parse integer 'abc'"),
    ],
)
def test_malformed_folds(mutag_root, new, pattern):
    _edit_line(mutag_root / "tu_gin" / "MUTAG" / "10fold_idx" / "test_idx-3.txt", 1, new)
    with pytest.raises(ValueError, match=pattern):
        tu.load_tu("mutag", root=mutag_root, format="gin")


def test_malformed_folds_overlap(mutag_root):
    p = mutag_root / "tu_gin" / "MUTAG" / "10fold_idx" / "test_idx-2.txt"
    first_train = (mutag_root / "tu_gin" / "MUTAG" / "10fold_idx" / "train_idx-2.txt").read_text().split()[0]
    _edit_line(p, 1, first_train)
    with pytest.raises(ValueError, match=r"test_idx-2\.txt.*fold 2: train .* must partition the 188 graphs"):
        tu.load_tu("mutag", root=mutag_root, format="gin")


def test_imdb_zip_member_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    src = zipfile.ZipFile(_shared() / "tu" / "IMDB-BINARY.zip")
    (tmp_path / "tu").mkdir()
    with zipfile.ZipFile(tmp_path / "tu" / "IMDB-BINARY.zip", "w") as z:
        for m in src.namelist():
            if not m.endswith("graph_labels.txt"):
                z.writestr(m, src.read(m))
    with pytest.raises(ValueError, match=r"IMDB-BINARY\.zip: the archive has no member 'IMDB-BINARY/IMDB-BINARY_graph_labels\.txt'"):
        tu.load_tu("imdb-binary", root=tmp_path, with_folds=False)


def test_imdb_zip_corrupt_line(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    src = zipfile.ZipFile(_shared() / "tu" / "IMDB-BINARY.zip")
    (tmp_path / "tu").mkdir()
    with zipfile.ZipFile(tmp_path / "tu" / "IMDB-BINARY.zip", "w") as z:
        for m in src.namelist():
            data = src.read(m)
            if m.endswith("_A.txt"):
                lines = data.decode().split("\n")
                lines[9] = "1"
                data = "\n".join(lines).encode()
            z.writestr(m, data)
    with pytest.raises(ValueError, match=r"IMDB-BINARY\.zip:IMDB-BINARY/IMDB-BINARY_A\.txt, line 10: expected 2"):
        tu.load_tu("imdb-binary", root=tmp_path, with_folds=False)


def test_missing_file_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    with pytest.raises(core.DatasetNotFoundError, match="MUTAG_A.txt"):
        tu.load_tu("mutag", root=tmp_path)
