"""MovieLens-100k loader on a generated ``u.data`` (the real file may not be redistributed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jaxgraph.data as jd
from jaxgraph.data.movielens import RatingsDataset


def _write_u_data(root: Path, rows) -> Path:
    d = root / "movielens" / "ml-100k"
    d.mkdir(parents=True, exist_ok=True)
    p = d / "u.data"
    p.write_text("".join("\t".join(str(v) for v in row) + "\n" for row in rows))
    return p


def _generated(seed=0, m=300, users=25, items=40):
    rng = np.random.default_rng(seed)
    u = rng.integers(1, users + 1, m)
    i = rng.integers(1, items + 1, m)
    u[0], i[0] = users, items  # make sure the largest ids occur
    r = rng.integers(1, 6, m)
    t = 874_965_758 + rng.integers(0, 5000, m)  # many ties
    return u, i, r, t


def test_generated_file(tmp_path):
    u, i, r, t = _generated()
    _write_u_data(tmp_path, zip(u, i, r, t))
    ds = jd.load("movielens-100k", root=tmp_path)
    assert isinstance(ds, RatingsDataset) and ds.name == "movielens-100k"
    assert len(ds) == len(u)
    assert ds.num_users == 25 and ds.num_items == 40
    order = np.argsort(t, kind="stable")  # sorted by time, ties in file order
    assert np.array_equal(ds.users, u[order] - 1)
    assert np.array_equal(ds.items, i[order] - 1)
    assert np.array_equal(ds.ratings, r[order].astype(np.float32))
    assert np.array_equal(ds.t, t[order])
    assert np.array_equal(ds.extras["order"], order)
    assert ds.users.min() >= 0 and ds.items.min() >= 0
    assert ds.ratings.dtype == np.float32 and ds.t.dtype == np.int64
    assert np.all(np.diff(ds.t) >= 0)


def test_missing_file_message(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    monkeypatch.setenv("JAXGRAPH_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("JAXGRAPH_SHARED_DATA", str(tmp_path / "no-shared"))
    with pytest.raises(jd.DatasetNotFoundError) as info:
        jd.load("movielens-100k")
    msg = str(info.value)
    assert "movielens/ml-100k/u.data" in msg
    assert "cannot be downloaded automatically" in msg
    assert "grouplens.org/datasets/movielens/100k" in msg
    assert str(tmp_path / "cache" / "movielens" / "ml-100k" / "u.data") in msg


@pytest.mark.parametrize(
    "row,match",
    [
        ("3\t7\t4", r"line 4: expected 4 tab-separated fields .*got 3"),
        ("3\t7\t4\t881250949\t9", r"line 4: expected 4 tab-separated fields .*got 5"),
        ("3\tx7\t4\t881250949", r"line 4: item id must be an integer, got 'x7'"),
        ("0\t7\t4\t881250949", r"line 4: ids are 1-based; got user 0"),
        ("3\t7\tfour\t881250949", r"line 4: rating must be a number, got 'four'"),
        ("3\t7\t6\t881250949", r"line 4: rating must lie in \[1, 5\], got '6'"),
        ("3\t7\tnan\t881250949", r"line 4: rating must lie in \[1, 5\], got 'nan'"),
        ("3\t7\t4\t8812.5", r"line 4: timestamp must be an integer, got '8812\.5'"),
    ],
)
def test_malformed_row(tmp_path, row, match):
    u, i, r, t = _generated(m=10)
    p = _write_u_data(tmp_path, zip(u, i, r, t))
    lines = p.read_text().split("\n")
    lines[3] = row
    p.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"malformed data file .*u\.data, " + match):
        jd.load("movielens-100k", root=tmp_path)


def test_empty_file(tmp_path):
    _write_u_data(tmp_path, [])
    with pytest.raises(ValueError, match=r"u\.data: no ratings"):
        jd.load("movielens-100k", root=tmp_path)
