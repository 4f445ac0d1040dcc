"""Benson et al. simplicial loaders on the real files in shared/data, projected graphs, and
malformed-file checks."""
from __future__ import annotations

import gzip
import itertools
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from jaxgraph.data import core, sha256sum, simplicial
from jaxgraph.data.core import SimplicialDataset

SHARED = core._REPO_SHARED
pytestmark = pytest.mark.skipif(
    not (SHARED / "simplicial").is_dir(), reason="shared/data/simplicial not available"
)

# name -> (simplices, num_nodes, active nodes, total node ids, projected edges, max size)
# Simplex and active-node counts match Benson et al. (2018), Table 1, except NDC-classes:
# the published files hold 49,724 simplices, the paper lists 49,726.
EXPECTED = {
    "email-enron": (10_883, 148, 143, 26_841, 1_800, 18),
    "contact-high-school": (172_035, 327, 327, 352_718, 5_818, 5),
    "contact-primary-school": (106_879, 242, 242, 223_998, 8_317, 5),
    "ndc-classes": (49_724, 1_161, 1_161, 156_185, 6_222, 24),
}


@pytest.fixture(scope="module")
def datasets() -> dict[str, SimplicialDataset]:
    return {name: core._LOADERS[name]() for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts(datasets, name):
    ds = datasets[name]
    n_simp, n_nodes, n_active, n_ids, _, max_size = EXPECTED[name]
    assert len(ds) == n_simp
    assert ds.num_nodes == n_nodes
    assert ds.extras["num_active_nodes"] == n_active
    assert ds.times.dtype == np.int64 and ds.times.shape == (n_simp,)
    nverts = ds.extras["nverts"]
    assert nverts.sum() == n_ids and nverts.max() == max_size
    assert np.array_equal(nverts, [len(s) for s in ds.simplices])
    flat = np.concatenate(ds.simplices)
    assert flat.dtype == np.int64 and flat.min() == 0 and flat.max() < ds.num_nodes
    assert all(len(np.unique(s)) == len(s) for s in ds.simplices[:2000])


def test_first_simplices_and_labels(datasets):
    enron = datasets["email-enron"]
    # files: nverts 2,3,...; simplices 4,1 | 117,...  (1-based)
    assert enron.simplices[0].tolist() == [3, 0]
    assert enron.times[0] == 63083183340000
    assert len(enron.node_labels) == 148
    assert enron.node_labels[0] == "phillip.allen@enron.com"
    assert enron.node_labels[147] == "john.zufferli@enron.com"
    ndc = datasets["ndc-classes"]
    assert len(ndc.node_labels) == 1_161
    assert ndc.node_labels[0] == "radioactive diagnostic agent [epc]"
    assert datasets["contact-high-school"].node_labels is None
    hs = datasets["contact-high-school"]
    assert hs.times[0] == 1385982020 and np.all(np.diff(hs.times) >= 0)


def test_checksums_match_shared_files():
    for fname, sha in simplicial._SHA256.items():
        folder = fname.split("-nverts")[0].split("-simplices")[0].split("-times")[0].split("-node-labels")[0]
        assert sha256sum(SHARED / "simplicial" / folder / fname) == sha, fname


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_projected_graph(datasets, name):
    ds = datasets[name]
    s, r, w = simplicial.projected_graph(ds)
    assert s.shape[0] == EXPECTED[name][4]
    assert np.all(s < r) and np.all(w > 0)
    key = s * ds.num_nodes + r
    assert np.all(np.diff(key) > 0)  # unique and sorted
    nv = ds.extras["nverts"]
    assert w.sum() == int((nv * (nv - 1) // 2).sum())


def test_projected_graph_matches_brute_force(datasets):
    ds = datasets["email-enron"]
    counts = Counter()
    for simplex in ds.simplices:
        for a, b in itertools.combinations(sorted(simplex.tolist()), 2):
            counts[(a, b)] += 1
    s, r, w = simplicial.projected_graph(ds)
    assert dict(zip(zip(s.tolist(), r.tolist()), w.tolist())) == dict(counts)


def test_projected_graph_t_max_and_readme_example():
    # The example of the DATA-DESCRIPTION files: {1,2,3}@10, {2,4}@15, {1,3,4,5}@21.
    ds = SimplicialDataset(
        name="example",
        simplices=[np.array([0, 1, 2]), np.array([1, 3]), np.array([0, 2, 3, 4])],
        times=np.array([10, 15, 21]),
        num_nodes=5,
    )
    s, r, w = simplicial.projected_graph(ds)
    got = {(a, b): c for a, b, c in zip(s.tolist(), r.tolist(), w.tolist())}
    assert got == {(0, 1): 1, (0, 2): 2, (1, 2): 1, (1, 3): 1, (0, 3): 1, (0, 4): 1,
                   (2, 3): 1, (2, 4): 1, (3, 4): 1}
    s, r, w = simplicial.projected_graph(ds, t_max=15)
    assert list(zip(s.tolist(), r.tolist(), w.tolist())) == [(0, 1, 1), (0, 2, 1), (1, 2, 1), (1, 3, 1)]
    s, r, w = simplicial.projected_graph(ds, t_max=5)
    assert s.shape == r.shape == w.shape == (0,)


def test_projected_graph_prefix_is_subgraph(datasets):
    ds = datasets["contact-primary-school"]
    t_max = np.quantile(ds.times, 0.8)
    s, r, w = simplicial.projected_graph(ds)
    s2, r2, w2 = simplicial.projected_graph(ds, t_max=t_max)
    full = dict(zip(zip(s.tolist(), r.tolist()), w.tolist()))
    assert 0 < len(s2) < len(s)
    assert all(full[(a, b)] >= c for a, b, c in zip(s2.tolist(), r2.tolist(), w2.tolist()))


# ----------------------------------------------------------------------------- small files
def _write_gz(path: Path, lines) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as f:
        f.write("".join(f"{x}\n" for x in lines))
    return path


def _example(root: Path, nverts=(3, 2, 4), ids=(1, 2, 3, 2, 4, 1, 3, 4, 5), times=(10, 15, 21)):
    d = root / "simplicial" / "contact-primary-school"
    paths = {}
    for suffix, vals in (("nverts", nverts), ("simplices", ids), ("times", times)):
        paths[suffix] = _write_gz(d / f"contact-primary-school-{suffix}.txt.gz", vals)
    return paths


def test_readme_example_loads(tmp_path):
    _example(tmp_path)
    ds = simplicial.load_contact_primary_school(root=tmp_path)
    assert [s.tolist() for s in ds.simplices] == [[0, 1, 2], [1, 3], [0, 2, 3, 4]]
    assert ds.times.tolist() == [10, 15, 21]
    assert ds.num_nodes == 5 and ds.node_labels is None


BAD = [
    # (kwargs for _example, file at fault, line or None, message fragment)
    (dict(nverts=(3, 2, 3)), "simplices", None, "add up to 8"),
    (dict(nverts=(3, 2, 5)), "simplices", None, "add up to 10"),
    (dict(times=(10, 15)), "times", None, "2 timestamps"),
    (dict(ids=(1, 2, 3, 2, 0, 1, 3, 4, 5)), "simplices", 5, "must be >= 1"),
    (dict(ids=(1, 2, 3, 2, -4, 1, 3, 4, 5)), "simplices", 5, "must be >= 1"),
    (dict(ids=(1, 2, 3, 2, 4, 1, 3, 3, 5)), "simplices", 8, "appears twice"),
    (dict(nverts=(3, 0, 2, 4)), "nverts", 2, "must be >= 1"),
    (dict(ids=(1, 2, 3, 2, "4.5", 1, 3, 4, 5)), "simplices", 5, "one integer per line"),
    (dict(ids=(1, 2, 3, 2, "", 4, 1, 3, 4, 5)), "simplices", 5, "blank line"),
    (dict(times=(10, "15 16", 21)), "times", 2, "one integer per line"),
    (dict(times=(10, "nan", 21)), "times", 2, "one integer per line"),
]


@pytest.mark.parametrize("kwargs,fault,line,fragment", BAD)
def test_malformed_small(tmp_path, kwargs, fault, line, fragment):
    paths = _example(tmp_path, **kwargs)
    with pytest.raises(ValueError) as exc:
        simplicial.load_contact_primary_school(root=tmp_path)
    msg = str(exc.value)
    assert f"malformed data file {paths[fault]}" in msg
    assert (f"line {line}:" in msg) if line else ("line" not in msg.split(":")[0])
    assert fragment in msg


def _copy_enron(tmp_path: Path) -> Path:
    src = SHARED / "simplicial" / "email-Enron"
    dest = tmp_path / "simplicial" / "email-Enron"
    shutil.copytree(src, dest)
    for p in dest.iterdir():
        p.chmod(0o644)
    return dest


def _edit_gz(path: Path, line: int, new: str | None) -> None:
    with gzip.open(path, "rt") as f:
        lines = f.read().splitlines()
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    _write_gz(path, lines)


def test_corrupted_real_nverts(tmp_path):
    d = _copy_enron(tmp_path)
    _edit_gz(d / "email-Enron-nverts.txt.gz", 500, "7")  # a size that does not add up
    with pytest.raises(ValueError) as exc:
        simplicial.load_email_enron(root=tmp_path)
    msg = str(exc.value)
    assert str(d / "email-Enron-simplices.txt.gz") in msg
    assert str(d / "email-Enron-nverts.txt.gz") in msg and "add up to" in msg


def test_corrupted_real_simplices_line(tmp_path):
    d = _copy_enron(tmp_path)
    _edit_gz(d / "email-Enron-simplices.txt.gz", 12345, "12x")
    with pytest.raises(ValueError, match=r"email-Enron-simplices\.txt\.gz, line 12345:"):
        simplicial.load_email_enron(root=tmp_path)


def test_corrupted_real_label_range_and_labels(tmp_path):
    d = _copy_enron(tmp_path)
    _edit_gz(d / "email-Enron-simplices.txt.gz", 7, "149")  # no such labelled node
    with pytest.raises(ValueError, match=r"email-Enron-simplices\.txt\.gz, line 7: node id 149 has no label"):
        simplicial.load_email_enron(root=tmp_path)
    shutil.copyfile(SHARED / "simplicial/email-Enron/email-Enron-simplices.txt.gz",
                    d / "email-Enron-simplices.txt.gz")
    _edit_gz(d / "email-Enron-node-labels.txt.gz", 3, "2 someone@enron.com")
    with pytest.raises(ValueError, match=r"email-Enron-node-labels\.txt\.gz, line 3: node id 2 labelled twice"):
        simplicial.load_email_enron(root=tmp_path)


def test_truncated_gzip(tmp_path):
    d = _copy_enron(tmp_path)
    p = d / "email-Enron-times.txt.gz"
    p.write_bytes(p.read_bytes()[:5000])
    with pytest.raises(ValueError, match=r"email-Enron-times\.txt\.gz: not a readable gzip file"):
        simplicial.load_email_enron(root=tmp_path)


def test_registered_names():
    for name in EXPECTED:
        assert name in core._LOADERS
    assert core._LOADERS["ndc-classes"] is simplicial.load_ndc_classes
