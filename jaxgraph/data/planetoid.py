"""Planetoid citation graphs: Cora, CiteSeer, PubMed (and an embedded copy of Cora).

Source: Z. Yang, W. Cohen, R. Salakhutdinov, "Revisiting Semi-Supervised Learning with Graph
Embeddings", ICML 2016 (https://github.com/kimiyoung/planetoid, MIT licence). The underlying
data: Cora and CiteSeer from P. Sen et al., "Collective Classification in Network Data", AI
Magazine 2008; PubMed from G. Namata et al., "Query-driven Active Surveying for Collective
Classification", MLG 2012. The processing reproduces T. Kipf & M. Welling, "Semi-Supervised
Classification with Graph Convolutional Networks", ICLR 2017 (``gcn/utils.py:load_data``) and
PyTorch Geometric's ``read_planetoid_data``.

Files (``planetoid/raw/ind.<name>.<part>`` under a data root), written by Python 2 ``pickle``
(read with ``encoding="latin1"``):

* ``x`` / ``y``: features (scipy CSR) / one-hot labels (ndarray) of the labelled training nodes;
* ``allx`` / ``ally``: features / labels of all non-test nodes (the first ``len(y)`` are ``x``);
* ``tx`` / ``ty``: features / labels of the test nodes, in the order of ``test.index``;
* ``graph``: ``defaultdict(list)`` node -> neighbour list, in the final node numbering;
* ``test.index``: text, one node index per line: where row ``i`` of ``tx``/``ty`` goes.

The pickles are read with :class:`RestrictedUnpickler`, which only constructs numpy arrays,
scipy CSR/CSC matrices, ``collections.defaultdict`` and plain builtin containers; any other
global in the file (e.g. ``os.system``) is refused, so a tampered download cannot run code.
"""
from __future__ import annotations

import importlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from jaxgraph.data.core import NodeDataset, find_file, malformed, register
from jaxgraph.graph.build import from_edge_list, from_scipy

__all__ = [
    "RestrictedUnpickler",
    "UnsafePickleError",
    "restricted_load",
    "load_planetoid",
    "load_cora",
    "load_citeseer",
    "load_pubmed",
    "load_cora_embedded",
    "build_embedded_cora",
    "EMBEDDED_CORA",
]

# Files as published in kimiyoung/planetoid (pinned to the commit the shared copy comes from).
_URL = "https://raw.githubusercontent.com/kimiyoung/planetoid/af6abf468a772cc055bec88c52e4d6f51b7c37e3/data/"
_PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")
# sha256 of each file (PubMed is not in the shared data; see its entry).
_SHA256: dict[str, dict[str, str | None]] = {
    "cora": {
        "x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        "y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
        "tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        "ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        "allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        "ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        "graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        "test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
    },
    "citeseer": {
        "x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
        "y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
        "tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        "ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        "allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        "ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        "graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        "test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
    },
    # Computed from kimiyoung/planetoid @ af6abf4 (the published files); ind.pubmed.allx (> 4 MiB)
    # was not available to checksum, so its download is not verified.
    "pubmed": {
        "x": "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
        "y": "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
        "tx": "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
        "ty": "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
        "allx": None,
        "ally": "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
        "graph": "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
        "test.index": "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
    },
}
_NUM_VAL = 500


# ----------------------------------------------------------------------------- safe unpickling
class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global outside :data:`RestrictedUnpickler.ALLOWED`."""


def _numpy_core(sub: str):
    # numpy >= 2 renamed numpy.core -> numpy._core (the old path warns); numpy 1.26 has both.
    try:
        return importlib.import_module(f"numpy._core.{sub}")
    except ImportError:  # pragma: no cover - very old numpy
        return importlib.import_module(f"numpy.core.{sub}")


def _resolve(module: str, name: str):
    if module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        return getattr(_numpy_core("multiarray"), name)
    if module in ("numpy.core.numeric", "numpy._core.numeric"):
        return getattr(_numpy_core("numeric"), name)
    if module == "numpy":
        return getattr(np, name)
    if module.startswith("scipy.sparse"):
        return getattr(sp, name)  # the public name, whatever private module pickled it
    if module == "collections":
        import collections

        return getattr(collections, name)
    if module in ("builtins", "__builtin__"):
        import builtins

        return getattr(builtins, name)
    if module == "_codecs":
        import _codecs

        return getattr(_codecs, name)
    raise KeyError(module)  # unreachable: only called for allowed pairs


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only builds the objects found in Planetoid files.

    Allowed globals (old and new module paths, as written by Python 2 / numpy 1 and by
    Python 3 / numpy 2 / scipy >= 1.8): numpy ``ndarray``, ``dtype`` and the array
    reconstructors ``_reconstruct`` / ``_frombuffer`` / ``scalar``; scipy.sparse
    ``csr_matrix``, ``csc_matrix``, ``csr_array``, ``csc_array``; ``collections.defaultdict``;
    the builtins ``list``, ``dict``, ``set``, ``tuple``; ``_codecs.encode`` (Python 3 writes
    bytes in protocol 2 with it). Anything else raises :class:`UnsafePickleError` before it
    is looked up, so e.g. ``os.system`` or ``builtins.eval`` can never be called.
    """

    ALLOWED = frozenset(
        [(m, "_reconstruct") for m in ("numpy.core.multiarray", "numpy._core.multiarray")]
        + [(m, "scalar") for m in ("numpy.core.multiarray", "numpy._core.multiarray")]
        + [(m, "_frombuffer") for m in ("numpy.core.numeric", "numpy._core.numeric")]
        + [("numpy", "ndarray"), ("numpy", "dtype")]
        + [
            (m, c)
            for fmt in ("csr", "csc")
            for m in ("scipy.sparse", f"scipy.sparse.{fmt}", f"scipy.sparse._{fmt}")
            for c in (f"{fmt}_matrix", f"{fmt}_array")
        ]
        + [("collections", "defaultdict")]
        + [(m, c) for m in ("builtins", "__builtin__") for c in ("list", "dict", "set", "tuple")]
        + [("_codecs", "encode")]
    )

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise UnsafePickleError(
                f"refusing to unpickle global {module}.{name}: Planetoid files contain only numpy "
                f"arrays, scipy sparse matrices and defaultdict(list); the file is not a Planetoid "
                f"file or has been tampered with"
            )
        return _resolve(module, name)


def restricted_load(path: str | os.PathLike) -> Any:
    """Unpickles ``path`` (latin1, Python 2 compatible) with :class:`RestrictedUnpickler`.

    Raises:
      ValueError: (via :func:`malformed`) for a refused global, a truncated or corrupt pickle.
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafePickleError as e:
        raise malformed(path, None, str(e)) from e
    except Exception as e:  # truncated/corrupt pickles raise many different types
        raise malformed(path, None, f"cannot unpickle ({type(e).__name__}: {e})") from e


# ----------------------------------------------------------------------------- parsing helpers
def _as_csr(obj, path, what: str) -> sp.csr_matrix:
    if sp.issparse(obj):
        try:
            m = sp.csr_matrix(obj)
            m.check_format(full_check=True)
        except Exception as e:
            raise malformed(path, None, f"{what} is an inconsistent sparse matrix ({e})") from e
    elif isinstance(obj, np.ndarray) and obj.ndim == 2:
        m = sp.csr_matrix(obj)
    else:
        raise malformed(path, None, f"{what} must be a 2-D sparse matrix or array, got {type(obj).__name__}")
    if not np.issubdtype(m.dtype, np.number) or np.issubdtype(m.dtype, np.complexfloating):
        raise malformed(path, None, f"{what} has non-real dtype {m.dtype}")
    if not np.isfinite(m.data).all():
        raise malformed(path, None, f"{what} contains NaN/inf values")
    return m


def _as_onehot(obj, path, what: str) -> np.ndarray:
    if sp.issparse(obj):
        obj = obj.toarray()
    if not isinstance(obj, np.ndarray) or obj.ndim != 2:
        raise malformed(path, None, f"{what} must be a 2-D one-hot label array, got {type(obj).__name__}")
    if not np.issubdtype(obj.dtype, np.number) or (obj.dtype.kind == "f" and not np.isfinite(obj).all()):
        raise malformed(path, None, f"{what} must hold finite numbers, got dtype {obj.dtype}")
    return obj


def _read_index(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        text = f.read().decode("ascii", errors="replace")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    out = np.empty(len(lines), np.int64)
    for i, line in enumerate(lines):
        s = line.strip()
        try:
            out[i] = int(s)
        except ValueError:
            raise malformed(path, i + 1, f"expected one integer node index, got {s!r}") from None
        if out[i] < 0:
            raise malformed(path, i + 1, f"negative node index {out[i]}")
    return out


def _graph_edges(graph, path, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(graph, dict):
        raise malformed(path, None, f"graph must be a dict of adjacency lists, got {type(graph).__name__}")
    src, dst = [], []
    for k, v in graph.items():
        if not isinstance(v, (list, tuple, set, np.ndarray)):
            raise malformed(path, None, f"neighbours of node {k!r} are a {type(v).__name__}, not a list")
        src.append(np.full(len(v), k, dtype=object))
        dst.append(np.asarray(list(v), dtype=object))
    s = np.concatenate(src) if src else np.zeros(0, object)
    d = np.concatenate(dst) if dst else np.zeros(0, object)
    for arr in (s, d):
        bad = [x for x in arr if not isinstance(x, (int, np.integer)) or isinstance(x, bool)]
        if bad:
            raise malformed(path, None, f"node ids must be integers, found {bad[0]!r}")
    s = s.astype(np.int64)
    d = d.astype(np.int64)
    for arr in (s, d):
        out = (arr < 0) | (arr >= num_nodes)
        if out.any():
            j = int(np.flatnonzero(out)[0])
            raise malformed(
                path, None, f"edge {int(s[j])} -> {int(d[j])} has a node id out of range [0, {num_nodes})"
            )
    return s, d


def _undirected_graph(src, dst, num_nodes: int, features: np.ndarray, remove_self_loops: bool = False):
    """Both directions of every edge, duplicates merged, sorted by (sender, receiver)."""
    if remove_self_loops:
        keep = src != dst
        src, dst = src[keep], dst[keep]
    a = sp.coo_matrix((np.ones(len(src), np.float32), (src, dst)), shape=(num_nodes, num_nodes)).tocsr()
    a = (a + a.T).tocsr()
    a.sum_duplicates()
    a.data[:] = 1.0
    return from_scipy(a, node_features=features)


def _row_normalize(x: np.ndarray) -> np.ndarray:
    s = x.sum(axis=1, keepdims=True)
    return np.divide(x, s, out=np.zeros_like(x), where=s != 0).astype(np.float32)


# ----------------------------------------------------------------------------- loader
def load_planetoid(
    name: str,
    root: str | os.PathLike | None = None,
    normalize_features: bool = False,
    remove_self_loops: bool = False,
) -> NodeDataset:
    """Loads Cora / CiteSeer / PubMed with the public Planetoid split.

    Processing (Kipf & Welling 2017, PyG): node features ``vstack(allx, tx)`` and labels
    ``argmax(vstack(ally, ty))``, then the test rows are moved to the positions listed in
    ``test.index``. For CiteSeer the test indices do not cover their range
    ``[len(allx), max(test.index)]`` (15 papers have no features/labels in the files): those
    nodes get an all-zero feature row and label 0 (as in Kipf's code and PyG) and lie in no
    mask; they are listed in ``extras["missing_test_nodes"]``.

    Args:
      name: ``"cora"``, ``"citeseer"`` or ``"pubmed"``.
      root: data root (default: the roots of :func:`jaxgraph.data.data_roots`).
      normalize_features: divide each feature row by its sum (Kipf's ``preprocess_features``);
        default False, the raw binary bag-of-words (Cora, CiteSeer) or TF-IDF (PubMed).
      remove_self_loops: drop self loops. Default False keeps the data's own: CiteSeer's graph
        has 124 self loops, so it gives 9,228 directed edges (DGL's count); with True it gives
        9,104 (PyG's count, which removes them). Cora has none; for PubMed (not in the
        shared data, unverified here) DGL reports 88,651 edges and PyG 88,648, i.e. 3 self loops.

    Returns:
      :class:`NodeDataset` with ``graph`` (both edge directions, duplicates merged, sorted by
      sender then receiver; ``nodes`` float32 ``[N, F]`` dense), ``labels`` int32 ``[N]``,
      ``splits`` = one public split ``{"train", "val", "test"}`` of bool ``[N]`` masks (train:
      the first ``len(y)`` nodes, i.e. 20 per class = 140 / 120 / 60; val: the next 500; test:
      the 1,000 ``test.index`` nodes), ``num_classes``, and ``extras`` with ``test_index``
      (file order) and ``missing_test_nodes``. Cora: N=2708, F=1433, 7 classes, 10,556 edges;
      CiteSeer: N=3327, F=3703, 6 classes; PubMed: N=19717, F=500 (TF-IDF),
      3 classes, 60 / 500 / 1000.

    Raises:
      ValueError: a malformed file (refused pickle global, truncated pickle, inconsistent
        shapes, bad or out-of-range indices); the message names the file (and line).
      DatasetNotFoundError: a file is missing and cannot be downloaded.
    """
    name = name.lower()
    if name not in _SHA256:
        raise ValueError(f"unknown Planetoid dataset {name!r}; expected one of {sorted(_SHA256)}")
    paths = {
        part: find_file(
            f"planetoid/raw/ind.{name}.{part}", root, url=f"{_URL}ind.{name}.{part}", sha256=_SHA256[name][part]
        )
        for part in _PARTS
    }
    x = _as_csr(restricted_load(paths["x"]), paths["x"], "x")
    tx = _as_csr(restricted_load(paths["tx"]), paths["tx"], "tx")
    allx = _as_csr(restricted_load(paths["allx"]), paths["allx"], "allx")
    y = _as_onehot(restricted_load(paths["y"]), paths["y"], "y")
    ty = _as_onehot(restricted_load(paths["ty"]), paths["ty"], "ty")
    ally = _as_onehot(restricted_load(paths["ally"]), paths["ally"], "ally")
    graph = restricted_load(paths["graph"])
    test_index = _read_index(paths["test.index"])

    # Shape consistency between the parts.
    num_features = allx.shape[1]
    num_classes = ally.shape[1]
    for part, m in (("x", x), ("tx", tx)):
        if m.shape[1] != num_features:
            raise malformed(paths[part], None, f"{m.shape[1]} feature columns but allx has {num_features}")
    for part, m in (("y", y), ("ty", ty)):
        if m.shape[1] != num_classes:
            raise malformed(paths[part], None, f"{m.shape[1]} label columns but ally has {num_classes}")
    for (fp, f), (lp, lab) in ((("x", x), ("y", y)), (("tx", tx), ("ty", ty)), (("allx", allx), ("ally", ally))):
        if f.shape[0] != lab.shape[0]:
            raise malformed(paths[lp], None, f"{lab.shape[0]} label rows but {fp} has {f.shape[0]} feature rows")
    num_train = y.shape[0]
    if num_train + _NUM_VAL > allx.shape[0]:
        raise malformed(
            paths["allx"], None, f"{allx.shape[0]} rows, fewer than len(y) + {_NUM_VAL} = {num_train + _NUM_VAL}"
        )
    if len(test_index) != tx.shape[0]:
        raise malformed(
            paths["test.index"], None, f"{len(test_index)} test indices but tx has {tx.shape[0]} rows"
        )
    if len(test_index) == 0:
        raise malformed(paths["test.index"], None, "no test indices")
    if len(np.unique(test_index)) != len(test_index):
        vals, counts = np.unique(test_index, return_counts=True)
        dup = int(vals[counts > 1][0])
        line = int(np.flatnonzero(test_index == dup)[1]) + 1
        raise malformed(paths["test.index"], line, f"duplicate test index {dup}")
    lo, hi = int(test_index.min()), int(test_index.max())
    if lo != allx.shape[0]:
        line = int(np.argmin(test_index)) + 1
        raise malformed(
            paths["test.index"], line,
            f"smallest test index is {lo}, expected len(allx) = {allx.shape[0]} (test nodes follow allx)",
        )

    # Test rows sit at sorted(test_index) - lo in the extended block; missing positions stay 0.
    span = hi - lo + 1
    sorted_test = np.sort(test_index)
    ext_rows = sorted_test - lo
    txc = tx.tocoo()
    tx_ext = sp.csr_matrix((txc.data, (ext_rows[txc.row], txc.col)), shape=(span, num_features))
    ty_ext = np.zeros((span, num_classes), ty.dtype)
    ty_ext[ext_rows] = ty
    num_nodes = allx.shape[0] + span
    feats = sp.vstack([allx, tx_ext]).tocsr()
    onehot = np.vstack([ally, ty_ext])
    perm = np.arange(num_nodes)
    perm[test_index] = sorted_test  # row test_index[i] <- row sorted_test[i] (Kipf/PyG)
    feats = feats[perm]
    onehot = onehot[perm]
    labels = onehot.argmax(axis=1).astype(np.int32)
    missing = np.setdiff1d(np.arange(lo, hi + 1), test_index)

    x_dense = feats.toarray().astype(np.float32)
    if normalize_features:
        x_dense = _row_normalize(x_dense)

    src, dst = _graph_edges(graph, paths["graph"], num_nodes)
    g = _undirected_graph(src, dst, num_nodes, x_dense, remove_self_loops=remove_self_loops)

    train = np.zeros(num_nodes, bool)
    train[:num_train] = True
    val = np.zeros(num_nodes, bool)
    val[num_train : num_train + _NUM_VAL] = True
    test = np.zeros(num_nodes, bool)
    test[test_index] = True
    return NodeDataset(
        name=name,
        graph=g,
        labels=labels,
        splits=[{"train": train, "val": val, "test": test}],
        num_classes=int(num_classes),
        extras={"test_index": test_index, "missing_test_nodes": missing},
    )


def _make_loader(name: str):
    def fn(root=None, **kwargs) -> NodeDataset:
        return load_planetoid(name, root=root, **kwargs)

    fn.__name__ = f"load_{name}"
    fn.__qualname__ = fn.__name__
    fn.__doc__ = f"``load_planetoid({name!r}, root, **kwargs)``; see :func:`load_planetoid`."
    return fn


load_cora = register("cora")(_make_loader("cora"))
load_citeseer = register("citeseer")(_make_loader("citeseer"))
load_pubmed = register("pubmed")(_make_loader("pubmed"))


# ----------------------------------------------------------------------------- embedded Cora
#: The compact copy of Cora shipped inside the package (built by :func:`build_embedded_cora`).
EMBEDDED_CORA = Path(__file__).resolve().parent / "embedded" / "cora.npz"
_EMBEDDED_FORMAT = 1


def build_embedded_cora(out_path: str | os.PathLike = EMBEDDED_CORA, root: str | os.PathLike | None = None) -> Path:
    """Writes the compact Cora file shipped as ``jaxgraph/data/embedded/cora.npz``.

    Reads the Planetoid files through :func:`load_planetoid` (so the content is exactly what
    ``load("cora")`` returns) and stores, compressed: the binary bag-of-words as CSR
    ``feat_indptr`` / ``feat_indices`` (column ids of the ones), the sorted directed edge list
    ``senders`` / ``receivers``, ``labels``, the public split as node-index arrays
    ``train`` / ``val`` / ``test``, and ``test_index`` / ``missing_test_nodes``. About 100 kB.
    Run as ``python -m jaxgraph.data.planetoid`` to regenerate it.

    Returns:
      The path written.
    """
    ds = load_planetoid("cora", root=root)
    x = np.asarray(ds.graph.nodes)
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("Cora features are expected to be binary; cannot store them as indices")
    n, f = x.shape
    if n >= 2**16 or f >= 2**16:
        raise ValueError(f"Cora is expected to have < 65536 nodes and features, got {x.shape}")
    csr = sp.csr_matrix(x)
    csr.sort_indices()
    split = ds.splits[0]
    arrays = {
        "format_version": np.int32(_EMBEDDED_FORMAT),
        "num_nodes": np.int32(n),
        "num_features": np.int32(f),
        "num_classes": np.int32(ds.num_classes),
        "feat_indptr": csr.indptr.astype(np.int32),
        "feat_indices": csr.indices.astype(np.uint16),
        "senders": np.asarray(ds.graph.senders).astype(np.uint16),
        "receivers": np.asarray(ds.graph.receivers).astype(np.uint16),
        "labels": ds.labels.astype(np.uint8),
        "train": np.flatnonzero(split["train"]).astype(np.uint16),
        "val": np.flatnonzero(split["val"]).astype(np.uint16),
        "test": np.flatnonzero(split["test"]).astype(np.uint16),
        "test_index": ds.extras["test_index"].astype(np.uint16),
        "missing_test_nodes": ds.extras["missing_test_nodes"].astype(np.uint16),
    }
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:  # a file object: savez would otherwise append ".npz"
        np.savez_compressed(fh, **arrays)
    return out


@register("cora-embedded")
def load_cora_embedded(root=None, normalize_features: bool = False) -> NodeDataset:
    """Cora from the copy shipped inside the package; needs no data files or network.

    Identical to ``load("cora")`` (same features, edges, labels, split and extras; see
    :func:`load_planetoid`): N=2708 nodes, 10,556 directed edges, F=1433 binary features
    (float32 ``[N, F]``), 7 classes, one public split of 140 / 500 / 1000 nodes. Source:
    Planetoid (Yang et al. 2016) / Sen et al. 2008; built by :func:`build_embedded_cora`.

    Args:
      root: ignored (the file is inside the package).
      normalize_features: row-normalise the features, as in :func:`load_planetoid`.
    """
    del root
    from importlib import resources

    ref = resources.files("jaxgraph.data").joinpath("embedded/cora.npz")
    with resources.as_file(ref) as path:
        if not Path(path).exists():
            raise FileNotFoundError(
                f"the embedded Cora file {path} is missing from the installed package; rebuild it "
                f"with `python -m jaxgraph.data.planetoid` or use load('cora')"
            )
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    if int(d["format_version"]) != _EMBEDDED_FORMAT:
        raise ValueError(f"embedded Cora has format {int(d['format_version'])}, expected {_EMBEDDED_FORMAT}")
    n, f = int(d["num_nodes"]), int(d["num_features"])
    indptr = d["feat_indptr"].astype(np.int64)
    x = np.zeros((n, f), np.float32)
    x[np.repeat(np.arange(n), np.diff(indptr)), d["feat_indices"].astype(np.int64)] = 1.0
    if normalize_features:
        x = _row_normalize(x)
    g = from_edge_list(d["senders"].astype(np.int64), d["receivers"].astype(np.int64), n, node_features=x)
    masks = {}
    for k in ("train", "val", "test"):
        m = np.zeros(n, bool)
        m[d[k].astype(np.int64)] = True
        masks[k] = m
    return NodeDataset(
        name="cora",
        graph=g,
        labels=d["labels"].astype(np.int32),
        splits=[masks],
        num_classes=int(d["num_classes"]),
        extras={
            "test_index": d["test_index"].astype(np.int64),
            "missing_test_nodes": d["missing_test_nodes"].astype(np.int64),
        },
    )


if __name__ == "__main__":  # regenerate the embedded file from the Planetoid files
    print(build_embedded_cora())
