"""Timestamped simplex streams of Benson et al. (2018) and their weighted projected graphs.

Source: Austin R. Benson, Rediet Abebe, Michael T. Schaub, Ali Jadbabaie and Jon Kleinberg,
"Simplicial closure and higher-order link prediction", PNAS 115(48):E11221-E11230, 2018;
data from https://github.com/arbenson/ScHoLP-Data (files read unchanged).

Registered names (``jaxgraph.data.load(name)``): ``email-enron``, ``contact-high-school``,
``contact-primary-school``, ``ndc-classes``.

File format (``simplicial/<Name>/<Name>-{nverts,simplices,times}.txt.gz``, one integer per line):
``nverts`` holds the size of each simplex, ``simplices`` the concatenated 1-based node ids of
all simplices in the same order, ``times`` one timestamp per simplex. ``<Name>-node-labels.txt.gz``
(email-Enron, NDC-classes) has lines ``<id> <label text>``.

Every loader returns a :class:`~jaxgraph.data.core.SimplicialDataset`:

* ``simplices``: list of ``S`` int64 arrays of 0-based node ids (file id - 1), in file order;
* ``times``: ``[S]`` int64 timestamps, in file order (not sorted: email-Enron and NDC-classes
  are not in time order in the files);
* ``num_nodes``: ``max(largest file id, number of node labels)``; ids keep the file's numbering,
  so ``node_labels[k]`` names node ``k``. Nodes that occur in no simplex are kept (email-Enron
  has 148 labelled addresses of which 143 occur); ``extras["num_active_nodes"]`` counts the
  nodes that occur in at least one simplex (the node counts of Benson et al.'s table);
* ``node_labels``: list of ``num_nodes`` strings, or None where the data has no labels;
* ``extras["nverts"]``: ``[S]`` int64 simplex sizes.

Malformed files (unparsable or blank lines, sizes < 1, ids < 1, a node repeated inside one
simplex, sizes that do not add up to the number of node ids, a number of timestamps different
from the number of simplices, ids without a label, bad label lines, broken gzip) raise
``ValueError`` from :func:`~jaxgraph.data.core.malformed` naming the file (and line where one is
at fault).
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from jaxgraph.data.core import SimplicialDataset, find_file, malformed, read_lines, register

__all__ = [
    "load_email_enron",
    "load_contact_high_school",
    "load_contact_primary_school",
    "load_ndc_classes",
    "load_simplicial",
    "projected_graph",
]

_URL = "https://raw.githubusercontent.com/arbenson/ScHoLP-Data/c830836d89870e41c665bfbac60adac42c766970"
# file name -> sha256 of the file as published in ScHoLP-Data (identical to shared/data).
_SHA256 = {
    "email-Enron-nverts.txt.gz": "1990254c76b2a6c0d19b9037ea6a311baf10ce7343e46a9be6f242762119f889",
    "email-Enron-simplices.txt.gz": "caa6044fab648c83b8b8ecb6f5051423d321f3f2a7b1f3dc6b6c8e4ace4566ef",
    "email-Enron-times.txt.gz": "8d69352d94655487f029ed0ac3049207fb1c8604786d35a1f2885a3eeee25bcb",
    "email-Enron-node-labels.txt.gz": "b2522a71b88a5c08aa0d8cec184b76cb8d3123789a5ae82b8e48e18d2b2e5ade",
    "contact-high-school-nverts.txt.gz": "14161db20545136bbc616b93570abcf0b7aa970bcf01a59fa93734ce3ac616da",
    "contact-high-school-simplices.txt.gz": "4b3d65ffcd3ec19ad74a4e7ba37678519153bee2a765ec9a39f9796902e38523",
    "contact-high-school-times.txt.gz": "6a748520b78a6567bbb1d9941372d10f03de6d9be2c66aed74f74047d3b0bb8e",
    "contact-primary-school-nverts.txt.gz": "2929d917b74784dde1ccfb823ffc4fe7add2cad2def16875389d913a723bbbd9",
    "contact-primary-school-simplices.txt.gz": "c1e6331f02b6d256abad242e590c0469acc899881ba014e397ec000716c9ff2e",
    "contact-primary-school-times.txt.gz": "0b6d7c72b5f4197bf30bc5b0c75b9d624ac43d6570b0a77215ce2ae4db7b71ea",
    "NDC-classes-nverts.txt.gz": "69dc314ab410643c4c0b430bd9dde361ae877f48d401f0b4342153ce3ca33522",
    "NDC-classes-simplices.txt.gz": "8e1706ed874983865ea2143eb2e27ceacc6d86e1caf9688441d866ef1a9374ca",
    "NDC-classes-times.txt.gz": "db7bbe741ef2f1c849dd7dd9973ca79b2a34e42be003493fdbf6c9b423d1f922",
    "NDC-classes-node-labels.txt.gz": "5daa54284c6bba742e96ccc49fbf533bd15b5f89645fe0c18d14f8bb47d348b9",
}
# registered name -> (folder / file prefix, has node labels)
_DATASETS = {
    "email-enron": ("email-Enron", True),
    "contact-high-school": ("contact-high-school", False),
    "contact-primary-school": ("contact-primary-school", False),
    "ndc-classes": ("NDC-classes", True),
}


def _find(folder: str, suffix: str, root) -> Path:
    fname = f"{folder}-{suffix}"
    relpath = f"simplicial/{folder}/{fname}"
    return find_file(relpath, root, url=f"{_URL}/{folder}/{fname}", sha256=_SHA256.get(fname))


# ----------------------------------------------------------------------------- parsing
def _read_gz_lines(path: Path) -> list[str]:
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise malformed(path, None, f"not a readable gzip file ({type(e).__name__}: {e})") from None
    return read_lines(path, data)


def _scan_ints(path, lines: list[str]) -> None:
    for k, line in enumerate(lines):
        s = line.strip()
        ok = bool(s) and "_" not in s and " " not in s and "\t" not in s
        if ok:
            try:
                v = int(s)
                ok = -(2**63) <= v < 2**63
            except ValueError:
                ok = False
        if not ok:
            what = "a blank line" if not s else repr(line)
            raise malformed(path, k + 1, f"expected one integer per line, found {what}")


def _int_vector(path, lines: list[str]) -> np.ndarray:
    """One int64 per line; raises ``malformed`` naming the first line that is not an integer."""
    if not lines:
        raise malformed(path, None, "the file is empty")
    try:
        v = np.loadtxt(lines, dtype=np.int64, comments=None, ndmin=1)
    except (ValueError, OverflowError) as e:
        _scan_ints(path, lines)
        raise malformed(path, None, f"could not be parsed: {e}") from None
    if v.shape != (len(lines),):  # blank lines are skipped by loadtxt; several numbers per line
        _scan_ints(path, lines)
        raise malformed(path, None, f"parsed shape {v.shape}, expected ({len(lines)},)")
    return v


def _first_bad(path, bad: np.ndarray, msg) -> None:
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise malformed(path, k + 1, msg(k))


def _read_labels(path: Path) -> list[str]:
    lines = _read_gz_lines(path)
    if not lines:
        raise malformed(path, None, "the file is empty")
    labels: dict[int, str] = {}
    for k, line in enumerate(lines):
        parts = line.strip().split(maxsplit=1)
        try:
            node = int(parts[0]) if len(parts) == 2 and "_" not in parts[0] else 0
        except ValueError:
            node = 0
        if node < 1:
            raise malformed(path, k + 1, f"expected '<positive node id> <label>', found {line!r}")
        if node in labels:
            raise malformed(path, k + 1, f"node id {node} labelled twice")
        labels[node] = parts[1]
    n = len(labels)
    if max(labels) != n:
        missing = min(set(range(1, n + 1)) - labels.keys())
        raise malformed(path, None, f"node ids are not 1..{n}: no label for node {missing}")
    return [labels[i] for i in range(1, n + 1)]


def load_simplicial(name: str, root=None) -> SimplicialDataset:
    """Loads one of the Benson et al. datasets by registered name (see the module docstring)."""
    folder, has_labels = _DATASETS[name]
    p_nverts = _find(folder, "nverts.txt.gz", root)
    p_simp = _find(folder, "simplices.txt.gz", root)
    p_times = _find(folder, "times.txt.gz", root)
    nverts = _int_vector(p_nverts, _read_gz_lines(p_nverts))
    ids = _int_vector(p_simp, _read_gz_lines(p_simp))
    times = _int_vector(p_times, _read_gz_lines(p_times))

    _first_bad(p_nverts, nverts < 1, lambda k: f"simplex size {nverts[k]} must be >= 1")
    _first_bad(p_simp, ids < 1, lambda k: f"node id {ids[k]} must be >= 1 (ids are 1-based)")
    total = int(nverts.sum())
    if total != ids.shape[0]:
        raise malformed(
            p_simp, None,
            f"{ids.shape[0]} node ids, but the simplex sizes in {p_nverts} add up to {total}",
        )
    if times.shape[0] != nverts.shape[0]:
        raise malformed(
            p_times, None, f"{times.shape[0]} timestamps, but {p_nverts} lists {nverts.shape[0]} simplices"
        )
    # A node repeated inside one simplex: sort entries by (simplex, id) and compare neighbours.
    seg = np.repeat(np.arange(nverts.shape[0]), nverts)
    order = np.lexsort((ids, seg))
    same = (seg[order][1:] == seg[order][:-1]) & (ids[order][1:] == ids[order][:-1])
    if same.any():
        k = int(np.flatnonzero(same)[0])
        line = int(max(order[k], order[k + 1])) + 1
        raise malformed(p_simp, line, f"node {ids[order[k]]} appears twice in simplex {seg[order[k]] + 1}")

    node_labels = None
    num_nodes = int(ids.max())
    if has_labels:
        p_labels = _find(folder, "node-labels.txt.gz", root)
        node_labels = _read_labels(p_labels)
        _first_bad(
            p_simp, ids > len(node_labels),
            lambda k: f"node id {ids[k]} has no label in {p_labels} ({len(node_labels)} labels)",
        )
        num_nodes = max(num_nodes, len(node_labels))

    ids0 = ids - 1
    simplices = np.split(ids0, np.cumsum(nverts)[:-1])
    return SimplicialDataset(
        name=name,
        simplices=simplices,
        times=times,
        num_nodes=num_nodes,
        node_labels=node_labels,
        extras={"nverts": nverts, "num_active_nodes": int(np.unique(ids0).shape[0])},
    )


@register("email-enron")
def load_email_enron(root=None, **kwargs) -> SimplicialDataset:
    """email-Enron: one simplex per e-mail (sender and Enron recipients), times in milliseconds.

    Returns 10,883 simplices (sizes 1..18) over 148 labelled nodes (e-mail addresses), 143 of
    which occur in a simplex; ``node_labels`` are the addresses.
    """
    return load_simplicial("email-enron", root)


@register("contact-high-school")
def load_contact_high_school(root=None, **kwargs) -> SimplicialDataset:
    """contact-high-school: maximal cliques of simultaneous face-to-face contacts (SocioPatterns,
    Marseilles high school, Dec. 2013), 20-second resolution, times in seconds.

    Returns 172,035 simplices (sizes 2..5) over 327 nodes; no node labels.
    """
    return load_simplicial("contact-high-school", root)


@register("contact-primary-school")
def load_contact_primary_school(root=None, **kwargs) -> SimplicialDataset:
    """contact-primary-school: maximal cliques of simultaneous contacts (SocioPatterns primary
    school), 20-second resolution, times in seconds.

    Returns 106,879 simplices (sizes 2..5) over 242 nodes; no node labels.
    """
    return load_simplicial("contact-primary-school", root)


@register("ndc-classes")
def load_ndc_classes(root=None, **kwargs) -> SimplicialDataset:
    """NDC-classes: one simplex per National Drug Code, nodes = the pharmaceutical classes applied
    to the drug, times = when it was first marketed (days, stored as milliseconds).

    Returns 49,724 simplices (sizes 1..24) over 1,161 labelled classes (``node_labels``).
    (Benson et al.'s table lists 49,726 simplices; the published files hold 49,724.)
    """
    return load_simplicial("ndc-classes", root)


# ----------------------------------------------------------------------------- projection
def projected_graph(ds: SimplicialDataset, t_max=None):
    """The weighted projected graph of a simplex stream.

    Every pair of distinct nodes in a simplex is an edge; its weight is the number of simplices
    (timestamped occurrences, so repeats count) that contain the pair. Simplices of size 1
    contribute nothing. This is the graph in which Benson et al. look for open and closed
    triangles.

    Args:
      ds: a :class:`SimplicialDataset` (simplices with distinct nodes, as the loaders check).
      t_max: if given, only simplices with ``time <= t_max`` are used (e.g. a training prefix).

    Returns:
      ``(senders, receivers, weights)``: ``[E]`` int64 arrays, one entry per unique undirected
      pair with ``senders < receivers``, sorted by ``(senders, receivers)``; ``weights`` > 0.
    """
    simplices = ds.simplices
    s_count = len(simplices)
    empty = np.zeros(0, np.int64)
    if s_count == 0:
        return empty, empty.copy(), empty.copy()
    nverts = np.fromiter((len(s) for s in simplices), dtype=np.int64, count=s_count)
    flat = np.concatenate([np.asarray(s, dtype=np.int64).ravel() for s in simplices])
    if t_max is not None:
        keep = np.asarray(ds.times) <= t_max
        flat = flat[np.repeat(keep, nverts)]
        nverts = nverts[keep]
    if flat.size == 0:
        return empty, empty.copy(), empty.copy()
    offsets = np.concatenate([[0], np.cumsum(nverts)[:-1]])
    n = max(int(ds.num_nodes), int(flat.max()) + 1)
    keys = []
    for k in np.unique(nverts):
        if k < 2:
            continue
        rows = offsets[nverts == k]
        block = np.sort(flat[rows[:, None] + np.arange(k)], axis=1)  # [n_k, k]
        a, b = np.triu_indices(int(k), 1)
        snd, rcv = block[:, a].ravel(), block[:, b].ravel()
        distinct = snd != rcv
        keys.append(snd[distinct] * n + rcv[distinct])
    if not keys:
        return empty, empty.copy(), empty.copy()
    uniq, weights = np.unique(np.concatenate(keys), return_counts=True)
    return uniq // n, uniq % n, weights.astype(np.int64)
