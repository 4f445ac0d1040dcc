"""Heterophilous node-classification graphs with the 10 Geom-GCN splits.

Source files: ``data/<name>.npz`` of https://github.com/yandex-research/heterophilous-graphs
(MIT licence), from O. Platonov, D. Kuznedelev, M. Diskin, A. Babenko, L. Prokhorenkova,
"A critical look at the evaluation of GNNs under heterophily: Are we really making progress?",
ICLR 2023. The original graphs and splits: H. Pei, B. Wei, K. C.-C. Chang, Y. Lei, B. Yang,
"Geom-GCN: Geometric Graph Convolutional Networks", ICLR 2020 (WebKB Texas / Cornell /
Wisconsin, the Wikipedia networks Chameleon / Squirrel of B. Rozemberczki et al. 2021, and the
Actor co-occurrence network of J. Tang et al. 2009). ``chameleon-filtered`` and
``squirrel-filtered`` are Platonov et al.'s versions with the duplicated nodes removed (their
splits are not Geom-GCN's but 10 random 48/32/20 % splits; see their paper).

Each file holds ``node_features`` ``[N, F]``, ``node_labels`` ``[N]``, ``edges`` ``[E, 2]``
(each undirected edge once in these files), and ``train_masks`` / ``val_masks`` /
``test_masks`` ``[10, N]`` bool.
"""
from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from jaxgraph.data.core import NodeDataset, find_file, malformed, register
from jaxgraph.graph.build import from_scipy

__all__ = ["load_heterophilous", "HETEROPHILOUS"]

_URL = "https://github.com/yandex-research/heterophilous-graphs/raw/main/data/"
# dataset name -> (file stem, sha256 of the file)
HETEROPHILOUS: dict[str, tuple[str, str]] = {
    "chameleon": ("chameleon", "4c640bd2877fc4f9f101531e2f977bc16445a54e09a5cb01178df608e552f3fd"),
    "squirrel": ("squirrel", "d436e3b42c0546b105241c0ab0766097074e68e55f67b133eeb9b0162e55cbd9"),
    "chameleon-filtered": (
        "chameleon_filtered",
        "bf46f07e1fb5249280447e5fe3100f3e82fc4b93ad1e13ffcfdec924b6ac0bb5",
    ),
    "squirrel-filtered": (
        "squirrel_filtered",
        "f06370ffb3116c5de8b7a600005400b2293c025e0ce2f6916d8201a825505ac7",
    ),
    "actor": ("actor", "c350eef06b2c2a9bf8218be2b57cac6d4003d0922eb597a039e9123f75817816"),
    "texas": ("texas", "b164b99e6c3d43e4ab07488ec59bd8c815f90cbc1bd4cf425ce587d2b534d844"),
    "cornell": ("cornell", "684c54ba3daa13b0ba1f04a3d6dd1b1175c1ae9bdeb982851fd4ff96d3aac298"),
    "wisconsin": ("wisconsin", "2543c89838cfc75f737f7c4664cc1d097f8268602c20b2d1bd4f21407df9c074"),
}
_KEYS = ("node_features", "node_labels", "edges", "train_masks", "val_masks", "test_masks")


def _read_npz(path) -> dict[str, np.ndarray]:
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            missing = [k for k in _KEYS if k not in z.files]
            if missing:
                raise malformed(path, None, f"missing arrays {missing}; found {sorted(z.files)}")
            return {k: z[k] for k in _KEYS}
    except ValueError as e:
        if str(e).startswith("malformed data file"):
            raise
        raise malformed(path, None, f"cannot read npz ({e})") from e
    except Exception as e:  # truncated zip, bad CRC, ...
        raise malformed(path, None, f"cannot read npz ({type(e).__name__}: {e})") from e


def load_heterophilous(name: str, root: str | os.PathLike | None = None) -> NodeDataset:
    """Loads one of the heterophilous benchmark graphs with its 10 splits.

    Args:
      name: one of ``chameleon``, ``squirrel``, ``chameleon-filtered``, ``squirrel-filtered``,
        ``actor``, ``texas``, ``cornell``, ``wisconsin``.
      root: data root; the file is ``heterophilous/<stem>.npz``.

    Returns:
      :class:`NodeDataset` with ``graph`` (both directions of every edge, duplicates merged,
      sorted; float32 ``nodes`` ``[N, F]``), ``labels`` int32 ``[N]``, ``splits`` a list of 10
      ``{"train", "val", "test"}`` bool ``[N]`` masks, ``num_classes`` (5 for all eight).
      Sizes (N, directed edges, F): chameleon 2277, 62742, 2325; squirrel 5201, 396706, 2089;
      chameleon-filtered 890, 17708, 2325; squirrel-filtered 2223, 93996, 2089; actor 7600,
      53318, 932; texas 183, 558, 1703; cornell 183, 554, 1703; wisconsin 251, 900, 1703.
      (Platonov et al. removed self loops and duplicate edges, so edge counts are below
      Geom-GCN's Table 3, which counts the raw directed lists.)

    Raises:
      ValueError: a malformed file (missing arrays, wrong shapes, an edge index out of
        range, masks of the wrong shape, non-finite features); the message names the file.
    """
    key = name.lower().replace("_", "-")
    if key not in HETEROPHILOUS:
        raise ValueError(f"unknown heterophilous dataset {name!r}; expected one of {sorted(HETEROPHILOUS)}")
    stem, sha = HETEROPHILOUS[key]
    path = find_file(f"heterophilous/{stem}.npz", root, url=f"{_URL}{stem}.npz", sha256=sha)
    d = _read_npz(path)

    x, y, e = d["node_features"], d["node_labels"], d["edges"]
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.number):
        raise malformed(path, None, f"node_features must be a numeric [N, F] array, got {x.dtype} {x.shape}")
    n = x.shape[0]
    if not np.isfinite(x).all():
        row = int(np.flatnonzero(~np.isfinite(x).all(axis=1))[0])
        raise malformed(path, None, f"node_features row {row} contains NaN/inf")
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise malformed(path, None, f"node_labels must be an integer [N={n}] array, got {y.dtype} {y.shape}")
    if n and y.min() < 0:
        raise malformed(path, None, f"node_labels has a negative label {int(y.min())}")
    if e.ndim != 2 or e.shape[1] != 2 or not np.issubdtype(e.dtype, np.integer):
        raise malformed(path, None, f"edges must be an integer [E, 2] array, got {e.dtype} {e.shape}")
    bad = (e < 0) | (e >= n)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise malformed(path, None, f"edges[{row}] = {e[row].tolist()} has a node index out of range [0, {n})")
    masks = {}
    for part in ("train", "val", "test"):
        m = d[f"{part}_masks"]
        if m.ndim != 2 or m.shape[1] != n or m.dtype != np.bool_:
            raise malformed(path, None, f"{part}_masks must be a bool [S, N={n}] array, got {m.dtype} {m.shape}")
        masks[part] = m
    num_splits = masks["train"].shape[0]
    if masks["val"].shape[0] != num_splits or masks["test"].shape[0] != num_splits:
        raise malformed(path, None, "train/val/test_masks hold different numbers of splits")

    src, dst = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)
    a = sp.coo_matrix((np.ones(len(src), np.float32), (src, dst)), shape=(n, n)).tocsr()
    a = (a + a.T).tocsr()
    a.sum_duplicates()
    a.data[:] = 1.0
    graph = from_scipy(a, node_features=x.astype(np.float32))
    splits = [{p: masks[p][i].copy() for p in ("train", "val", "test")} for i in range(num_splits)]
    return NodeDataset(
        name=key,
        graph=graph,
        labels=y.astype(np.int32),
        splits=splits,
        num_classes=int(y.max()) + 1 if n else 0,
    )


def _make_loader(name: str):
    def fn(root=None, **kwargs) -> NodeDataset:
        return load_heterophilous(name, root=root, **kwargs)

    fn.__name__ = fn.__qualname__ = "load_" + name.replace("-", "_")
    fn.__doc__ = f"``load_heterophilous({name!r}, root)``; see :func:`load_heterophilous`."
    return fn


for _name in HETEROPHILOUS:
    register(_name)(_make_loader(_name))
del _name
