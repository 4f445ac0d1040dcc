"""Planetoid loaders (Cora, CiteSeer on the shared files; PubMed on generated files), the
restricted unpickler, malformed files, and the embedded Cora copy."""
from __future__ import annotations

import collections
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import jaxgraph.data as jd
from jaxgraph.data import planetoid
from jaxgraph.data.core import data_roots

PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")


def _shared(relpath: str) -> Path | None:
    for r in data_roots():
        if (r / relpath).exists():
            return r / relpath
    return None


def _need(name: str):
    return pytest.mark.skipif(
        _shared(f"planetoid/raw/ind.{name}.x") is None, reason=f"Planetoid {name} files not in any data root"
    )


@pytest.fixture(scope="module")
def cora():
    return jd.load("cora")


@pytest.fixture(scope="module")
def citeseer():
    return jd.load("citeseer")


def _edges(ds):
    return np.asarray(ds.graph.senders).astype(np.int64), np.asarray(ds.graph.receivers).astype(np.int64)


def _check_graph_invariants(ds):
    s, r = _edges(ds)
    n = ds.num_nodes
    key = s * n + r
    assert np.all(np.diff(key) > 0), "edges must be sorted by (sender, receiver) without duplicates"
    assert set(key.tolist()) == set((r * n + s).tolist()), "both directions of every edge"
    assert ds.graph.nodes.dtype == np.float32 and ds.graph.nodes.shape[0] == n
    assert ds.labels.shape == (n,)
    (split,) = ds.splits
    tr, va, te = split["train"], split["val"], split["test"]
    assert tr.dtype == va.dtype == te.dtype == bool
    assert not (tr & va).any() and not (tr & te).any() and not (va & te).any()


def _copy_planetoid(name: str, dst_root: Path) -> Path:
    raw = dst_root / "planetoid" / "raw"
    raw.mkdir(parents=True)
    for part in PARTS:
        shutil.copy(_shared(f"planetoid/raw/ind.{name}.{part}"), raw / f"ind.{name}.{part}")
    return raw


# ----------------------------------------------------------------------------- real data
@_need("cora")
def test_cora_statistics(cora):
    assert cora.num_nodes == 2708
    assert len(cora.graph.senders) == 10556
    assert cora.graph.nodes.shape == (2708, 1433)
    assert cora.num_classes == 7
    split = cora.splits[0]
    assert [int(split[k].sum()) for k in ("train", "val", "test")] == [140, 500, 1000]
    assert np.array_equal(np.flatnonzero(split["train"]), np.arange(140))
    assert np.array_equal(np.flatnonzero(split["val"]), np.arange(140, 640))
    assert np.array_equal(np.flatnonzero(split["test"]), np.arange(1708, 2708))
    assert np.bincount(cora.labels).tolist() == [351, 217, 418, 818, 426, 298, 180]
    assert np.bincount(cora.labels[split["train"]]).tolist() == [20] * 7
    x = cora.graph.nodes
    assert set(np.unique(x).tolist()) == {0.0, 1.0}  # raw binary bag-of-words, not normalised
    assert int(x.sum()) == 49216
    s, r = _edges(cora)
    assert not (s == r).any()
    _check_graph_invariants(cora)


@_need("citeseer")
def test_citeseer_statistics(citeseer):
    assert citeseer.num_nodes == 3327
    assert citeseer.graph.nodes.shape == (3327, 3703)
    assert citeseer.num_classes == 6
    split = citeseer.splits[0]
    assert [int(split[k].sum()) for k in ("train", "val", "test")] == [120, 500, 1000]
    s, r = _edges(citeseer)
    # The data's own 124 self loops are kept: 9104 (PyG, self loops removed) + 124 = 9228 (DGL).
    assert int((s == r).sum()) == 124
    assert int((s != r).sum()) == 9104
    assert len(s) == 9228
    # 15 test-range nodes have no features/labels in the files: zero rows, label 0, no mask.
    missing = citeseer.extras["missing_test_nodes"]
    assert len(missing) == 15 and missing.min() >= 2312
    assert not citeseer.graph.nodes[missing].any()
    assert not (split["train"] | split["val"] | split["test"])[missing].any()
    assert (citeseer.labels[missing] == 0).all()
    _check_graph_invariants(citeseer)


@_need("citeseer")
def test_citeseer_remove_self_loops_gives_pyg_count():
    ds = jd.load("citeseer", remove_self_loops=True)
    s, r = _edges(ds)
    assert len(s) == 9104 and not (s == r).any()


@pytest.mark.parametrize("name", ["cora", "citeseer"])
def test_test_rows_reordered_by_test_index(name, request):
    if _shared(f"planetoid/raw/ind.{name}.x") is None:
        pytest.skip("no Planetoid files")
    ds = request.getfixturevalue(name)
    raw = {p: planetoid.restricted_load(_shared(f"planetoid/raw/ind.{name}.{p}")) for p in ("tx", "ty", "allx", "ally")}
    test_index = ds.extras["test_index"]
    x = ds.graph.nodes
    # Row i of tx/ty belongs to node test_index[i]; allx/ally are nodes 0..len(allx)-1.
    assert np.array_equal(x[test_index], raw["tx"].toarray())
    assert np.array_equal(ds.labels[test_index], raw["ty"].argmax(1))
    n_all = raw["allx"].shape[0]
    assert np.array_equal(x[:n_all], raw["allx"].toarray())
    assert np.array_equal(ds.labels[:n_all], raw["ally"].argmax(1))


@_need("cora")
def test_normalize_features(cora):
    ds = jd.load("cora", normalize_features=True)
    x = ds.graph.nodes
    assert x.dtype == np.float32
    np.testing.assert_allclose(x.sum(1), 1.0, rtol=1e-5)
    assert np.array_equal(x > 0, cora.graph.nodes > 0)


# ----------------------------------------------------------------------------- embedded copy
@_need("cora")
def test_embedded_cora_equals_cora(cora):
    emb = jd.load("cora-embedded")
    assert planetoid.EMBEDDED_CORA.stat().st_size < 1_000_000
    assert emb.graph.nodes.dtype == cora.graph.nodes.dtype
    assert np.array_equal(emb.graph.nodes, cora.graph.nodes)
    assert np.array_equal(emb.graph.senders, cora.graph.senders)
    assert np.array_equal(emb.graph.receivers, cora.graph.receivers)
    assert np.array_equal(emb.graph.n_node, cora.graph.n_node)
    assert np.array_equal(emb.graph.n_edge, cora.graph.n_edge)
    assert emb.labels.dtype == cora.labels.dtype and np.array_equal(emb.labels, cora.labels)
    assert emb.num_classes == cora.num_classes
    for k in ("train", "val", "test"):
        assert np.array_equal(emb.splits[0][k], cora.splits[0][k])
    for k in ("test_index", "missing_test_nodes"):
        assert np.array_equal(emb.extras[k], cora.extras[k])
    norm = jd.load("cora-embedded", normalize_features=True).graph.nodes
    assert np.array_equal(norm, jd.load("cora", normalize_features=True).graph.nodes)


@_need("cora")
def test_build_embedded_cora_reproduces_shipped_file(tmp_path):
    out = planetoid.build_embedded_cora(tmp_path / "cora.npz")
    with np.load(out) as new, np.load(planetoid.EMBEDDED_CORA) as old:
        assert sorted(new.files) == sorted(old.files)
        for k in new.files:
            assert np.array_equal(new[k], old[k]), k


def test_embedded_cora_needs_no_data_root(monkeypatch, tmp_path):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    monkeypatch.setenv("JAXGRAPH_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("JAXGRAPH_SHARED_DATA", str(tmp_path / "none"))
    ds = jd.load("cora-embedded")
    assert ds.num_nodes == 2708 and len(ds.graph.senders) == 10556 and ds.graph.nodes.shape == (2708, 1433)


# ----------------------------------------------------------------------------- restricted unpickler
class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


def test_restricted_unpickler_refuses_malicious_pickle(tmp_path):
    import io

    marker = tmp_path / "pwned"
    payload = pickle.dumps(collections.defaultdict(list, {0: [_Evil(marker)]}), protocol=2)
    with pytest.raises(planetoid.UnsafePickleError, match="refusing to unpickle global"):
        planetoid.RestrictedUnpickler(io.BytesIO(payload), encoding="latin1").load()
    with pytest.raises(planetoid.UnsafePickleError, match="eval"):
        planetoid.RestrictedUnpickler(io.BytesIO(pickle.dumps(_EvilEval()))).load()
    assert not marker.exists()


@_need("cora")
def test_malicious_graph_file_is_refused_by_loader(tmp_path):
    raw = _copy_planetoid("cora", tmp_path)
    marker = tmp_path / "pwned"
    with open(raw / "ind.cora.graph", "wb") as f:
        pickle.dump({0: [_Evil(marker)]}, f, protocol=2)
    with pytest.raises(ValueError, match=r"ind\.cora\.graph.*refusing to unpickle global (posix|os|nt)\.system"):
        jd.load("cora", root=tmp_path)
    assert not marker.exists()


# ----------------------------------------------------------------------------- malformed files
@_need("cora")
def test_truncated_pickle_raises(tmp_path):
    raw = _copy_planetoid("cora", tmp_path)
    p = raw / "ind.cora.allx"
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"malformed data file .*ind\.cora\.allx.*cannot unpickle"):
        jd.load("cora", root=tmp_path)


@_need("cora")
@pytest.mark.parametrize(
    "line,bad,match",
    [
        (3, "12x4", r"line 3: expected one integer"),
        (5, "", r"line 5: expected one integer"),
        (7, "-2", "line 7: negative"),
    ],
)
def test_bad_test_index_line_raises(tmp_path, line, bad, match):
    raw = _copy_planetoid("cora", tmp_path)
    p = raw / "ind.cora.test.index"
    lines = p.read_text().split("\n")
    lines[line - 1] = bad
    p.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"ind\.cora\.test\.index, " + match):
        jd.load("cora", root=tmp_path)


@_need("cora")
def test_truncated_test_index_raises(tmp_path):
    raw = _copy_planetoid("cora", tmp_path)
    p = raw / "ind.cora.test.index"
    p.write_text("\n".join(p.read_text().split("\n")[:990]) + "\n")
    with pytest.raises(ValueError, match=r"ind\.cora\.test\.index: 990 test indices but tx has 1000 rows"):
        jd.load("cora", root=tmp_path)


@_need("cora")
def test_graph_node_out_of_range_raises(tmp_path):
    raw = _copy_planetoid("cora", tmp_path)
    graph = planetoid.restricted_load(raw / "ind.cora.graph")
    graph[5].append(2708)
    with open(raw / "ind.cora.graph", "wb") as f:
        pickle.dump(graph, f, protocol=2)
    with pytest.raises(ValueError, match=r"ind\.cora\.graph.*5 -> 2708.*out of range \[0, 2708\)"):
        jd.load("cora", root=tmp_path)


@_need("cora")
def test_inconsistent_shapes_raise(tmp_path):
    raw = _copy_planetoid("cora", tmp_path)
    ty = planetoid.restricted_load(raw / "ind.cora.ty")
    with open(raw / "ind.cora.ty", "wb") as f:
        pickle.dump(ty[:-1], f, protocol=2)
    with pytest.raises(ValueError, match=r"ind\.cora\.ty.*999 label rows but tx has 1000"):
        jd.load("cora", root=tmp_path)


# ----------------------------------------------------------------------------- PubMed (generated)
def _write_planetoid(root: Path, name: str, x_full, onehot, test_index, graph, num_train, protocol=2):
    """Writes files in the Planetoid format that must load back to ``x_full`` / ``onehot``."""
    raw = root / "planetoid" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    n_all = int(test_index.min())
    objs = {
        "x": sp.csr_matrix(x_full[:num_train]),
        "y": onehot[:num_train],
        "allx": sp.csr_matrix(x_full[:n_all]),
        "ally": onehot[:n_all],
        "tx": sp.csr_matrix(x_full[test_index]),
        "ty": onehot[test_index],
        "graph": graph,
    }
    for part, obj in objs.items():
        with open(raw / f"ind.{name}.{part}", "wb") as f:
            pickle.dump(obj, f, protocol=protocol if part != "x" else 5)  # x: numpy>=2 protocol-5 path
    (raw / f"ind.{name}.test.index").write_text("".join(f"{i}\n" for i in test_index))


def _random_planetoid(rng, n_all, n_test_span, num_features, num_classes, num_train, missing=()):
    n = n_all + n_test_span
    x = rng.random((n, num_features)) * (rng.random((n, num_features)) < 0.2)  # TF-IDF-like
    labels = rng.integers(0, num_classes, n)
    onehot = np.eye(num_classes, dtype=np.int64)[labels]
    test_nodes = np.setdiff1d(np.arange(n_all, n), np.asarray(missing, int))
    test_index = rng.permutation(test_nodes)
    x[list(missing)] = 0.0
    labels[list(missing)] = 0
    onehot[list(missing)] = 0
    # Asymmetric adjacency lists with duplicates (the loader symmetrises and dedupes).
    graph = collections.defaultdict(list)
    pairs = set()
    for _ in range(3 * n):
        a, b = (int(v) for v in rng.integers(0, n, 2))
        if a == b:
            continue
        graph[a].append(b)
        if rng.random() < 0.5:
            graph[b].append(a)
        pairs |= {(a, b), (b, a)}
    graph[3].append(3)  # one self loop: kept
    pairs.add((3, 3))
    graph[7].extend(graph[7][:1])  # a duplicate
    return x, labels, onehot, test_index, graph, pairs


def _check_against_truth(ds, x, labels, test_index, pairs, num_train, n_all):
    n = x.shape[0]
    assert ds.num_nodes == n
    assert ds.graph.nodes.dtype == np.float32
    np.testing.assert_array_equal(ds.graph.nodes, x.astype(np.float32))
    np.testing.assert_array_equal(ds.labels, labels)
    s, r = _edges(ds)
    assert set(zip(s.tolist(), r.tolist())) == pairs
    assert len(s) == len(pairs)
    assert np.all(np.diff(s * n + r) > 0)
    split = ds.splits[0]
    assert np.array_equal(np.flatnonzero(split["train"]), np.arange(num_train))
    assert np.array_equal(np.flatnonzero(split["val"]), np.arange(num_train, num_train + 500))
    assert np.array_equal(np.flatnonzero(split["test"]), np.sort(test_index))
    np.testing.assert_array_equal(ds.extras["test_index"], test_index)


def test_pubmed_generated_files(tmp_path):
    rng = np.random.default_rng(0)
    num_train, n_all, n_test = 9, 560, 40
    x, labels, onehot, test_index, graph, pairs = _random_planetoid(rng, n_all, n_test, 20, 3, num_train)
    _write_planetoid(tmp_path, "pubmed", x, onehot, test_index, graph, num_train)
    ds = jd.load("pubmed", root=tmp_path)
    assert ds.name == "pubmed" and ds.num_classes == 3
    assert len(ds.extras["missing_test_nodes"]) == 0
    _check_against_truth(ds, x, labels, test_index, pairs, num_train, n_all)


def test_generated_files_with_missing_test_nodes(tmp_path):
    """CiteSeer-style gaps in the test range: zero rows, label 0, in no mask."""
    rng = np.random.default_rng(1)
    num_train, n_all, span = 6, 520, 30
    missing = (n_all + 4, n_all + 17)
    x, labels, onehot, test_index, graph, pairs = _random_planetoid(rng, n_all, span, 12, 3, num_train, missing)
    _write_planetoid(tmp_path, "pubmed", x, onehot, test_index, graph, num_train, protocol=4)
    ds = jd.load("pubmed", root=tmp_path)
    _check_against_truth(ds, x, labels, test_index, pairs, num_train, n_all)
    assert ds.extras["missing_test_nodes"].tolist() == list(missing)


def test_pubmed_missing_file_names_url(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    url = r"raw\.githubusercontent\.com/kimiyoung/planetoid"
    with pytest.raises(jd.DatasetNotFoundError, match=r"ind\.pubmed\.x.*" + url):
        jd.load("pubmed", root=tmp_path)


def test_registered_names():
    names = jd.available()
    for n in ("cora", "citeseer", "pubmed", "cora-embedded"):
        assert n in names
