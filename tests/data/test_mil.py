"""Musk1 / Elephant multiple-instance datasets on the shared CSV files, plus malformed rows."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jaxgraph.data as jd
from jaxgraph.data.core import data_roots
from jaxgraph.data.mil import MILDataset


def _shared(relpath: str) -> Path | None:
    for r in data_roots():
        if (r / relpath).exists():
            return r / relpath
    return None


pytestmark = pytest.mark.skipif(_shared("mil/musk1.csv") is None, reason="MIL csv files not in any data root")

# name -> (bags, positive bags, instances, features, smallest bag, largest bag); literature:
# Musk1 (Dietterich et al. 1997) 92 bags / 47 positive / 476 instances / 166 features;
# Elephant (Andrews et al. 2002) 200 bags / 100 positive / 1391 instances / 230 features.
EXPECTED = {
    "musk1": (92, 47, 476, 166, 2, 40),
    "elephant": (200, 100, 1391, 230, 2, 13),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statistics(name):
    ds = jd.load(name)
    b, pos, m, f, lo, hi = EXPECTED[name]
    assert isinstance(ds, MILDataset) and ds.name == name
    assert len(ds) == len(ds.bags) == b
    assert ds.labels.shape == (b,) and set(ds.labels.tolist()) == {0, 1}
    assert int(ds.labels.sum()) == pos
    assert ds.num_instances == m and ds.num_features == f
    sizes = [len(x) for x in ds.bags]
    assert min(sizes) == lo and max(sizes) == hi and sum(sizes) == m
    assert all(x.dtype == np.float32 and x.shape[1] == f for x in ds.bags)
    assert ds.instance_bag.shape == (m,)
    assert np.array_equal(np.bincount(ds.instance_bag), sizes)
    assert np.all(np.diff(ds.instance_bag) >= 0)
    assert np.array_equal(ds.extras["bag_ids"], np.arange(1, b + 1))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matches_file(name):
    ds = jd.load(name)
    a = np.loadtxt(_shared(f"mil/{name}.csv"), delimiter=",")
    # Column 0 is the bag label, column 1 the bag id (1-based), then the features.
    assert np.array_equal(ds.instances(), a[:, 2:].astype(np.float32))
    assert np.array_equal(ds.instance_bag + 1, a[:, 1].astype(int))
    assert np.array_equal(ds.labels[ds.instance_bag], a[:, 0].astype(int))


# ----------------------------------------------------------------------------- malformed files
def _corrupt(tmp_path: Path, lineno: int, edit) -> Path:
    lines = _shared("mil/musk1.csv").read_text().split("\n")
    lines[lineno - 1] = edit(lines[lineno - 1])
    (tmp_path / "mil").mkdir()
    (tmp_path / "mil" / "musk1.csv").write_text("\n".join(lines))
    return tmp_path


@pytest.mark.parametrize(
    "lineno,edit,match",
    [
        (10, lambda s: s[: s.rindex(",")], r"line 10: expected 168 columns \(as on line 1\), got 167"),
        (11, lambda s: s[: len(s) // 2], r"line 11: expected 168 columns"),
        (12, lambda s: s[: s.rindex(",") + 1] + "1e", r"line 12: column 168: cannot parse '1e'"),
        (13, lambda s: "2" + s[1:], r"line 13: bag label must be 0 or 1, got 2"),
        (
            14,
            lambda s: s.split(",", 2)[0] + ",1.5," + s.split(",", 2)[2],
            r"line 14: column 2: the bag id must be an integer",
        ),
        (15, lambda s: s[: s.rindex(",") + 1] + "nan", r"line 15: column 168: non-finite value 'nan'"),
        (
            300,
            lambda s: ("1" if s[0] == "0" else "0") + s[1:],
            r"line 300: bag \d+ has label \d here but \d on line \d+",
        ),
    ],
)
def test_malformed_rows(tmp_path, lineno, edit, match):
    root = _corrupt(tmp_path, lineno, edit)
    with pytest.raises(ValueError, match=r"malformed data file .*musk1\.csv, " + match):
        jd.load("musk1", root=root)


def test_empty_file(tmp_path):
    (tmp_path / "mil").mkdir()
    (tmp_path / "mil" / "elephant.csv").write_text("\n")
    with pytest.raises(ValueError, match=r"elephant\.csv: empty file"):
        jd.load("elephant", root=tmp_path)
