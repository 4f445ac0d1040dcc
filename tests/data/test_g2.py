"""The G2 loader (jaxgraph.data.g2): ASE's coordinates, bonds from covalent radii, clear errors."""
from __future__ import annotations

import sys

import numpy as np
import pytest

ase_collections = pytest.importorskip("ase.collections")

from jaxgraph import data  # noqa: E402
from jaxgraph.data import g2 as g2mod  # noqa: E402


@pytest.fixture(scope="module")
def ds():
    return data.load("g2")


def _by_name(ds, name):
    return ds.graphs[ds.extras["names"].index(name)]


def test_registered_and_shapes(ds):
    assert "g2" in data.available()
    assert len(ds) == 162 == len(ase_collections.g2.names)
    assert ds.labels.shape == (162, 0) and ds.num_classes == 0 and ds.folds == []
    for g, name in zip(ds.graphs, ds.extras["names"]):
        atoms = ase_collections.g2[name]
        n = len(atoms)
        assert int(g.n_node[0]) == n
        np.testing.assert_array_equal(g.nodes["z"], atoms.get_atomic_numbers())
        np.testing.assert_allclose(g.nodes["positions"], atoms.get_positions(), atol=1e-5)
        assert g.nodes["x"].shape == (n, 15) and np.all(g.nodes["x"].sum(1) == 1)
        # both directions, sorted, edge feature = bond length
        s, r = np.asarray(g.senders), np.asarray(g.receivers)
        assert set(zip(s.tolist(), r.tolist())) == set(zip(r.tolist(), s.tolist()))
        assert np.all(np.lexsort((r, s)) == np.arange(len(s)))
        d = np.linalg.norm(atoms.get_positions()[s] - atoms.get_positions()[r], axis=1)
        np.testing.assert_allclose(g.edges[:, 0], d, atol=1e-5)


def test_known_bond_counts(ds):
    # (name, number of bonds) from chemistry: CH4 4, H2O 2, C2H2 3, benzene 12 (6 C-C + 6 C-H), H2 1, atom 0.
    for name, nb in [("CH4", 4), ("H2O", 2), ("C2H2", 3), ("C6H6", 12), ("H2", 1), ("F2", 1), ("Li", 0),
                     ("cyclobutene", 10)]:
        g = _by_name(ds, name)
        assert int(g.n_edge[0]) == 2 * nb, name
    # every molecule (not atom) of G2 is connected under the rule
    import networkx as nx

    for g in ds.graphs:
        n = int(g.n_node[0])
        if n > 1:
            gr = nx.Graph(list(zip(np.asarray(g.senders).tolist(), np.asarray(g.receivers).tolist())))
            gr.add_nodes_from(range(n))
            assert nx.is_connected(gr)


def test_covalent_bonds_brute_force():
    from ase.data import covalent_radii

    rng = np.random.default_rng(0)
    z = rng.choice([1, 6, 7, 8], size=12)
    pos = rng.uniform(0, 4, size=(12, 3))
    got = g2mod.covalent_bonds(z, pos, 1.2)
    want = [(i, j) for i in range(12) for j in range(i + 1, 12)
            if np.linalg.norm(pos[i] - pos[j]) <= 1.2 * (covalent_radii[z[i]] + covalent_radii[z[j]])]
    assert [tuple(b) for b in got.tolist()] == want
    # the rule's margin on G2: any scale in [1.25, 1.37] gives the same graphs
    a, b = data.load("g2", bond_scale=1.25), data.load("g2", bond_scale=1.37)
    assert all(int(x.n_edge[0]) == int(y.n_edge[0]) for x, y in zip(a.graphs, b.graphs))
    c = data.load("g2", bond_scale=1.2)  # F2 (ratio 1.247) loses its bond
    assert int(_by_name(c, "F2").n_edge[0]) == 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="bond_scale"):
        data.load("g2", bond_scale=-1.0)
    with pytest.raises(TypeError, match="bond_scale"):
        data.load("g2", cutoff=3.0)
    with pytest.raises(ValueError, match="positions"):
        g2mod.covalent_bonds([1, 1], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="positions"):
        g2mod.covalent_bonds([1, 1], np.array([[0, 0, 0], [np.nan, 0, 0]]))
    with pytest.raises(ValueError, match="z"):
        g2mod.covalent_bonds([0, 1], np.zeros((2, 3)))


def test_clear_error_without_ase(monkeypatch):
    monkeypatch.setitem(sys.modules, "ase", None)
    monkeypatch.setitem(sys.modules, "ase.collections", None)
    monkeypatch.setitem(sys.modules, "ase.data", None)
    with pytest.raises(ImportError, match="pip install ase"):
        data.load("g2")
