"""Continuous-time event streams: UCI / CollegeMsg, Enron, Wikipedia (JODIE), Bitcoin-Alpha/OTC.

Every loader returns a :class:`~jaxgraph.data.core.TemporalDataset` whose events are sorted by
time with a *stable* sort (events with equal timestamps keep their file order):

* ``src``, ``dst``: ``[M]`` int64 node ids in ``[0, num_nodes)``;
* ``t``: ``[M]`` float64 timestamps, non-decreasing;
* ``edge_features``: ``[M, D]`` float32 (``D = 0`` where the files carry no edge features);
* ``labels``: ``[M]`` int8 per-event labels (see each loader);
* ``extras["file_row"]``: ``[M]`` int64, the 0-based data row of each event in the file
  (the stable-sort permutation; the identity for files already in time order).

Registered names (``jaxgraph.data.load(name)``): ``uci``, ``collegemsg``, ``enron``,
``wikipedia``, ``bitcoin-alpha``, ``bitcoin-otc``.

Files are read through :func:`~jaxgraph.data.core.find_file` with the layout of
``shared/data`` (``temporal/...``, ``signed/...``). Each URL points at a byte-identical copy of
the shared file in a public GitHub repository pinned to a commit, so the hard-coded SHA-256
verifies a download. (SNAP serves CollegeMsg and the Bitcoin networks only gzip-compressed and,
for Bitcoin, without the header row the shared copies have; those gzip files cannot be checked
against the shared files' checksums, so the GitHub copies are the download source and SNAP is
cited as the original.)

Malformed files (wrong header, rows with a wrong number of columns, unparsable or non-finite
numbers, non-integral or out-of-range ids, blank lines, out-of-sequence index columns, invalid
labels/ratings) raise ``ValueError`` from :func:`~jaxgraph.data.core.malformed` naming the file
and the 1-based line; nothing is dropped silently. Parsing is vectorised with numpy; only when
that fails is the file scanned line by line to find the offending line.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from jaxgraph.data.core import TemporalDataset, find_file, malformed, read_lines, register

__all__ = [
    "load_uci",
    "load_collegemsg",
    "load_enron",
    "load_wikipedia",
    "load_bitcoin_alpha",
    "load_bitcoin_otc",
]

_GH = "https://raw.githubusercontent.com"
# relpath -> (url, sha256). Each URL's bytes are identical to the shared/data copy.
_FILES = {
    "temporal/ml_uci.csv": (
        f"{_GH}/Zehong-Wang/TGT/08420087341a51ca0a2ac1dd3005e927eea30f88/data/ml_uci.csv",
        "289b9e1aaa6018205013f34ec04faffe27c6a21eeeb1b12c4903eb485459e823",
    ),
    "temporal/ml_enron.csv": (
        f"{_GH}/ComplexData-MILA/TGX/8076211960947d9ecb694cdd8d09f057474d2dfb/data/ml_enron.csv",
        "83777a7449e31ab486bb64242180a04beda61c23798b2fc1f6deea530fbd2cef",
    ),
    "temporal/wikipedia.csv": (
        f"{_GH}/TantalizingPotato/TE-Conv/b0806ccf5eaa13d31821b6f50b5c48c41f77b9b6/data/wikipedia.csv",
        "b68d35966dd1c013bce7432184778eb6edb0766ad65cd66bb5ca7ed9876c81ab",
    ),
    # Raw SNAP CollegeMsg.txt (original: https://snap.stanford.edu/data/CollegeMsg.txt.gz).
    "temporal/CollegeMsg.txt": (
        f"{_GH}/marwane-alilou/TemporalMotif-CTDG/df098fa8e2214a0be51d1e6f4c31bd406b2ab44c/Datasets/CollegeMsg.txt",
        "e00ba2415373dee52c00616065bcceaa4750e78de60d1855c76470600f10740f",
    ),
    # SNAP soc-sign-bitcoin{alpha,otc}.csv with a header row added
    # (original: https://snap.stanford.edu/data/soc-sign-bitcoin{alpha,otc}.csv.gz).
    "signed/soc-sign-bitcoinalpha.csv": (
        f"{_GH}/alessandro-canevaro/BondPercolation/aa3cae3c3b822d99c1a4e0f429ac2f28639e70f4/data/soc-sign-bitcoinalpha.csv",
        "21d6ff35156b762fe65ef383aca00d8c576dc9643fdb32ffd72b8c5b5d9f28a8",
    ),
    "signed/soc-sign-bitcoinotc.csv": (
        f"{_GH}/alessandro-canevaro/BondPercolation/aa3cae3c3b822d99c1a4e0f429ac2f28639e70f4/data/soc-sign-bitcoinotc.csv",
        "234e9b01a4a062c81a21bf2d87c497d34891b38d656807a9c84e211adfa6bf14",
    ),
}


def _find(relpath: str, root) -> Path:
    url, sha = _FILES[relpath]
    return find_file(relpath, root, url=url, sha256=sha)


# ----------------------------------------------------------------------------- parsing
def _read_lines(path: Path) -> list[str]:
    """The file's lines without line terminators (``\\n`` or ``\\r\\n``); no trailing empty line."""
    return read_lines(path)


def _check_header(path, lines: list[str], expected: str) -> None:
    if not lines:
        raise malformed(path, None, "the file is empty")
    got = lines[0].strip()
    if got != expected:
        raise malformed(path, 1, f"expected the header {expected!r}, found {got!r}")


def _scan(path, lines, first_line, ncols, delimiter) -> None:
    """Line-by-line scan raising ``malformed`` at the first row that does not parse."""
    for k, line in enumerate(lines):
        fields = line.split(delimiter) if delimiter else line.split()
        if len(fields) != ncols:
            what = "a blank line" if not line.strip() else f"{len(fields)} column(s) in {line!r}"
            raise malformed(path, first_line + k, f"expected {ncols} columns, found {what}")
        for j, field in enumerate(fields):
            try:
                v = float(field)
            except ValueError:
                v = None
            if v is None or "_" in field:
                raise malformed(path, first_line + k, f"column {j + 1}: cannot parse {field!r} as a number")
            if not math.isfinite(v):
                raise malformed(path, first_line + k, f"column {j + 1}: non-finite value {field!r}")


def _parse_table(path, lines: list[str], first_line: int, ncols: int, delimiter: str | None) -> np.ndarray:
    """Parses ``lines`` (file lines ``first_line, first_line+1, ...``) as a ``[n, ncols]`` float64
    table of finite numbers; raises ``malformed`` naming the offending line."""
    if not lines:
        raise malformed(path, None, "the file has no data rows")
    try:
        arr = np.loadtxt(lines, delimiter=delimiter, dtype=np.float64, comments=None, ndmin=2)
    except ValueError as e:
        _scan(path, lines, first_line, ncols, delimiter)
        raise malformed(path, None, f"could not be parsed: {e}") from None
    if arr.shape != (len(lines), ncols):  # loadtxt skips blank lines silently
        _scan(path, lines, first_line, ncols, delimiter)
        raise malformed(path, None, f"parsed shape {arr.shape}, expected {(len(lines), ncols)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise malformed(path, first_line + int(k), f"column {j + 1}: non-finite value {lines[k]!r}")
    return arr


def _first_bad(path, bad: np.ndarray, first_line: int, msg: str) -> None:
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise malformed(path, first_line + k, msg)


_MAX_EXACT = 2**53  # float64 represents every integer up to here exactly


def _int_column(path, col: np.ndarray, first_line: int, name: str, lo: int, hi: int | None = None) -> np.ndarray:
    """Checks a float column holds integers in ``[lo, hi]`` (``hi=None``: below 2**53)."""
    bad = col != np.floor(col)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise malformed(path, first_line + k, f"{name} must be an integer, found {float(col[k])!r}")
    bad = (col < lo) | (col >= _MAX_EXACT if hi is None else col > hi)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        rng = f">= {lo} and < 2**53" if hi is None else f"in [{lo}, {hi}]"
        raise malformed(path, first_line + k, f"{name} {col[k]:g} out of range (must be {rng})")
    return col.astype(np.int64)


def _check_sequence(path, col: np.ndarray, first_line: int, name: str, start: int) -> None:
    expected = np.arange(start, start + col.shape[0], dtype=np.float64)
    _first_bad(path, col != expected, first_line, f"{name} out of sequence (expected consecutive values from {start})")


def _binary_labels(path, col: np.ndarray, first_line: int, name: str = "label") -> np.ndarray:
    _first_bad(path, (col != 0) & (col != 1), first_line, f"{name} must be 0 or 1")
    return col.astype(np.int8)


def _finish(name, src, dst, t, edge_features, labels, num_nodes, bipartite=False, **extras) -> TemporalDataset:
    order = np.argsort(t, kind="stable")
    return TemporalDataset(
        name=name,
        src=np.ascontiguousarray(src[order], dtype=np.int64),
        dst=np.ascontiguousarray(dst[order], dtype=np.int64),
        t=np.ascontiguousarray(t[order], dtype=np.float64),
        edge_features=np.ascontiguousarray(edge_features[order], dtype=np.float32),
        labels=None if labels is None else np.ascontiguousarray(labels[order]),
        num_nodes=int(num_nodes),
        bipartite=bipartite,
        extras={"file_row": order.astype(np.int64), **extras},
    )


# ----------------------------------------------------------------------------- TGN format
_TGN_HEADER = ",u,i,ts,label,idx"


def _load_tgn(name, relpath, root, id_lo, num_nodes) -> TemporalDataset:
    """TGN's preprocessed ``ml_<name>.csv``: ``<row index>,u,i,ts,label,idx`` (idx = row + 1).

    Node ids are shifted by ``id_lo`` to 0-based and must lie in ``[id_lo, id_lo + num_nodes)``.
    """
    path = _find(relpath, root)
    lines = _read_lines(path)
    _check_header(path, lines, _TGN_HEADER)
    a = _parse_table(path, lines[1:], 2, 6, ",")
    _check_sequence(path, a[:, 0], 2, "row index (first column)", 0)
    _check_sequence(path, a[:, 5], 2, "idx (last column)", 1)
    hi = id_lo + num_nodes - 1
    u = _int_column(path, a[:, 1], 2, "u", id_lo, hi) - id_lo
    i = _int_column(path, a[:, 2], 2, "i", id_lo, hi) - id_lo
    labels = _binary_labels(path, a[:, 4], 2)
    m = a.shape[0]
    return _finish(name, u, i, a[:, 3].copy(), np.zeros((m, 0), np.float32), labels, num_nodes)


@register("uci", "uci-messages")
def load_uci(root=None, **kwargs) -> TemporalDataset:
    """UCI online-community (CollegeMsg) messages in TGN's preprocessed format (``ml_uci.csv``).

    Panzarasa, Opsahl & Carley, "Patterns and dynamics of users' behavior and interaction:
    network analysis of an online community", JASIST 2009; SNAP "CollegeMsg"; preprocessed as in
    Rossi et al., "Temporal Graph Networks", 2020 (file from Zehong-Wang/TGT).

    Node ids: the file's ``u``/``i`` run over 2..1900. SNAP's CollegeMsg ids are already 1-based
    (1..1899) and TGN's reindexing adds one more (to reserve 0 for padding), so the loader maps
    ``id -> id - 2``; node ``k`` here is node ``k`` of :func:`load_collegemsg` (SNAP id ``k + 1``).

    Returns:
      TemporalDataset with M = 59,835 message events between 1,899 nodes; ``t`` float64 Unix
      seconds (the TGN file's timestamps are SNAP's minus 32,400 s, a 9-hour offset);
      ``edge_features`` ``[M, 0]`` (TGN's ``ml_uci.npy`` features are not part of the data);
      ``labels`` ``[M]`` int8, the file's label column (all 1: no state-change labels).
    """
    return _load_tgn("uci", "temporal/ml_uci.csv", root, id_lo=2, num_nodes=1899)


@register("enron")
def load_enron(root=None, **kwargs) -> TemporalDataset:
    """Enron e-mail events in TGN's preprocessed format (``ml_enron.csv``, from ComplexData-MILA/TGX).

    Klimt & Yang, "The Enron corpus: a new dataset for email classification research", ECML 2004;
    as used by Poursafaei et al., "Towards better evaluation for dynamic link prediction",
    NeurIPS 2022 Datasets & Benchmarks.

    Node ids ``u``/``i`` are 1-based (1..184) and mapped to ``id - 1``.

    Returns:
      TemporalDataset with M = 125,235 events between 184 nodes; ``t`` float64 seconds from the
      first event (0 .. 113,740,399); ``edge_features`` ``[M, 0]`` (the ``.npy`` edge features are
      not part of the data); ``labels`` ``[M]`` int8 label column (all 0).
    """
    return _load_tgn("enron", "temporal/ml_enron.csv", root, id_lo=1, num_nodes=184)


@register("collegemsg", "college-msg")
def load_collegemsg(root=None, **kwargs) -> TemporalDataset:
    """SNAP CollegeMsg: private messages of an online student community at UC Irvine.

    Panzarasa, Opsahl & Carley, JASIST 2009; https://snap.stanford.edu/data/CollegeMsg.html.
    Raw SNAP format ``SRC DST UNIXTS`` (whitespace-separated, 1-based ids, no header). The same
    events as :func:`load_uci` (ids agree, timestamps differ by a constant 32,400 s).

    Returns:
      TemporalDataset with M = 59,835 events between 1,899 nodes (id ``k`` = SNAP id ``k + 1``);
      ``t`` float64 Unix seconds; ``edge_features`` ``[M, 0]``; ``labels`` None.
    """
    relpath = "temporal/CollegeMsg.txt"
    num_nodes = 1899
    path = _find(relpath, root)
    lines = _read_lines(path)
    a = _parse_table(path, lines, 1, 3, None)
    src = _int_column(path, a[:, 0], 1, "SRC", 1, num_nodes) - 1
    dst = _int_column(path, a[:, 1], 1, "DST", 1, num_nodes) - 1
    t = _int_column(path, a[:, 2], 1, "UNIXTS", 0).astype(np.float64)
    return _finish("collegemsg", src, dst, t, np.zeros((a.shape[0], 0), np.float32), None, num_nodes)


@register("wikipedia", "jodie-wikipedia")
def load_wikipedia(root=None, **kwargs) -> TemporalDataset:
    """JODIE Wikipedia edits: users editing pages, with user state-change (ban) labels.

    Kumar, Zhang & Leskovec, "Predicting dynamic embedding trajectory in temporal interaction
    networks" (JODIE), KDD 2019; http://snap.stanford.edu/jodie/. This copy (from
    TantalizingPotato/TE-Conv) has columns ``u,i,ts,label`` and no edge features.

    Bipartite ids: users keep their ids 0..8226; page ids are stored in the file already shifted
    past the users (8227..9226), so they are kept as they are and the two ranges are disjoint.
    The loader checks ``u`` in ``[0, 8227)`` and ``i`` in ``[8227, 9227)``.

    Returns:
      TemporalDataset with M = 157,474 edits, ``num_nodes`` 9,227 (8,227 users + 1,000 pages),
      ``bipartite=True``; ``t`` float64 seconds from the first edit; ``edge_features`` ``[M, 0]``;
      ``labels`` ``[M]`` int8 state-change labels (217 positives); ``extras["num_users"]`` 8,227
      and ``extras["num_items"]`` 1,000.
    """
    relpath = "temporal/wikipedia.csv"
    num_users, num_items = 8227, 1000
    path = _find(relpath, root)
    lines = _read_lines(path)
    _check_header(path, lines, "u,i,ts,label")
    a = _parse_table(path, lines[1:], 2, 4, ",")
    u = _int_column(path, a[:, 0], 2, "user id u", 0, num_users - 1)
    i = _int_column(path, a[:, 1], 2, "page id i", num_users, num_users + num_items - 1)
    labels = _binary_labels(path, a[:, 3], 2)
    return _finish(
        "wikipedia", u, i, a[:, 2].copy(), np.zeros((a.shape[0], 0), np.float32), labels,
        num_users + num_items, bipartite=True, num_users=num_users, num_items=num_items,
    )


# ----------------------------------------------------------------------------- Bitcoin
def _load_bitcoin(name, relpath, root) -> TemporalDataset:
    path = _find(relpath, root)
    lines = _read_lines(path)
    _check_header(path, lines, "from,to,feature,time")
    a = _parse_table(path, lines[1:], 2, 4, ",")
    src_raw = _int_column(path, a[:, 0], 2, "from (node id)", 1)
    dst_raw = _int_column(path, a[:, 1], 2, "to (node id)", 1)
    rating = _int_column(path, a[:, 2], 2, "rating", -10, 10)
    _first_bad(path, rating == 0, 2, "rating must be non-zero")
    raw_ids, inv = np.unique(np.concatenate([src_raw, dst_raw]), return_inverse=True)
    m = a.shape[0]
    return _finish(
        name, inv[:m], inv[m:], a[:, 3].copy(), rating.astype(np.float32)[:, None],
        np.sign(rating).astype(np.int8), raw_ids.shape[0], raw_node_ids=raw_ids,
    )


_BITCOIN_DOC = """Bitcoin-{Name} who-trusts-whom network: signed, weighted, timestamped ratings.

    Kumar, Spezzano, Subrahmanian & Faloutsos, "Edge weight prediction in weighted signed
    networks", ICDM 2016; Kumar et al., "REV2: Fraudulent user prediction in rating platforms",
    WSDM 2018; https://snap.stanford.edu/data/soc-sign-bitcoin-{lower}.html. SNAP's CSV
    ``SOURCE,TARGET,RATING,TIME`` with a header row ``from,to,feature,time`` added (copy from
    alessandro-canevaro/BondPercolation). Ratings are integers in -10..10 excluding 0 (checked).

    Node ids: SNAP's raw ids (1..{maxid}) are not contiguous, so they are remapped densely in
    increasing raw-id order; ``extras["raw_node_ids"][k]`` is the raw id of node ``k``.

    Returns:
      TemporalDataset with M = {m} ratings between {n} nodes; ``t`` float64 Unix seconds
      (sorted stably; {order}); ``edge_features`` ``[M, 1]`` float32 rating; ``labels`` ``[M]``
      int8 sign (+1 / -1; {pos} positive).
    """


@register("bitcoin-alpha", "bitcoinalpha", "soc-sign-bitcoinalpha")
def load_bitcoin_alpha(root=None, **kwargs) -> TemporalDataset:
    return _load_bitcoin("bitcoin-alpha", "signed/soc-sign-bitcoinalpha.csv", root)


@register("bitcoin-otc", "bitcoinotc", "soc-sign-bitcoinotc")
def load_bitcoin_otc(root=None, **kwargs) -> TemporalDataset:
    return _load_bitcoin("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", root)


load_bitcoin_alpha.__doc__ = _BITCOIN_DOC.format(
    Name="Alpha", lower="alpha", maxid="7,604", m="24,186", n="3,783", pos="93.6%",
    order="the file is not in time order; 1,647 distinct timestamps",
)
load_bitcoin_otc.__doc__ = _BITCOIN_DOC.format(
    Name="OTC", lower="otc", maxid="6,005", m="35,592", n="5,881", pos="90.0%",
    order="the file is already in time order",
)
