"""Temporal loaders on the real files in shared/data, plus malformed-file checks."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from jaxgraph.data import core, sha256sum, temporal
from jaxgraph.data.core import TemporalDataset

SHARED = core._REPO_SHARED
pytestmark = pytest.mark.skipif(
    not (SHARED / "temporal").is_dir() or not (SHARED / "signed").is_dir(),
    reason="shared/data/temporal and shared/data/signed not available",
)

# name -> (events, nodes, bipartite, D)
EXPECTED = {
    "uci": (59_835, 1_899, False, 0),
    "collegemsg": (59_835, 1_899, False, 0),
    "enron": (125_235, 184, False, 0),
    "wikipedia": (157_474, 9_227, True, 0),
    "bitcoin-alpha": (24_186, 3_783, False, 1),
    "bitcoin-otc": (35_592, 5_881, False, 1),
}


@pytest.fixture(scope="module")
def datasets() -> dict[str, TemporalDataset]:
    return {name: core._LOADERS[name]() for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_counts_sorted(datasets, name):
    ds = datasets[name]
    m, n, bipartite, d = EXPECTED[name]
    assert len(ds) == m
    assert ds.num_nodes == n
    assert ds.bipartite is bipartite
    assert ds.src.dtype == ds.dst.dtype == np.int64
    assert ds.t.dtype == np.float64 and ds.t.shape == (m,)
    assert ds.edge_features.dtype == np.float32 and ds.edge_features.shape == (m, d)
    assert np.all(np.diff(ds.t) >= 0)
    ids = np.concatenate([ds.src, ds.dst])
    assert ids.min() >= 0 and ids.max() < n
    # every node occurs in some event (ids are dense)
    assert np.unique(ids).shape[0] == n
    # stable sort: equal timestamps keep file order
    row = ds.extras["file_row"]
    assert np.array_equal(np.sort(row), np.arange(m))
    ties = ds.t[1:] == ds.t[:-1]
    assert np.all(row[1:][ties] > row[:-1][ties])


def test_registered_names():
    for name in EXPECTED:
        assert name in core._LOADERS
    assert core._LOADERS["wikipedia"] is temporal.load_wikipedia
    assert core._LOADERS["bitcoin-otc"] is temporal.load_bitcoin_otc


def test_checksums_match_shared_files():
    for relpath, (url, sha) in temporal._FILES.items():
        assert url.startswith("https://")
        assert sha256sum(SHARED / relpath) == sha, relpath


def test_uci_equals_collegemsg(datasets):
    uci, cm = datasets["uci"], datasets["collegemsg"]
    assert np.array_equal(uci.src, cm.src)
    assert np.array_equal(uci.dst, cm.dst)
    # TGN's ml_uci.csv timestamps are SNAP's shifted by a constant 9 hours.
    np.testing.assert_array_equal(cm.t - uci.t, 32_400.0)
    assert np.all(uci.labels == 1)
    assert cm.labels is None


def test_wikipedia_bipartite_and_labels(datasets):
    ds = datasets["wikipedia"]
    assert ds.extras["num_users"] == 8_227 and ds.extras["num_items"] == 1_000
    assert ds.src.max() < 8_227 <= ds.dst.min()
    assert np.unique(ds.src).shape[0] == 8_227
    assert np.unique(ds.dst).shape[0] == 1_000
    assert ds.labels.dtype == np.int8
    assert int(ds.labels.sum()) == 217  # JODIE: 217 state changes (bans)
    assert ds.t[0] == 0.0


def test_enron(datasets):
    ds = datasets["enron"]
    assert ds.t[0] == 0.0 and ds.t[-1] == 113_740_399.0
    assert np.all(ds.labels == 0)


@pytest.mark.parametrize("name,frac", [("bitcoin-alpha", 0.9365), ("bitcoin-otc", 0.8999)])
def test_bitcoin_signs(datasets, name, frac):
    ds = datasets[name]
    rating = ds.edge_features[:, 0]
    assert np.all(np.abs(rating) <= 10) and np.all(rating != 0)
    assert np.all(rating == np.round(rating))
    assert ds.labels.dtype == np.int8
    assert np.array_equal(ds.labels, np.sign(rating).astype(np.int8))
    assert abs(float(np.mean(ds.labels > 0)) - frac) < 5e-4
    raw = ds.extras["raw_node_ids"]
    assert raw.shape == (ds.num_nodes,) and np.all(np.diff(raw) > 0)


def test_bitcoin_alpha_sorted_from_unsorted_file(datasets):
    ds = datasets["bitcoin-alpha"]
    row = ds.extras["file_row"]
    assert not np.array_equal(row, np.arange(len(ds)))  # the file is not in time order
    # first data row of the file: 7188,1,10,1407470400
    k = int(np.flatnonzero(row == 0)[0])
    raw = ds.extras["raw_node_ids"]
    assert (raw[ds.src[k]], raw[ds.dst[k]], ds.edge_features[k, 0], ds.t[k]) == (7188, 1, 10.0, 1407470400.0)


# ----------------------------------------------------------------------------- malformed
def _corrupt(tmp_path: Path, relpath: str, line: int, new: str | None) -> Path:
    """Copies the shared file to ``tmp_path/relpath`` and replaces (or, ``new=None``, deletes)
    its 1-based ``line``."""
    dest = tmp_path / relpath
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED / relpath, dest)
    data = dest.read_bytes()
    crlf = b"\r\n" in data[:200]
    lines = data.decode().splitlines()
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    dest.write_bytes(("\r\n" if crlf else "\n").join(lines).encode() + (b"\r\n" if crlf else b"\n"))
    return dest


CASES = [
    # (loader, relpath, line, replacement, expected line in the error, message fragment)
    ("uci", "temporal/ml_uci.csv", 101, "99,10,11,1082500000.0,1.0", 101, "columns"),
    ("uci", "temporal/ml_uci.csv", 50, "48,2,x3,1082100000.0,1.0,49", 50, "cannot parse"),
    ("uci", "temporal/ml_uci.csv", 7, "5,1,3,1082100000.0,1.0,6", 7, "out of range"),
    ("uci", "temporal/ml_uci.csv", 7, "5,2,1901,1082100000.0,1.0,6", 7, "out of range"),
    ("uci", "temporal/ml_uci.csv", 1, "u,i,ts,label,idx", 1, "header"),
    ("uci", "temporal/ml_uci.csv", 300, None, 300, "out of sequence"),  # a dropped row
    ("enron", "temporal/ml_enron.csv", 1234, "1232,115,170,nan,0,1233", 1234, "non-finite"),
    ("enron", "temporal/ml_enron.csv", 1234, "1232,115.5,170,10.0,0,1233", 1234, "integer"),
    ("enron", "temporal/ml_enron.csv", 1234, "1232,115,170,10.0,2,1233", 1234, "0 or 1"),
    ("wikipedia", "temporal/wikipedia.csv", 20, "", 20, "blank line"),
    ("wikipedia", "temporal/wikipedia.csv", 20, "5,12,100,0", 20, "page id"),
    ("wikipedia", "temporal/wikipedia.csv", 157475, "6,8230", 157475, "columns"),  # truncated end
    ("wikipedia", "temporal/wikipedia.csv", 2000, "-1,8230,5000,0", 2000, "out of range"),
    ("collegemsg", "temporal/CollegeMsg.txt", 3, "5 2", 3, "columns"),
    ("collegemsg", "temporal/CollegeMsg.txt", 59835, "0 2 1098777142", 59835, "out of range"),
    ("bitcoin-alpha", "signed/soc-sign-bitcoinalpha.csv", 10, "430,1,0,1376539200", 10, "non-zero"),
    ("bitcoin-alpha", "signed/soc-sign-bitcoinalpha.csv", 10, "430,1,11,1376539200", 10, "out of range"),
    ("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", 35593, "6,2,4,inf", 35593, "non-finite"),
    ("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", 4, "0,5,2,1289241941.5", 4, "out of range"),
    ("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", 4, "6,5,2,1289241941.5,7", 4, "columns"),
    ("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", 4, "6,1e300,2,1289241941.5", 4, "out of range"),
    ("bitcoin-otc", "signed/soc-sign-bitcoinotc.csv", 4, "6,5,2.5,1289241941.5", 4, "must be an integer, found 2.5"),
]


@pytest.mark.parametrize("name,relpath,line,new,err_line,fragment", CASES)
def test_malformed_names_file_and_line(tmp_path, name, relpath, line, new, err_line, fragment):
    path = _corrupt(tmp_path, relpath, line, new)
    with pytest.raises(ValueError) as exc:
        core._LOADERS[name](root=tmp_path)
    msg = str(exc.value)
    assert str(path) in msg
    assert f"line {err_line}:" in msg
    assert fragment in msg


def test_empty_file(tmp_path):
    dest = tmp_path / "temporal" / "CollegeMsg.txt"
    dest.parent.mkdir(parents=True)
    dest.write_text("")
    with pytest.raises(ValueError, match="no data rows"):
        temporal.load_collegemsg(root=tmp_path)


def test_missing_file_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    with pytest.raises(core.DatasetNotFoundError, match="ml_enron.csv"):
        temporal.load_enron(root=tmp_path)


def test_small_synthetic_tgn_file_sorts_stably(tmp_path):
    dest = tmp_path / "temporal" / "ml_enron.csv"
    dest.parent.mkdir(parents=True)
    dest.write_text(
        ",u,i,ts,label,idx\n"
        "0,1,2,5.0,0,1\n"
        "1,3,1,2.0,1,2\n"
        "2,2,3,5.0,0,3\n"
        "3,184,1,2.0,0,4\n"
    )
    ds = temporal.load_enron(root=tmp_path)
    assert ds.t.tolist() == [2.0, 2.0, 5.0, 5.0]
    assert ds.src.tolist() == [2, 183, 0, 1]
    assert ds.dst.tolist() == [0, 0, 1, 2]
    assert ds.labels.tolist() == [1, 0, 0, 0]
    assert ds.extras["file_row"].tolist() == [1, 3, 0, 2]
    assert ds.num_nodes == 184
