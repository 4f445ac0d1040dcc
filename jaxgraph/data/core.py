"""Dataset containers, the data root, downloads with checksums, and the loader registry.

Data root resolution (first hit wins for reading; downloads go to the *primary* root):
  1. ``root`` passed to the loader, if any (the only root then);
  2. the primary root: ``$JAXGRAPH_DATA`` if set, else ``~/.cache/jaxgraph``;
  3. ``../shared/data`` next to the repository checkout, when present.
Every root uses the same relative layout as ``shared/data`` (e.g.
``planetoid/raw/ind.cora.x``), so a downloaded file lands where the shared copy sits.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import Any, Callable

import jraph
import numpy as np

__all__ = [
    "NodeDataset",
    "GraphDataset",
    "TemporalDataset",
    "SimplicialDataset",
    "DatasetNotFoundError",
    "data_roots",
    "find_file",
    "sha256sum",
    "malformed",
    "read_lines",
    "register",
    "load",
    "available",
]

_REPO_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


# ----------------------------------------------------------------------------- containers
@dataclasses.dataclass
class NodeDataset:
    """A single graph with node labels (node classification / embedding benchmarks).

    Attributes:
      name: dataset name.
      graph: GraphsTuple with both edge directions, float32 ``nodes`` ``[N, F]``.
      labels: ``[N]`` int class labels, or ``[N, C]`` 0/1 for multi-label.
      splits: list of ``{"train", "val", "test"}`` boolean masks ``[N]`` (may be empty).
      num_classes: number of classes.
      extras: anything else the format carries (e.g. ``{"test_index": ...}``).
    """

    name: str
    graph: jraph.GraphsTuple
    labels: np.ndarray
    splits: list[dict[str, np.ndarray]]
    num_classes: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return int(np.asarray(self.graph.n_node).sum())


@dataclasses.dataclass
class GraphDataset:
    """A list of graphs with graph-level labels/targets.

    Attributes:
      graphs: list of single-graph GraphsTuples.
      labels: ``[G]`` int labels or ``[G, T]`` float targets.
      folds: list of ``{"train", "test"}`` (and optionally ``"val"``) integer index arrays
        into ``graphs``, where the data defines them (e.g. GIN's 10 folds); else empty.
      num_classes: number of classes (0 for regression).
    """

    name: str
    graphs: list
    labels: np.ndarray
    folds: list[dict[str, np.ndarray]]
    num_classes: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.graphs)


@dataclasses.dataclass
class TemporalDataset:
    """A continuous-time event stream ``(src, dst, t)`` sorted by time (stable).

    Attributes:
      src, dst: ``[M]`` int node ids in ``[0, num_nodes)``.
      t: ``[M]`` float64 timestamps, non-decreasing.
      edge_features: ``[M, D]`` float32 (D may be 0), e.g. signed rating for Bitcoin.
      labels: ``[M]`` per-event labels (state-change label, or edge sign), or None.
      num_nodes: number of nodes.
      bipartite: whether src and dst come from disjoint node sets.
    """

    name: str
    src: np.ndarray
    dst: np.ndarray
    t: np.ndarray
    edge_features: np.ndarray
    labels: np.ndarray | None
    num_nodes: int
    bipartite: bool = False
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.src.shape[0])


@dataclasses.dataclass
class SimplicialDataset:
    """A timestamped simplex stream (Benson et al. 2018 format).

    Attributes:
      simplices: list of int node-index arrays, one per simplex, in file order.
      times: ``[S]`` int64 timestamps of the simplices.
      num_nodes: number of nodes (ids remapped to ``0..num_nodes-1`` from the 1-based file ids).
      node_labels: optional list of node label strings.
    """

    name: str
    simplices: list
    times: np.ndarray
    num_nodes: int
    node_labels: list | None = None
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.simplices)


# ----------------------------------------------------------------------------- files
class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing and could not be downloaded."""


def data_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """The roots searched for data files, in order (see module docstring)."""
    if root is not None:
        return [Path(root).expanduser()]
    primary = Path(os.environ.get("JAXGRAPH_DATA") or Path.home() / ".cache" / "jaxgraph").expanduser()
    roots = [primary]
    shared = Path(os.environ.get("JAXGRAPH_SHARED_DATA", _REPO_SHARED))
    if shared.is_dir() and shared.resolve() != primary.resolve():
        roots.append(shared)
    return roots


def sha256sum(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(url: str, dest: Path, sha256: str | None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(resp, out)
        if sha256 is not None:
            got = sha256sum(tmp)
            if got != sha256:
                raise ValueError(
                    f"checksum mismatch for {url}: expected sha256 {sha256}, got {got}; "
                    f"the file was not saved"
                )
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def find_file(
    relpath: str,
    root: str | os.PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    hint: str = "",
) -> Path:
    """Returns the path of data file ``relpath``, downloading it when missing.

    Args:
      relpath: path relative to a data root, e.g. ``"planetoid/raw/ind.cora.x"``.
      root: explicit data root; default searches :func:`data_roots`.
      url: canonical download URL (``None``: the file cannot be downloaded).
      sha256: expected checksum of the downloaded file.
      hint: extra text for the error (e.g. where to get a user-supplied file).

    Raises:
      DatasetNotFoundError: the file is in no root and could not be downloaded (offline, no
        URL, or ``JAXGRAPH_OFFLINE=1``); the message names the file and where to get it.
      ValueError: the download's checksum did not match.
    """
    roots = data_roots(root)
    for r in roots:
        p = r / relpath
        if p.exists():
            return p
    dest = roots[0] / relpath
    offline = os.environ.get("JAXGRAPH_OFFLINE", "") not in ("", "0")
    reason = ""
    if url is not None and not offline:
        try:
            _download(url, dest, sha256)
            return dest
        except ValueError:
            raise
        except Exception as e:  # network errors: report below with the file name
            reason = f" (download failed: {type(e).__name__}: {e})"
    where = f"download it from {url}" if url else "it cannot be downloaded automatically"
    raise DatasetNotFoundError(
        f"data file {relpath!r} not found in {[str(r) for r in roots]}{reason}; {where}; "
        f"place it at {dest}" + (f". {hint}" if hint else "")
    )


def read_lines(path: str | os.PathLike, data: bytes | None = None) -> list[str]:
    """The lines of a UTF-8 text file without terminators (``\\n`` or ``\\r\\n``), minus the
    empty string after a final newline. ``data`` gives the bytes when already read (e.g.
    decompressed). Raises ``ValueError`` naming the file and line of a non-UTF-8 byte."""
    if data is None:
        data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise malformed(path, data[: e.start].count(b"\n") + 1, "not UTF-8 text") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    return lines


def malformed(path, line: int | None, msg: str) -> ValueError:
    """A ``ValueError`` for a malformed data file naming the file and (1-based) line."""
    where = f"{path}" + (f", line {line}" if line is not None else "")
    return ValueError(f"malformed data file {where}: {msg}")


# ----------------------------------------------------------------------------- registry
_LOADERS: dict[str, Callable[..., Any]] = {}
# Modules that register loaders; imported lazily on first use of `load`/`available`.
_LOADER_MODULES = (
    "planetoid",
    "heterophilous",
    "small",
    "tu",
    "molecules",
    "temporal",
    "simplicial",
    "embedding",
    "mil",
    "movielens",
    "g2",
)


def register(*names: str):
    """Decorator registering ``fn(root=None, **kwargs)`` under one or more dataset names."""

    def deco(fn):
        for n in names:
            key = n.lower()
            if key in _LOADERS and _LOADERS[key] is not fn:
                raise ValueError(f"dataset name {key!r} registered twice")
            _LOADERS[key] = fn
        return fn

    return deco


def _import_loaders() -> None:
    import importlib

    for m in _LOADER_MODULES:
        importlib.import_module(f"jaxgraph.data.{m}")


def available() -> list[str]:
    """Sorted names accepted by :func:`load`."""
    _import_loaders()
    return sorted(_LOADERS)


def load(name: str, root: str | os.PathLike | None = None, **kwargs):
    """Loads a dataset by name from its original files (see ``available()``).

    Returns a :class:`NodeDataset`, :class:`GraphDataset`, :class:`TemporalDataset` or
    :class:`SimplicialDataset` (or a dataset-specific container documented by the loader).

    Raises:
      ValueError: unknown name (the message lists the known ones) or a malformed file.
      DatasetNotFoundError: a file is missing and could not be downloaded.
    """
    _import_loaders()
    key = name.lower().replace("_", "-")
    if key not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(_LOADERS))}")
    return _LOADERS[key](root=root, **kwargs)
