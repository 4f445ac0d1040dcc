"""The G2 molecule set (ASE ``ase.collections.g2``) as graphs with 3D coordinates.

``g2``: the 162 neutral molecules, radicals and atoms of the G2-1 and G2-2 test sets of
Curtiss, Raghavachari, Redfern & Pople (J. Chem. Phys. 106, 1063, 1997), with the MP2/6-31G(d)
geometries that ASE ships (``ase.collections.g2``; ASE is LGPL-2.1). Coordinates are in Angstrom.
The file is part of the ASE package, so the loader needs ``ase`` installed (``pip install ase``,
or the ``chem`` / ``test`` extras of jaxgraph) and no data root or network.

Bonds are not part of the data; they are inferred from covalent radii (Cordero et al., Dalton
Trans. 2008, ``ase.data.covalent_radii``): atoms ``i != j`` are bonded when

    ``|r_i - r_j| <= bond_scale * (R_cov(z_i) + R_cov(z_j))``,   ``bond_scale = 1.25`` by default.

On G2 the ratio ``d / (R_i + R_j)`` of every atom pair is either at most 1.247 (the largest
bonded one: F-F in F2) or at least 1.378 (the smallest non-bonded one: the 1,3 C-C pair of
cyclobutene), so any ``bond_scale`` in ``[1.25, 1.37]`` gives the same bonds.

Each graph (one molecule, all atoms are nodes, hydrogens included) has

* ``nodes``: ``{"x": float32 [N, 15] one-hot atomic number over molecules.ATOM_VOCAB + other,
  "z": int32 [N], "positions": float32 [N, 3]}``;
* ``edges``: float32 ``[E, 1]``, the bond length in Angstrom; both directions of every bond,
  sorted by ``(sender, receiver)``. Single atoms (``"H"``, ``"Li"``, ...) have no edges.

The dataset is a :class:`~jaxgraph.data.core.GraphDataset` with ``labels`` float64 ``[G, 0]``
(no targets), ``num_classes = 0``, ``folds = []`` and ``extras = {"names": [...], "formulas":
[...], "bond_scale": float}`` in ``ase.collections.g2.names`` order.
"""
from __future__ import annotations

import numpy as np

from jaxgraph.data.core import GraphDataset, register
from jaxgraph.data.molecules import ATOM_VOCAB
from jaxgraph.graph.build import from_edge_list

__all__ = ["covalent_bonds", "load_g2"]

_ATOM_COL = {z: i for i, z in enumerate(ATOM_VOCAB)}


def _require_ase():
    try:
        import ase.collections  # noqa: F401
        import ase.data  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the 'g2' dataset reads ase.collections.g2 and needs the ASE package: "
            "pip install ase (or pip install 'jaxgraph[chem]')"
        ) from e
    import ase.data

    return ase.data


def covalent_bonds(z, positions, bond_scale: float = 1.25, radii=None) -> np.ndarray:
    """Bonds from covalent radii: ``i < j`` with ``d_ij <= bond_scale * (R_i + R_j)``.

    Args:
      z: int ``[N]`` atomic numbers.
      positions: float ``[N, 3]`` coordinates (Angstrom).
      bond_scale: tolerance factor on the sum of covalent radii (> 0).
      radii: optional float array indexed by atomic number (default ``ase.data.covalent_radii``).

    Returns:
      int64 ``[B, 2]`` bonded pairs ``(i, j)`` with ``i < j``, sorted.
    Raises:
      ValueError: shapes do not match, non-finite positions, bad ``bond_scale``, or an atomic
        number outside the radii table (the message names the field).
    """
    z = np.asarray(z)
    pos = np.asarray(positions, np.float64)
    if z.ndim != 1:
        raise ValueError(f"z must be [N], got shape {z.shape}")
    if pos.shape != (len(z), 3):
        raise ValueError(f"positions must be [N, 3] with N = len(z) = {len(z)}, got shape {pos.shape}")
    if not np.isfinite(pos).all():
        raise ValueError("positions contain non-finite values")
    if not (np.isfinite(bond_scale) and bond_scale > 0):
        raise ValueError(f"bond_scale must be a positive number, got {bond_scale}")
    if radii is None:
        radii = _require_ase().covalent_radii
    radii = np.asarray(radii, np.float64)
    if len(z) and (z.min() < 1 or z.max() >= len(radii)):
        raise ValueError(f"z has atomic numbers outside [1, {len(radii) - 1}]: {sorted(set(z.tolist()))}")
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    r = radii[z]
    i, j = np.triu_indices(len(z), 1)
    keep = d[i, j] <= bond_scale * (r[i] + r[j])
    return np.stack([i[keep], j[keep]], axis=1).astype(np.int64).reshape(-1, 2)


def _graph(z, pos, bond_scale):
    b = covalent_bonds(z, pos, bond_scale)
    s = np.concatenate([b[:, 0], b[:, 1]])
    r = np.concatenate([b[:, 1], b[:, 0]])
    order = np.lexsort((r, s))
    s, r = s[order], r[order]
    length = np.linalg.norm(pos[s] - pos[r], axis=-1).astype(np.float32)[:, None]
    x = np.zeros((len(z), len(ATOM_VOCAB) + 1), np.float32)
    x[np.arange(len(z)), [_ATOM_COL.get(int(a), len(ATOM_VOCAB)) for a in z]] = 1.0
    nodes = {"x": x, "z": np.asarray(z, np.int32), "positions": np.asarray(pos, np.float32)}
    return from_edge_list(s, r, len(z), node_features=nodes, edge_features=length)


@register("g2")
def load_g2(root=None, bond_scale: float = 1.25, **kwargs) -> GraphDataset:
    """G2 (ASE ``ase.collections.g2``): 162 molecules/atoms with 3D coordinates; see the module docstring.

    Args:
      root: ignored (the data ships with ASE); accepted for the registry's signature.
      bond_scale: covalent-radius tolerance of :func:`covalent_bonds`.

    Returns:
      :class:`GraphDataset` ``"g2"`` (``labels [162, 0]``, ``extras["names"]``, ``extras["formulas"]``).
    Raises:
      ImportError: ASE is not installed (the message says how to install it).
      ValueError: a bad ``bond_scale``.
      TypeError: unknown keyword options.
    """
    del root
    if kwargs:
        raise TypeError(f"the g2 loader takes only root and bond_scale; got {sorted(kwargs)}")
    if not (isinstance(bond_scale, (int, float)) and np.isfinite(bond_scale) and bond_scale > 0):
        raise ValueError(f"bond_scale must be a positive number, got {bond_scale!r}")
    _require_ase()
    from ase.collections import g2

    graphs, names, formulas = [], [], []
    for name in g2.names:
        atoms = g2[name]
        z = atoms.get_atomic_numbers().astype(np.int64)
        graphs.append(_graph(z, atoms.get_positions(), bond_scale))
        names.append(name)
        formulas.append(atoms.get_chemical_formula(mode="hill"))
    return GraphDataset(
        name="g2",
        graphs=graphs,
        labels=np.zeros((len(graphs), 0), np.float64),
        folds=[],
        num_classes=0,
        extras={"names": names, "formulas": formulas, "bond_scale": float(bond_scale)},
    )
