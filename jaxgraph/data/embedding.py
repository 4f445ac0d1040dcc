"""Multi-label node-embedding benchmarks: BlogCatalog, PPI, Wikipedia (POS).

* ``blogcatalog``: L. Tang, H. Liu, "Relational Learning via Latent Social Dimensions", KDD
  2009; the copy distributed with DeepWalk (B. Perozzi, R. Al-Rfou, S. Skiena, KDD 2014),
  https://github.com/phanein/deepwalk ``example_graphs/blogcatalog.mat`` (MATLAB v5:
  ``network`` = sparse symmetric adjacency ``[N, N]``, ``group`` = sparse ``[N, C]`` labels).
* ``ppi``: the protein-protein interaction graph (Homo sapiens, BioGRID, B.-J. Breitkreutz et
  al. 2008) with hallmark-gene-set labels, as used by node2vec (A. Grover, J. Leskovec, KDD 2016).
* ``wikipedia-pos``: word co-occurrence network of the first million bytes of Wikipedia with
  part-of-speech labels (M. Mahoney), as used by node2vec.

PPI and Wikipedia come from ProNE (J. Zhang et al., IJCAI 2019), https://github.com/THUDM/ProNE
``data/``: ``<name>.ungraph`` has one undirected edge per line, two whitespace-separated 0-based
node ids (each edge once; self loops are listed); ``<name>.cmty`` has one line per label, the
whitespace-separated 0-based ids of the nodes carrying it.

These graphs have no node features: ``graph.nodes`` is a column of ones ``[N, 1]`` float32
(a constant input; use learned embeddings or structural features instead). No split is
defined (``splits = []``): the usual protocol trains a one-vs-rest classifier on a random
10-90 % of the labelled nodes.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from jaxgraph.data.core import NodeDataset, find_file, malformed, register
from jaxgraph.graph.build import from_scipy

__all__ = ["load_blogcatalog", "load_ppi", "load_wikipedia_pos", "read_ungraph", "read_cmty"]

_PRONE = "https://raw.githubusercontent.com/THUDM/ProNE/master/data/"
_DEEPWALK = "https://raw.githubusercontent.com/phanein/deepwalk/master/example_graphs/"
_SHA256 = {
    "blogcatalog.mat": "d4f4fb89ce1ccd4b7e2a183386c000773cc9362cc61f1be5b246a6d9c259da8f",
    "PPI.ungraph": "853faf8f8f9705d0ccf2f12db80277cc779ccef04ba6a8703671138dca76796a",
    "PPI.cmty": "d57a61e7cc5c46acafdd370c5126a2a5c57cb23f1a84ed1d0877f20149c90637",
    "wikipedia.ungraph": "b7fb8e25ce2870a518004e1efff4a691545d358fdb401bfa2f0d2091f58de4ef",
    "wikipedia.cmty": "4637f70be5df82868d01e2fca2c9a702d35457beedf0f42c55a79b749d1f2411",
}


def _lines(path: Path) -> list[str]:
    """Lines of a text file, without the trailing empty ones."""
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise malformed(path, line, "non-ASCII bytes in a numeric file") from None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _parse_ids(tokens: list[str], path: Path, line: int) -> list[int]:
    out = []
    for t in tokens:
        try:
            v = int(t)
        except ValueError:
            raise malformed(path, line, f"expected an integer node id, got {t!r}") from None
        if v < 0:
            raise malformed(path, line, f"negative node id {v}")
        out.append(v)
    return out


def read_ungraph(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Reads a ProNE ``.ungraph`` edge list: ``(src, dst)`` int64 arrays, in file order.

    Raises:
      ValueError: a line without exactly two fields, a non-integer or negative id.
    """
    path = Path(path)
    src, dst = [], []
    for i, line in enumerate(_lines(path), start=1):
        tok = line.split()
        if len(tok) != 2:
            raise malformed(path, i, f"expected 2 node ids (u v), got {len(tok)} fields: {line.strip()!r}")
        u, v = _parse_ids(tok, path, i)
        src.append(u)
        dst.append(v)
    return np.asarray(src, np.int64), np.asarray(dst, np.int64)


def read_cmty(path: str | os.PathLike) -> list[np.ndarray]:
    """Reads a ProNE ``.cmty`` file: one int64 array of node ids per label (line).

    Raises:
      ValueError: an empty line before the last label (it would shift the labels), a
        non-integer or negative id.
    """
    path = Path(path)
    out = []
    for i, line in enumerate(_lines(path), start=1):
        tok = line.split()
        if not tok:
            raise malformed(path, i, "empty label line (no node ids)")
        out.append(np.asarray(_parse_ids(tok, path, i), np.int64))
    return out


def _undirected(src, dst, n: int):
    a = sp.coo_matrix((np.ones(len(src), np.float32), (src, dst)), shape=(n, n)).tocsr()
    a = (a + a.T).tocsr()
    a.sum_duplicates()
    a.data[:] = 1.0
    return from_scipy(a, node_features=np.ones((n, 1), np.float32))


def _dataset(name: str, graph, labels: np.ndarray) -> NodeDataset:
    return NodeDataset(name=name, graph=graph, labels=labels, splits=[], num_classes=int(labels.shape[1]))


def _load_prone(name: str, stem: str, root) -> NodeDataset:
    gpath, cpath = (
        find_file(f"embedding/{stem}.{ext}", root, url=f"{_PRONE}{stem}.{ext}", sha256=_SHA256[f"{stem}.{ext}"])
        for ext in ("ungraph", "cmty")
    )
    src, dst = read_ungraph(gpath)
    comms = read_cmty(cpath)
    if not len(src):
        raise malformed(gpath, None, "no edges")
    n = int(max(src.max(), dst.max(), max((int(c.max()) for c in comms if len(c)), default=-1))) + 1
    labels = np.zeros((n, len(comms)), np.uint8)
    for k, c in enumerate(comms):
        labels[c, k] = 1
    return _dataset(name, _undirected(src, dst, n), labels)


@register("ppi")
def load_ppi(root=None) -> NodeDataset:
    """PPI (node2vec's version, from ProNE's ``PPI.ungraph`` / ``PPI.cmty``).

    Returns:
      :class:`NodeDataset`: N=3890 nodes, 76,584 directed edges (38,739 undirected edges
      including 894 self loops, kept once each), ``nodes`` ones ``[N, 1]`` float32,
      ``labels`` uint8 ``[N, 50]`` multi-label 0/1, ``splits = []``, ``num_classes = 50``.
    """
    return _load_prone("ppi", "PPI", root)


@register("wikipedia-pos")
def load_wikipedia_pos(root=None) -> NodeDataset:
    """Wikipedia POS (node2vec's version, from ProNE's ``wikipedia.ungraph`` / ``.cmty``).

    Returns:
      :class:`NodeDataset`: N=4777 nodes, 184,812 directed edges (92,517 undirected edges
      including 222 self loops), ``nodes`` ones ``[N, 1]`` float32, ``labels`` uint8
      ``[N, 40]`` multi-label 0/1, ``splits = []``, ``num_classes = 40``.
    """
    return _load_prone("wikipedia-pos", "wikipedia", root)


@register("blogcatalog")
def load_blogcatalog(root=None) -> NodeDataset:
    """BlogCatalog (DeepWalk's ``blogcatalog.mat``).

    Returns:
      :class:`NodeDataset`: N=10312 nodes, 667,966 directed edges (333,983 undirected, no
      self loops), ``nodes`` ones ``[N, 1]`` float32, ``labels`` uint8 ``[N, 39]`` multi-label
      0/1 (every blogger has at least one), ``splits = []``, ``num_classes = 39``.

    Raises:
      ValueError: the file is not a readable MATLAB v5 file, lacks ``network``/``group``, or
        their shapes disagree.
    """
    path = find_file(
        "embedding/blogcatalog.mat", root, url=f"{_DEEPWALK}blogcatalog.mat", sha256=_SHA256["blogcatalog.mat"]
    )
    import scipy.io

    try:
        mat = scipy.io.loadmat(path)
    except Exception as e:  # truncated/corrupt files raise many types
        raise malformed(path, None, f"cannot read MATLAB file ({type(e).__name__}: {e})") from e
    for key in ("network", "group"):
        if key not in mat:
            keys = sorted(k for k in mat if not k.startswith("__"))
            raise malformed(path, None, f"no variable {key!r} (found {keys})")
    net, group = mat["network"], mat["group"]
    net = sp.csr_matrix(net) if (sp.issparse(net) or getattr(net, "ndim", 0) == 2) else None
    if net is None or net.shape[0] != net.shape[1]:
        raise malformed(path, None, f"'network' must be a square matrix, got {getattr(mat['network'], 'shape', None)}")
    n = net.shape[0]
    if not (sp.issparse(group) or getattr(group, "ndim", 0) == 2) or group.shape[0] != n:
        raise malformed(path, None, f"'group' must be [N={n}, C], got shape {getattr(group, 'shape', None)}")
    coo = net.tocoo()
    nz = coo.data != 0
    g = _undirected(coo.row[nz].astype(np.int64), coo.col[nz].astype(np.int64), n)
    labels = (sp.csr_matrix(group).toarray() != 0).astype(np.uint8)
    return _dataset("blogcatalog", g, labels)
