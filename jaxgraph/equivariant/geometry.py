"""3D geometry prediction from molecular graphs: the Molecule3D benchmark, its metrics and baselines.

Paper: Z. Xu, Y. Luo, X. Zhang, X. Xu, Y. Xie, M. Liu, K. Dickerson, C. Deng, M. Nakata, S. Ji,
"Molecule3D: A Benchmark for Predicting 3D Geometries from Molecular Graphs" (arXiv:2110.01717,
2021). Task: given the 2D graph of a molecule (atoms, bonds), predict the DFT ground-state 3D
coordinates. Molecule3D splits its data 6:2:2 at random (seed 42) and by Bemis-Murcko scaffold
(largest scaffold groups to train), and scores predicted geometries by errors of the interatomic
distances, coordinate RMSD after alignment, and validity.

Pure functions (JAX unless stated; all take a node ``mask`` so padded batches and ragged
molecules give the same numbers):

* metrics: :func:`pairwise_distances`, :func:`kabsch_align`, :func:`kabsch_rmsd`,
  :func:`distance_mae`, :func:`is_valid_geometry`, :func:`geometry_metrics` (batched);
* coordinate recovery: :func:`classical_mds` (Torgerson), :func:`stress`,
  :func:`refine_by_stress` (gradient steps of weighted stress);
* graph preprocessing (numpy): :func:`hop_matrix` (shortest-path hop counts), :func:`bond_list`;
* scaffolds and splits (numpy / networkx): :func:`murcko_scaffold_atoms` (pure-Python Bemis-Murcko),
  :func:`scaffold_groups`, :func:`rdkit_scaffold_smiles`, :func:`random_split`, :func:`scaffold_split`;
* baselines: :func:`fit_hop_distances` / :func:`hop_baseline_distances` (trivial),
  :func:`etkdg_positions` (RDKit ETKDGv3), :class:`PairDistanceGNN` (learned, jaxgraph.nn GINE layers);
* property task: :class:`InvariantDistanceNet` (fallback property model);
* :func:`run_molecule3d` — the whole benchmark (used by ``experiments/molecule3d/main.py``).
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import networkx as nx
import numpy as np
import optax

from jaxgraph.data.molecules import BOND_TYPES
from jaxgraph.nn.conv_zoo import MLP, GINEConv
from jaxgraph.nn.init import init_module

__all__ = [
    "pairwise_distances",
    "kabsch_align",
    "kabsch_rmsd",
    "distance_mae",
    "is_valid_geometry",
    "geometry_metrics",
    "edm_validity",
    "classical_mds",
    "stress",
    "refine_by_stress",
    "coordinates_from_distances",
    "hop_matrix",
    "bond_list",
    "murcko_scaffold_atoms",
    "scaffold_groups",
    "rdkit_scaffold_smiles",
    "random_split",
    "scaffold_split",
    "fit_hop_distances",
    "hop_baseline_distances",
    "etkdg_positions",
    "pack_molecules",
    "PairDistanceGNN",
    "train_distance_model",
    "predict_distances",
    "InvariantDistanceNet",
    "species_index",
    "equivariant_batch",
    "train_property_model",
    "run_molecule3d",
]

DEFAULT_MIN_DISTANCE = 0.5
"""Validity threshold (Angstrom): a geometry is valid when finite and no two atoms are closer."""


# ----------------------------------------------------------------------------- validation helpers
def _coords(name: str, x) -> jnp.ndarray:
    x = jnp.asarray(x)
    if x.ndim < 2 or x.shape[-1] != 3:
        raise ValueError(f"{name} must be [..., N, 3] coordinates, got shape {x.shape}")
    return x


def _mask_for(name: str, mask, x) -> jnp.ndarray:
    if mask is None:
        return jnp.ones(x.shape[:-1], bool)
    mask = jnp.asarray(mask)
    if mask.shape != x.shape[:-1]:
        raise ValueError(f"{name} must have shape {x.shape[:-1]} (the coordinates' [..., N]), got {mask.shape}")
    return mask.astype(bool)


def _safe_norm(v, axis=-1, eps=1e-12):
    return jnp.sqrt(jnp.sum(v * v, axis=axis) + eps)


def _pair_mask(mask):
    n = mask.shape[-1]
    upper = jnp.triu(jnp.ones((n, n), bool), 1)
    return mask[..., :, None] & mask[..., None, :] & upper


# ----------------------------------------------------------------------------- metrics
def pairwise_distances(x, eps: float = 0.0):
    """Euclidean distance matrix ``D_ij = |x_i - x_j|``.

    Args:
      x: ``[..., N, 3]`` coordinates.
      eps: added under the square root (``> 0`` gives finite gradients at coincident points).
    Returns:
      ``[..., N, N]`` distances (exactly 0 on the diagonal when ``eps == 0``).
    """
    x = _coords("x", x)
    diff = x[..., :, None, :] - x[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1) + eps)


def kabsch_align(pred, ref, mask=None):
    """Optimal proper rigid superposition of ``pred`` onto ``ref`` (Kabsch 1976, 1978).

    Finds the rotation ``R`` (``det R = +1``: proper rotations only, reflections are never used,
    so a mirror image of a chiral geometry keeps its error) and translation minimising
    ``sum_i m_i |R p_i + t - q_i|^2``: with centred ``P``, ``Q`` and ``H = P^T Q = U S V^T``,
    ``R = V diag(1, 1, sign det(V U^T)) U^T`` and ``t = q̄ - R p̄``.

    Args:
      pred: ``[N, 3]`` coordinates to move.
      ref: ``[N, 3]`` reference coordinates.
      mask: optional bool ``[N]``; only masked-in atoms enter the fit (others are moved along).
    Returns:
      ``(aligned [N, 3], R [3, 3], t [3])`` with ``aligned = pred @ R.T + t``.
    Raises:
      ValueError: shapes differ or are not ``[N, 3]``, or ``mask`` is not ``[N]``.
    """
    pred, ref = _coords("pred", pred), _coords("ref", ref)
    if pred.shape != ref.shape or pred.ndim != 2:
        raise ValueError(f"pred and ref must both be [N, 3], got pred {pred.shape} and ref {ref.shape}")
    m = _mask_for("mask", mask, pred).astype(pred.dtype)
    w = m / jnp.maximum(m.sum(), 1.0)
    pc, rc = w @ pred, w @ ref
    p, q = (pred - pc) * m[:, None], (ref - rc) * m[:, None]
    h = p.T @ q
    u, _, vt = jnp.linalg.svd(h)
    d = jnp.sign(jnp.linalg.det(vt.T @ u.T))
    d = jnp.where(d == 0, 1.0, d)
    r = vt.T @ jnp.diag(jnp.stack([jnp.ones_like(d), jnp.ones_like(d), d])) @ u.T
    t = rc - r @ pc
    return pred @ r.T + t, r, t


def kabsch_rmsd(pred, ref, mask=None):
    """Root-mean-square deviation after :func:`kabsch_align` (proper rotations only).

    ``RMSD = sqrt(sum_i m_i |R p_i + t - q_i|^2 / sum_i m_i)``. Shapes: ``[N, 3], [N, 3] -> []``.
    """
    aligned, _, _ = kabsch_align(pred, ref, mask)
    m = _mask_for("mask", mask, aligned).astype(aligned.dtype)
    sq = jnp.sum((aligned - jnp.asarray(ref)) ** 2, axis=-1)
    return jnp.sqrt(jnp.sum(sq * m) / jnp.maximum(m.sum(), 1.0))


def distance_mae(pred, ref, mask=None):
    """Interatomic-distance MAE of one molecule: mean over all atom pairs ``i < j`` (masked in)
    of ``| |p_i - p_j| - |q_i - q_j| |``. Molecule3D's distance error; invariant to rigid motions
    and reflections of either input. Shapes: ``[N, 3], [N, 3] -> []`` (0 when fewer than 2 atoms).
    """
    pred, ref = _coords("pred", pred), _coords("ref", ref)
    if pred.shape != ref.shape:
        raise ValueError(f"pred and ref must have the same shape, got pred {pred.shape} and ref {ref.shape}")
    m = _mask_for("mask", mask, pred)
    pairs = _pair_mask(m)
    err = jnp.abs(pairwise_distances(pred) - pairwise_distances(ref))
    return jnp.sum(jnp.where(pairs, err, 0.0), axis=(-2, -1)) / jnp.maximum(pairs.sum(axis=(-2, -1)), 1)


def is_valid_geometry(x, mask=None, min_distance: float = DEFAULT_MIN_DISTANCE):
    """Validity of a predicted geometry: every masked-in coordinate is finite and no two
    masked-in atoms are closer than ``min_distance`` (Angstrom; 0.5 by default, below any bond
    length: the shortest, H-H, is 0.74). Shapes: ``[N, 3] -> []`` bool.
    """
    x = _coords("x", x)
    if not (isinstance(min_distance, (int, float)) and min_distance >= 0):
        raise ValueError(f"min_distance must be a number >= 0, got {min_distance!r}")
    m = _mask_for("mask", mask, x)
    finite = jnp.all(jnp.where(m[..., None], jnp.isfinite(x), True), axis=(-2, -1))
    xs = jnp.where(m[..., None] & jnp.isfinite(x), x, 0.0)
    d = pairwise_distances(xs)
    pairs = _pair_mask(m)
    close = jnp.any(pairs & (d < min_distance), axis=(-2, -1))
    return finite & ~close


@jax.jit
def _metrics_one(pred, ref, mask, heavy, min_distance):
    finite = jnp.all(jnp.where(mask[:, None], jnp.isfinite(pred), True))
    p = jnp.where(mask[:, None] & jnp.isfinite(pred), pred, 0.0)
    d = pairwise_distances(p)
    close = jnp.any(_pair_mask(mask) & (d < min_distance))
    nan = jnp.nan
    pairs = _pair_mask(mask)
    err = jnp.where(pairs, d - pairwise_distances(ref), 0.0)
    return {
        "distance_abs_sum": jnp.where(finite, jnp.sum(jnp.abs(err)), nan),
        "distance_sq_sum": jnp.where(finite, jnp.sum(err * err), nan),
        "pair_count": pairs.sum(),
        "distance_mae": jnp.where(finite, distance_mae(p, ref, mask), nan),
        "rmsd_all": jnp.where(finite, kabsch_rmsd(p, ref, mask), nan),
        "rmsd_heavy": jnp.where(finite, kabsch_rmsd(p, ref, mask & heavy), nan),
        "rmsd_all_mirror": jnp.where(finite, jnp.minimum(kabsch_rmsd(p, ref, mask),
                                                         kabsch_rmsd(-p, ref, mask)), nan),
        "valid": finite & ~close,
    }


_metrics_batch = jax.jit(jax.vmap(_metrics_one, in_axes=(0, 0, 0, 0, None)))


def geometry_metrics(pred, ref, mask, z, min_distance: float = DEFAULT_MIN_DISTANCE) -> dict[str, np.ndarray]:
    """Per-molecule Molecule3D-style metrics of a padded batch (float64 when x64 is enabled).

    Args:
      pred: ``[G, N, 3]`` predicted coordinates (NaN rows mark a failed prediction).
      ref: ``[G, N, 3]`` reference (DFT) coordinates.
      mask: bool ``[G, N]`` real atoms.
      z: int ``[G, N]`` atomic numbers (hydrogen = 1; heavy atoms are ``z > 1``).
      min_distance: validity threshold (Angstrom).
    Returns:
      dict of numpy ``[G]`` arrays: ``distance_mae`` (all atom pairs), ``rmsd_all`` and
      ``rmsd_heavy`` (Kabsch, proper rotations; heavy: fit and score on ``z > 1`` atoms only),
      ``rmsd_all_mirror`` (an oracle diagnostic, not a benchmark metric: the smaller all-atom RMSD of
      the prediction and its mirror image, i.e. what RMSD would be with the handedness that a
      distance-only method cannot know chosen right), ``valid`` (bool), and for pooling over all
      pairs of a set (Molecule3D's D-MAE / D-RMSE) ``distance_abs_sum``, ``distance_sq_sum``,
      ``pair_count`` (pairs ``i < j``). Error metrics are NaN where the prediction is not finite.
    Raises:
      ValueError: shapes disagree (the message names the field).
    """
    pred, ref = np.asarray(pred), np.asarray(ref)
    mask, z = np.asarray(mask, bool), np.asarray(z)
    if pred.ndim != 3 or pred.shape[-1] != 3:
        raise ValueError(f"pred must be [G, N, 3], got shape {pred.shape}")
    if ref.shape != pred.shape:
        raise ValueError(f"ref must have pred's shape {pred.shape}, got {ref.shape}")
    if mask.shape != pred.shape[:2]:
        raise ValueError(f"mask must be [G, N] = {pred.shape[:2]}, got {mask.shape}")
    if z.shape != pred.shape[:2]:
        raise ValueError(f"z must be [G, N] = {pred.shape[:2]}, got {z.shape}")
    out = _metrics_batch(jnp.asarray(pred), jnp.asarray(ref), jnp.asarray(mask), jnp.asarray(z > 1),
                         float(min_distance))
    return {k: np.asarray(v) for k, v in out.items()}


def edm_validity(d, mask=None, threshold: float = 4e-4) -> tuple[np.ndarray, np.ndarray]:
    """Molecule3D's two validity checks of a predicted distance matrix (numpy, float64).

    Following MoleculeX ``molx/mol3d/utils.py::from_d_to_xyz``: with atom 0 as origin the Gram
    matrix is ``M_ij = (d_0j^2 + d_i0^2 - d_ij^2) / 2``; eigenvalues with ``|λ| < threshold`` count
    as 0. The matrix is a *valid EDM* when no eigenvalue is negative, and *valid in 3D* when it is
    a valid EDM of rank at most 3 (Schoenberg 1935; Young & Householder 1938).

    Args:
      d: ``[G, N, N]`` (or ``[N, N]``) distances.
      mask: bool ``[G, N]`` real atoms (padding rows/columns are zeroed; they add zero eigenvalues).
      threshold: eigenvalue tolerance (Molecule3D: ``4e-4``).
    Returns:
      ``(valid_edm [G], valid_3d [G])`` bool arrays.
    """
    d = np.asarray(d, np.float64)
    single = d.ndim == 2
    if single:
        d = d[None]
    if d.ndim != 3 or d.shape[1] != d.shape[2]:
        raise ValueError(f"d must be [G, N, N] or [N, N], got shape {d.shape}")
    m = np.ones(d.shape[:2], bool) if mask is None else np.asarray(mask, bool).reshape(d.shape[:2])
    mm = m[:, :, None] & m[:, None, :]
    d2 = np.where(mm, d * d, 0.0)
    gram = 0.5 * (d2[:, :1, :] + d2[:, :, :1] - d2) * mm
    w = np.linalg.eigvalsh(gram)
    w = np.where(np.abs(w) < threshold, 0.0, w)
    edm = ~np.any(w < 0, axis=1)
    three = edm & (np.sum(w != 0, axis=1) <= 3)
    return (edm[0], three[0]) if single else (edm, three)


# ----------------------------------------------------------------------------- coordinate recovery
def classical_mds(d, mask=None, dim: int = 3):
    """Classical (Torgerson) multidimensional scaling: coordinates from a distance matrix.

    ``B = -1/2 J D^(2) J`` (double centring over the masked-in atoms), ``B = V Λ V^T``,
    ``X = V_k Λ_k^{1/2}`` for the ``k = dim`` largest eigenvalues (negative ones clipped to 0).
    For a Euclidean ``D`` of points in ``R^dim`` this recovers the points up to a rigid motion and
    a reflection (Young & Householder 1938; Torgerson 1952).

    Args:
      d: ``[N, N]`` symmetric distances (non-negative).
      mask: optional bool ``[N]``; padded atoms get coordinates 0 and do not affect the rest.
      dim: output dimension.
    Returns:
      ``[N, dim]`` coordinates centred at the origin (over masked-in atoms).
    Raises:
      ValueError: ``d`` is not square or ``mask`` does not match.
    """
    d = jnp.asarray(d)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"d must be a square [N, N] distance matrix, got shape {d.shape}")
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    m = jnp.ones(d.shape[0], bool) if mask is None else jnp.asarray(mask, bool)
    if m.shape != (d.shape[0],):
        raise ValueError(f"mask must be [N] = [{d.shape[0]}], got {m.shape}")
    mf = m.astype(d.dtype)
    mm = mf[:, None] * mf[None, :]
    d2 = jnp.where(mm > 0, d * d, 0.0)
    cnt = jnp.maximum(mf.sum(), 1.0)
    row = d2.sum(1) / cnt
    tot = row.sum() / cnt
    b = -0.5 * (d2 - row[:, None] - row[None, :] + tot) * mm
    evals, evecs = jnp.linalg.eigh(b)
    top = evals[::-1][:dim]
    vecs = evecs[:, ::-1][:, :dim]
    x = vecs * jnp.sqrt(jnp.maximum(top, 0.0))[None, :]
    if x.shape[1] < dim:  # fewer atoms than dimensions
        x = jnp.pad(x, ((0, 0), (0, dim - x.shape[1])))
    return x * mf[:, None]


def stress(x, d, w=None, mask=None):
    """Weighted stress ``sum_{i<j} w_ij (|x_i - x_j| - d_ij)^2 / sum_{i<j} w_ij`` (Kruskal 1964).

    Shapes: ``x [N, k]``, ``d [N, N]``, ``w [N, N]`` (default 1), ``mask [N]`` -> ``[]``.
    """
    x, d = jnp.asarray(x), jnp.asarray(d)
    n = x.shape[0]
    if d.shape != (n, n):
        raise ValueError(f"d must be [N, N] = [{n}, {n}] for x of shape {x.shape}, got {d.shape}")
    m = jnp.ones(n, bool) if mask is None else jnp.asarray(mask, bool)
    w = jnp.ones_like(d) if w is None else jnp.asarray(w)
    if w.shape != d.shape:
        raise ValueError(f"w must have d's shape {d.shape}, got {w.shape}")
    pairs = _pair_mask(m)
    diff = x[:, None, :] - x[None, :, :]
    dist = _safe_norm(diff)
    ww = jnp.where(pairs, w, 0.0)
    return jnp.sum(ww * (dist - d) ** 2) / jnp.maximum(ww.sum(), 1e-12)


def refine_by_stress(x0, d, w=None, mask=None, steps: int = 200, learning_rate: float = 0.02):
    """Refines coordinates by ``steps`` Adam steps on :func:`stress` (jit-able, vmappable).

    Classical MDS of a non-Euclidean (predicted) distance matrix spreads the error over all
    pairs; minimising the weighted stress afterwards (e.g. ``w = 1 / d^2``, which favours short,
    chemically important distances) fits the local geometry. Shapes: ``x0 [N, k]`` -> ``[N, k]``.
    """
    x0 = jnp.asarray(x0)
    m = jnp.ones(x0.shape[0], bool) if mask is None else jnp.asarray(mask, bool)
    opt = optax.adam(learning_rate)
    grad_fn = jax.grad(lambda x: stress(x, d, w, m))

    def step(carry, _):
        x, s = carry
        g = grad_fn(x)
        upd, s = opt.update(g, s, x)
        return (optax.apply_updates(x, upd), s), None

    (x, _), _ = jax.lax.scan(step, (x0, opt.init(x0)), None, length=steps)
    return x * m[:, None].astype(x.dtype)


@jax.jit
def _mds_refine_batch(d, w, mask, steps_arr, lr, noise):
    steps = steps_arr.shape[0]

    def one(dd, ww, mm, nz):
        x0 = classical_mds(dd, mm, 3)
        if steps == 0:
            return x0
        # Graph-symmetric atoms (e.g. the H of a methyl group) get identical rows of predicted
        # distances, MDS can then place them on one point, and the stress gradient never
        # separates coincident points: a small explicit jitter breaks the tie.
        return refine_by_stress(x0 + nz, dd, ww, mm, steps=steps, learning_rate=lr)

    return jax.vmap(one)(d, w, mask, noise)


def coordinates_from_distances(d, mask, refine_steps: int = 200, learning_rate: float = 0.02,
                               weight_power: float = 2.0, batch_size: int = 256, jitter: float = 0.05,
                               key=None) -> np.ndarray:
    """Coordinates from (predicted) distance matrices: batched :func:`classical_mds`, then
    ``refine_steps`` Adam steps of :func:`stress` with ``w_ij = d_ij^-weight_power`` started from the
    MDS coordinates plus Gaussian jitter of scale ``jitter`` (Angstrom; PRNG ``key``, default
    ``PRNGKey(0)``). Shapes: ``d [G, N, N]``, ``mask [G, N]`` -> ``[G, N, 3]`` numpy.
    """
    d = np.asarray(d, np.float32)
    mask = np.asarray(mask, bool)
    if d.ndim != 3 or d.shape[1] != d.shape[2]:
        raise ValueError(f"d must be [G, N, N], got shape {d.shape}")
    if mask.shape != d.shape[:2]:
        raise ValueError(f"mask must be [G, N] = {d.shape[:2]}, got {mask.shape}")
    key = jax.random.PRNGKey(0) if key is None else key
    out = []
    for s in range(0, len(d), batch_size):
        dd = d[s:s + batch_size]
        mm = mask[s:s + batch_size]
        pad = batch_size - len(dd)
        if pad and len(d) > batch_size:  # keep one compiled shape
            dd = np.concatenate([dd, np.ones((pad,) + dd.shape[1:], dd.dtype)])
            mm = np.concatenate([mm, np.zeros((pad,) + mm.shape[1:], bool)])
        w = np.where(dd > 1e-3, np.maximum(dd, 1e-3) ** (-weight_power), 0.0).astype(np.float32)
        key, sub = jax.random.split(key)
        noise = jitter * jax.random.normal(sub, dd.shape[:2] + (3,), jnp.float32)
        x = _mds_refine_batch(jnp.asarray(dd), jnp.asarray(w), jnp.asarray(mm), jnp.zeros(refine_steps),
                              float(learning_rate), noise)
        out.append(np.asarray(x)[: len(dd) - pad if pad and len(d) > batch_size else len(dd)])
    return np.concatenate(out) if out else np.zeros((0,) + d.shape[1:2] + (3,), np.float32)


# ----------------------------------------------------------------------------- graph preprocessing
def bond_list(graph) -> tuple[np.ndarray, np.ndarray]:
    """Undirected bonds ``(i < j)`` and their orders from a single-molecule GraphsTuple whose
    ``edges`` are the one-hot bond types of :mod:`jaxgraph.data.molecules` (``[E, 5]``).

    Returns:
      ``(bonds int64 [B, 2], orders float32 [B])``.
    Raises:
      ValueError: ``edges`` is not ``[E, 5]`` one-hot.
    """
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    e = np.asarray(graph.edges)
    if e.ndim != 2 or e.shape[1] != len(BOND_TYPES) or e.shape[0] != len(s):
        raise ValueError(f"graph.edges must be one-hot bond types [E, {len(BOND_TYPES)}], got shape {e.shape}")
    keep = s < r
    orders = np.asarray(BOND_TYPES, np.float32)[e[keep].argmax(1)] if keep.any() else np.zeros(0, np.float32)
    return np.stack([s[keep], r[keep]], 1).astype(np.int64).reshape(-1, 2), orders


def hop_matrix(senders, receivers, n: int) -> np.ndarray:
    """Shortest-path hop counts between all atom pairs (breadth-first search on the bond graph).

    Args:
      senders, receivers: ``[E]`` edges (either or both directions).
      n: number of atoms.
    Returns:
      int32 ``[n, n]``: 0 on the diagonal, -1 between disconnected fragments.
    Raises:
      ValueError: an edge index outside ``[0, n)`` (names ``senders``/``receivers``).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    s, r = np.asarray(senders, np.int64), np.asarray(receivers, np.int64)
    for name, a in (("senders", s), ("receivers", r)):
        if a.size and (a.min() < 0 or a.max() >= n):
            raise ValueError(f"{name} has indices outside [0, {n}): min {a.min()}, max {a.max()}")
    adj = csr_matrix((np.ones(len(s)), (s, r)), shape=(n, n))
    h = shortest_path(adj, directed=False, unweighted=True)
    return np.where(np.isfinite(h), h, -1).astype(np.int32)


# ----------------------------------------------------------------------------- scaffolds and splits
def murcko_scaffold_atoms(z, bonds, bond_orders) -> np.ndarray:
    """Bemis-Murcko scaffold (Bemis & Murcko, J. Med. Chem. 1996) of a molecule, pure Python.

    The scaffold is the union of ring systems and the linkers between them: remove hydrogens,
    then repeatedly delete heavy atoms with at most one remaining neighbour (side chains peel
    off from their tips; ring and linker atoms never become leaves). Like RDKit's
    ``MurckoScaffold.GetScaffoldForMol``, an atom joined by a **double** bond to a scaffold atom
    is kept too (``O=C1CCCCC1`` keeps the carbonyl O; ``C=C1CCCC1`` the methylene), but nothing
    beyond it. An acyclic molecule has the empty scaffold.

    Args:
      z: int ``[N]`` atomic numbers (1 = hydrogen).
      bonds: int ``[B, 2]`` atom pairs.
      bond_orders: float ``[B]`` (2.0 marks a double bond).
    Returns:
      int64 sorted indices of the scaffold atoms (possibly empty).
    Raises:
      ValueError: bond indices out of range or lengths that do not match.
    """
    z = np.asarray(z)
    b = np.asarray(bonds, np.int64).reshape(-1, 2)
    o = np.asarray(bond_orders, np.float64)
    if len(o) != len(b):
        raise ValueError(f"bond_orders has {len(o)} entries but bonds has {len(b)}")
    if b.size and (b.min() < 0 or b.max() >= len(z)):
        raise ValueError(f"bonds has atom indices outside [0, {len(z)})")
    heavy = z != 1
    nbr: list[set] = [set() for _ in range(len(z))]
    for (i, j) in b:
        if heavy[i] and heavy[j]:
            nbr[i].add(j)
            nbr[j].add(i)
    alive = heavy.copy()
    stack = [i for i in range(len(z)) if alive[i] and len(nbr[i]) <= 1]
    while stack:
        i = stack.pop()
        if not alive[i] or len(nbr[i]) > 1:
            continue
        alive[i] = False
        for j in list(nbr[i]):
            nbr[j].discard(i)
            if alive[j] and len(nbr[j]) <= 1:
                stack.append(j)
        nbr[i].clear()
    core = alive.copy()
    if core.any():
        for (i, j), order in zip(b, o):
            if order == 2.0 and heavy[i] and heavy[j]:
                if core[i] and not core[j]:
                    alive[j] = True
                elif core[j] and not core[i]:
                    alive[i] = True
    return np.flatnonzero(alive).astype(np.int64)


def _scaffold_nx(graph) -> nx.Graph:
    """Labelled scaffold graph: node label = (element, total neighbours incl. all H, charge).

    Bond orders are left out on purpose: the file writes Kekule structures, and two Kekule forms of
    one aromatic ring differ in their bond orders but not in these atom labels (aromatic C: 3
    neighbours, sp3 C: 4), which is what RDKit's aromatic canonical SMILES distinguishes.
    """
    nodes = graph.nodes
    z = np.asarray(nodes["z"])
    x = np.asarray(nodes["x"])
    bonds, orders = bond_list(graph)
    atoms = murcko_scaffold_atoms(z, bonds, orders)
    deg = np.bincount(bonds.reshape(-1), minlength=len(z)) + np.rint(x[:, 17]).astype(int)
    charge = np.rint(x[:, 15]).astype(int)
    keep = set(atoms.tolist())
    g = nx.Graph()
    for i in atoms:
        g.add_node(int(i), label=f"{int(z[i])}:{int(deg[i])}:{int(charge[i])}")
    for i, j in bonds:
        if i in keep and j in keep:
            g.add_edge(int(i), int(j))
    return g


def scaffold_groups(graphs) -> np.ndarray:
    """Group ids of molecules with the same Bemis-Murcko scaffold (pure Python + networkx).

    Scaffold graphs (:func:`murcko_scaffold_atoms`, atoms labelled by element, total number of
    neighbours including hydrogens, and formal charge; stereochemistry ignored, as Molecule3D's
    ``includeChirality=False``) are bucketed by their Weisfeiler-Lehman hash and merged only when
    exactly isomorphic (``networkx.is_isomorphic`` with label match), so hash collisions cannot
    merge different scaffolds. Acyclic molecules share the empty scaffold.

    Args:
      graphs: single-molecule GraphsTuples of :mod:`jaxgraph.data.molecules` (``nodes["z"]``,
        ``nodes["x"]`` with formal charge in column 15 and attached-H count in column 17,
        one-hot ``edges``).
    Returns:
      int64 ``[G]`` group id per molecule, numbered in order of first appearance.
    """
    buckets: dict[str, list[tuple[nx.Graph, int]]] = {}
    ids = np.empty(len(graphs), np.int64)
    nxt = 0
    match = nx.algorithms.isomorphism.categorical_node_match("label", None)
    for k, g in enumerate(graphs):
        s = _scaffold_nx(g)
        key = nx.weisfeiler_lehman_graph_hash(s, node_attr="label") if s.number_of_nodes() else ""
        bucket = buckets.setdefault(key, [])
        for other, gid in bucket:
            if other.number_of_nodes() == s.number_of_nodes() and nx.is_isomorphic(other, s, node_match=match):
                ids[k] = gid
                break
        else:
            bucket.append((s, nxt))
            ids[k] = nxt
            nxt += 1
    return ids


def _rdkit_mol(smiles: str):
    from rdkit import Chem

    params = Chem.SmilesParserParams()
    params.removeHs = False
    return Chem.MolFromSmiles(smiles, params)


def rdkit_scaffold_smiles(smiles: str) -> str:
    """RDKit's Bemis-Murcko scaffold SMILES (``MurckoScaffoldSmiles(includeChirality=False)``,
    as Molecule3D's ``split_data.py``), read with hydrogens kept. Needs RDKit.

    Raises:
      ImportError: RDKit is not installed. ValueError: RDKit cannot parse ``smiles``.
    """
    from rdkit.Chem.Scaffolds import MurckoScaffold

    mol = _rdkit_mol(smiles)
    if mol is None:
        raise ValueError(f"smiles: RDKit cannot parse {smiles!r}")
    return MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)


def _check_frac(frac):
    frac = tuple(float(f) for f in frac)
    if len(frac) != 3 or min(frac) < 0 or abs(sum(frac) - 1.0) > 1e-6:
        raise ValueError(f"frac must be three non-negative fractions summing to 1, got {frac}")
    return frac


def random_split(n: int, frac=(0.6, 0.2, 0.2), seed: int = 42) -> dict[str, np.ndarray]:
    """Molecule3D's random split: shuffle ``0..n-1`` (``RandomState(seed)``, as sklearn's
    ``shuffle(range(n), random_state=seed)``), first ``int(0.6 n)`` train, up to
    ``int(0.8 n)`` valid, rest test.

    Returns ``{"train", "valid", "test"}`` int64 index arrays. Raises ValueError for bad ``n``/``frac``.
    """
    if not (isinstance(n, (int, np.integer)) and n >= 3):
        raise ValueError(f"n must be an integer >= 3, got {n!r}")
    frac = _check_frac(frac)
    idx = np.arange(n)
    np.random.RandomState(seed).shuffle(idx)
    a, b = int(frac[0] * n), int((frac[0] + frac[1]) * n)
    return {"train": idx[:a], "valid": idx[a:b], "test": idx[b:]}


def scaffold_split(groups, frac=(0.6, 0.2, 0.2)) -> dict[str, np.ndarray]:
    """Molecule3D / OGB scaffold split: whole scaffold groups, largest first, fill train, then valid, then test.

    Groups are sorted by ``(size, first index)`` descending (Molecule3D ``split_data.py``); a
    group goes to train if train stays within ``int(0.6 n)``, else to valid if train+valid stays
    within ``int(0.8 n)``, else to test.

    Args:
      groups: ``[G]`` hashable scaffold key (or id) per molecule.
      frac: (train, valid, test) fractions.
    Returns:
      ``{"train", "valid", "test"}`` sorted int64 index arrays (a partition of ``0..G-1``).
    """
    groups = list(groups)
    n = len(groups)
    if n < 3:
        raise ValueError(f"groups must have at least 3 entries, got {n}")
    frac = _check_frac(frac)
    sets: dict[Any, list[int]] = {}
    for i, g in enumerate(groups):
        sets.setdefault(g, []).append(i)
    order = sorted(sets.values(), key=lambda v: (len(v), v[0]), reverse=True)
    a, b = int(frac[0] * n), int((frac[0] + frac[1]) * n)
    train, valid, test = [], [], []
    for s in order:
        if len(train) + len(s) > a:
            if len(train) + len(valid) + len(s) > b:
                test += s
            else:
                valid += s
        else:
            train += s
    return {k: np.asarray(sorted(v), np.int64) for k, v in (("train", train), ("valid", valid), ("test", test))}


# ----------------------------------------------------------------------------- baselines
def fit_hop_distances(hops: Sequence[np.ndarray], dists: Sequence[np.ndarray], max_hop: int = 12) -> np.ndarray:
    """Trivial baseline, fit: the mean true distance of atom pairs per hop count.

    Args:
      hops: per molecule int ``[N, N]`` hop counts (:func:`hop_matrix`, -1 disconnected).
      dists: per molecule ``[N, N]`` true distances.
      max_hop: hop counts ``>= max_hop`` and disconnected pairs share the last bin.
    Returns:
      float64 ``[max_hop + 1]`` mean distance per bin (index 0 unused = 0).
    """
    if len(hops) != len(dists):
        raise ValueError(f"hops and dists must have the same length, got {len(hops)} and {len(dists)}")
    s = np.zeros(max_hop + 1)
    c = np.zeros(max_hop + 1)
    for h, d in zip(hops, dists):
        h = np.asarray(h)
        iu = np.triu_indices(len(h), 1)
        k = np.where(h[iu] < 0, max_hop, np.minimum(h[iu], max_hop))
        np.add.at(s, k, np.asarray(d)[iu])
        np.add.at(c, k, 1)
    table = np.divide(s, c, out=np.zeros_like(s), where=c > 0)
    for k in range(2, max_hop + 1):  # unseen bins: carry the previous mean forward
        if c[k] == 0:
            table[k] = table[k - 1]
    return table


def hop_baseline_distances(hops, table) -> np.ndarray:
    """Trivial baseline, predict: ``D_ij = table[min(hop_ij, max_hop)]`` (0 on the diagonal)."""
    h = np.asarray(hops)
    table = np.asarray(table)
    k = np.where(h < 0, len(table) - 1, np.minimum(h, len(table) - 1))
    d = table[k]
    return np.where(h == 0, 0.0, d)


def etkdg_positions(smiles: str, z=None, seed: int = 42, max_attempts: int = 2, mmff: bool = False):
    """RDKit ETKDGv3 conformer (Riniker & Landrum 2015; Wang et al. 2020) in the SMILES atom order.

    The molecule is read with hydrogens kept (``removeHs=False``), so atom ``k`` of RDKit is atom
    ``k`` of :func:`jaxgraph.data.molecules.parse_smiles` and of the CXSMILES coordinates. Missing
    implicit hydrogens (pcqm4mv2-2k's 207 molecules written with implicit H) are added with
    ``Chem.AddHs`` — appended after the written atoms — so the embedding sees the full molecule,
    and only the written atoms' coordinates are returned. Embedding uses ``ETKDGv3`` with
    ``randomSeed = seed``; when it fails, once more with random initial coordinates.

    Args:
      smiles: SMILES string (without a CXSMILES extension).
      z: optional ``[N]`` atomic numbers to check the atom order against.
      seed: RDKit random seed.
      max_attempts: ``EmbedMolecule`` tries (the second and later use ``useRandomCoords``).
      mmff: optimise with MMFF94 after embedding (off by default, as the plain ETKDG baseline).
    Returns:
      float64 ``[N, 3]`` coordinates, or ``None`` when RDKit cannot parse or embed the molecule.
    Raises:
      ImportError: RDKit is missing. ValueError: RDKit's atoms disagree with ``z`` (order or count).
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = _rdkit_mol(smiles)
    if mol is None:
        return None
    n = mol.GetNumAtoms()
    if z is not None:
        got = np.asarray([a.GetAtomicNum() for a in mol.GetAtoms()])
        if len(got) != len(z) or not np.array_equal(got, np.asarray(z)):
            raise ValueError(f"z: RDKit reads {len(got)} atoms {got.tolist()[:8]}... for {smiles!r}, "
                             f"not the given order {np.asarray(z).tolist()[:8]}...")
    molh = Chem.AddHs(mol)
    for attempt in range(max_attempts):
        params = AllChem.ETKDGv3()
        params.randomSeed = int(seed)
        params.useRandomCoords = attempt > 0
        if AllChem.EmbedMolecule(molh, params) == 0:
            if mmff:
                try:
                    AllChem.MMFFOptimizeMolecule(molh)
                except Exception:  # noqa: BLE001 - keep the ETKDG geometry
                    pass
            pos = molh.GetConformer().GetPositions()[:n]
            return np.asarray(pos, np.float64)
    return None


# ----------------------------------------------------------------------------- packing for the learned model
def pack_molecules(graphs, n_max: int | None = None, max_edges: int | None = None) -> dict[str, np.ndarray]:
    """Pads molecules to dense per-molecule arrays (one static shape for jit).

    Args:
      graphs: single-molecule GraphsTuples with ``nodes = {"x" [N, F], "z" [N], "positions" [N, 3]}``
        and one-hot ``edges [E, 5]``.
      n_max: atoms per slot; default ``max N + 1`` (at least one padding atom per slot, which
        padding edges attach to).
      max_edges: directed edges per slot; default the maximum.
    Returns:
      dict of numpy arrays: ``x [G, n_max, F]``, ``z [G, n_max]``, ``mask [G, n_max]``,
      ``pos [G, n_max, 3]``, ``senders/receivers [G, max_edges]`` (local), ``edges [G, max_edges, 5]``,
      ``edge_mask [G, max_edges]``, ``hops [G, n_max, n_max]`` (int32, -1 disconnected or padding),
      ``n [G]``.
    Raises:
      ValueError: a molecule does not fit (``n_max``/``max_edges`` too small) or lacks a field.
    """
    if not graphs:
        raise ValueError("graphs is empty")
    ns = [int(np.asarray(g.n_node).sum()) for g in graphs]
    es = [len(np.asarray(g.senders)) for g in graphs]
    n_max = max(ns) + 1 if n_max is None else int(n_max)
    max_edges = max(max(es), 1) if max_edges is None else int(max_edges)
    if max(ns) >= n_max:
        raise ValueError(f"n_max={n_max} must exceed the largest molecule ({max(ns)} atoms)")
    if max(es) > max_edges:
        raise ValueError(f"max_edges={max_edges} is below the largest edge count {max(es)}")
    g0 = graphs[0]
    for key in ("x", "z", "positions"):
        if not isinstance(g0.nodes, dict) or key not in g0.nodes:
            raise ValueError(f"graph.nodes must be a dict with {key!r}")
    G, F = len(graphs), np.asarray(g0.nodes["x"]).shape[1]
    ef = np.asarray(g0.edges).shape[1] if np.asarray(g0.edges).ndim == 2 else 1
    out = {
        "x": np.zeros((G, n_max, F), np.float32), "z": np.zeros((G, n_max), np.int32),
        "mask": np.zeros((G, n_max), bool), "pos": np.zeros((G, n_max, 3), np.float32),
        "senders": np.full((G, max_edges), n_max - 1, np.int32),
        "receivers": np.full((G, max_edges), n_max - 1, np.int32),
        "edges": np.zeros((G, max_edges, ef), np.float32), "edge_mask": np.zeros((G, max_edges), bool),
        "hops": np.full((G, n_max, n_max), -1, np.int32), "n": np.asarray(ns, np.int32),
    }
    for k, (g, n, e) in enumerate(zip(graphs, ns, es)):
        out["x"][k, :n] = np.asarray(g.nodes["x"])
        out["z"][k, :n] = np.asarray(g.nodes["z"])
        out["mask"][k, :n] = True
        out["pos"][k, :n] = np.asarray(g.nodes["positions"])
        out["senders"][k, :e] = np.asarray(g.senders)
        out["receivers"][k, :e] = np.asarray(g.receivers)
        out["edges"][k, :e] = np.asarray(g.edges).reshape(e, ef)
        out["edge_mask"][k, :e] = True
        out["hops"][k, :n, :n] = hop_matrix(g.senders, g.receivers, n)
    return out


def _batch_graph(packed: dict, idx) -> tuple[jraph.GraphsTuple, dict]:
    """A flat GraphsTuple of ``len(idx)`` padded slots (node ``k*n_max + i``) plus dense pair arrays."""
    x = packed["x"][idx]
    B, n_max, F = x.shape
    off = (np.arange(B) * n_max)[:, None]
    s = (packed["senders"][idx] + off).reshape(-1)
    r = (packed["receivers"][idx] + off).reshape(-1)
    e = packed["edges"][idx].reshape(len(s), -1)
    graph = jraph.GraphsTuple(
        nodes=jnp.asarray(x.reshape(B * n_max, F)), edges=jnp.asarray(e), senders=jnp.asarray(s),
        receivers=jnp.asarray(r), n_node=jnp.full((B,), n_max, jnp.int32),
        n_edge=jnp.full((B,), packed["senders"].shape[1], jnp.int32), globals=None,
    )
    extra = {k: jnp.asarray(packed[k][idx]) for k in ("hops", "mask", "edge_mask", "pos", "z")}
    return graph, extra


# ----------------------------------------------------------------------------- learned model
class PairDistanceGNN(nn.Module):
    """Predicts all interatomic distances of a molecule from its 2D graph (Molecule3D's
    distance-prediction route, here with GINE message passing instead of DeeperGCN-DAGNN).

    Node update (``num_layers`` times, :class:`jaxgraph.nn.GINEConv` over bonds with bond-type
    edge features): ``h <- LayerNorm(h + GINE(h, e))``. Pair head for every atom pair ``(i, j)``
    of the same molecule: ``u_ij = ReLU(A h_i + A h_j + C (h_i ⊙ h_j) + E[hop_ij] + c · hop_ij/10)``,
    ``d_ij = softplus(MLP(u_ij)) + d_min`` — symmetric in ``i, j`` by construction, with
    ``hop_ij`` the shortest-path hop count (clipped at ``max_hop``; disconnected = own bin).

    Call: ``(graph, hops, edge_mask)`` with ``graph.nodes [B * n_max, F]`` (slots of
    :func:`pack_molecules`), ``hops [B, n_max, n_max]``, ``edge_mask [E]`` ->
    ``[B, n_max, n_max]`` distances (diagonal 0; padding entries meaningless, mask them).
    """

    hidden: int = 64
    num_layers: int = 4
    max_hop: int = 10
    min_distance: float = 0.7

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, hops, edge_mask=None):
        B, n_max = hops.shape[0], hops.shape[1]
        h = nn.Dense(self.hidden, name="embed")(graph.nodes)
        g = graph._replace(nodes=h, edges=nn.Dense(self.hidden, name="edge_embed")(graph.edges))
        for k in range(self.num_layers):
            upd = GINEConv((self.hidden, self.hidden), name=f"gine_{k}")(g, edge_mask=edge_mask).nodes
            h = nn.LayerNorm(name=f"norm_{k}")(h + upd)
            g = g._replace(nodes=h)
        h = h.reshape(B, n_max, self.hidden)
        a = nn.Dense(self.hidden, name="pair_a")(h)
        c = nn.Dense(self.hidden, use_bias=False, name="pair_c")(h)
        hop_bin = jnp.where(hops < 0, self.max_hop + 1, jnp.minimum(hops, self.max_hop))
        e = nn.Embed(self.max_hop + 2, self.hidden, name="hop_embed")(hop_bin)
        hop_lin = self.param("hop_linear", nn.initializers.normal(0.1), (self.hidden,))
        hopf = jnp.where(hops < 0, 0.0, hops.astype(h.dtype))[..., None] / 10.0
        u = a[:, :, None, :] + a[:, None, :, :] + c[:, :, None, :] * h[:, None, :, :] + e + hopf * hop_lin
        out = MLP((self.hidden, 1), name="pair_mlp")(nn.relu(u))[..., 0]
        d = jax.nn.softplus(out) + self.min_distance
        d = 0.5 * (d + jnp.swapaxes(d, -1, -2))
        return jnp.where(jnp.eye(n_max, dtype=bool)[None], 0.0, d)


def _pair_loss(d_pred, d_true, mask):
    pairs = _pair_mask(mask)
    err = jnp.abs(d_pred - d_true)
    return jnp.sum(jnp.where(pairs, err, 0.0)) / jnp.maximum(pairs.sum(), 1)


def train_distance_model(packed, train_idx, valid_idx, *, hidden=64, num_layers=4, max_hop=10, epochs=30,
                         batch_size=32, learning_rate=2e-3, seed=0, log: Callable[[str], None] = print):
    """Trains :class:`PairDistanceGNN` with Adam (cosine decay) on the pair-distance L1 loss;
    keeps the parameters of the epoch with the lowest validation distance MAE.

    Returns ``(model, params, history)``; history rows ``{"epoch", "train_loss", "valid_dmae"}``.
    """
    if len(train_idx) == 0:
        raise ValueError("train_idx is empty")
    model = PairDistanceGNN(hidden=hidden, num_layers=num_layers, max_hop=max_hop)
    bs = min(batch_size, len(train_idx))
    g0, ex0 = _batch_graph(packed, np.asarray(train_idx[:bs]))
    params = init_module(model, jax.random.PRNGKey(seed), g0, ex0["hops"], ex0["edge_mask"].reshape(-1))
    steps_per_epoch = max(len(train_idx) // bs, 1)
    tx, step = _distance_train_fns(model, float(learning_rate), max(epochs * steps_per_epoch, 1))

    def train_step(params, opt_state, idx):
        g, ex = _batch_graph(packed, idx)
        return step(params, opt_state, g, ex["hops"], ex["edge_mask"].reshape(-1), ex["pos"], ex["mask"])

    def validate(params):
        d_val = predict_distances(model, params, packed, valid_idx, batch_size=bs)
        m = packed["mask"][valid_idx]
        dt = np.asarray(pairwise_distances(packed["pos"][valid_idx]))
        pairs = np.asarray(_pair_mask(jnp.asarray(m)))
        per = (np.abs(d_val - dt) * pairs).sum((1, 2)) / np.maximum(pairs.sum((1, 2)), 1)
        return float(per.mean())

    params, history = _train_epochs(params, tx.init(params), train_idx, bs, epochs, seed, train_step,
                                    validate if len(valid_idx) else None, log, "distance", "valid_dmae")
    return model, params, history


def _train_epochs(params, opt_state, train_idx, bs, epochs, seed, train_step, validate, log, what, valid_key):
    """Shared epoch loop of the two trainers: shuffle, one ``train_step(params, opt_state, idx) ->
    (params, opt_state, loss)`` per batch, ``validate(params) -> float`` (None: the mean train
    loss), keep the parameters of the best validation epoch. Returns ``(best_params, history)``."""
    rng = np.random.default_rng(seed)
    steps_per_epoch = max(len(train_idx) // bs, 1)
    best, history = (np.inf, params), []
    for ep in range(epochs):
        t0 = time.time()
        perm = rng.permutation(np.asarray(train_idx))
        losses = []
        for s in range(steps_per_epoch):
            params, opt_state, loss = train_step(params, opt_state, perm[s * bs:(s + 1) * bs])
            losses.append(float(loss))
        val = validate(params) if validate is not None else float(np.mean(losses))
        history.append({"epoch": ep + 1, "train_loss": float(np.mean(losses)), valid_key: val})
        if val < best[0] or not np.isfinite(best[0]):
            best = (val, params)
        log(f"  {what} epoch {ep + 1}/{epochs}: train loss {np.mean(losses):.4f}  {valid_key} {val:.4f}  "
            f"({time.time() - t0:.1f}s)")
    return best[1], history


@functools.lru_cache(maxsize=16)
def _distance_train_fns(model, learning_rate: float, total_steps: int):
    """Optimizer and jitted train step, cached so repeated runs (splits) reuse one compilation."""
    sched = optax.cosine_decay_schedule(learning_rate, total_steps, alpha=0.05)
    tx = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(sched))

    @jax.jit
    def step(params, opt_state, graph, hops, emask, pos, mask):
        def loss_fn(p):
            d = model.apply(p, graph, hops, emask)
            return _pair_loss(d, pairwise_distances(pos), mask)

        loss, grads = jax.value_and_grad(loss_fn)(params)
        upd, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, loss

    return tx, step


@functools.lru_cache(maxsize=16)
def _distance_apply_fn(model):
    return jax.jit(lambda p, g, h, em: model.apply(p, g, h, em))


def predict_distances(model, params, packed, idx, batch_size: int = 32) -> np.ndarray:
    """Predicted distance matrices ``[len(idx), n_max, n_max]`` (fixed batch shape; last batch padded)."""
    idx = np.asarray(idx)
    fn = _distance_apply_fn(model)
    out = []
    for s in range(0, len(idx), batch_size):
        b = idx[s:s + batch_size]
        pad = batch_size - len(b)
        bb = np.concatenate([b, np.repeat(b[:1], pad)]) if pad else b
        g, ex = _batch_graph(packed, bb)
        out.append(np.asarray(fn(params, g, ex["hops"], ex["edge_mask"].reshape(-1)))[: len(b)])
    return np.concatenate(out)


# ----------------------------------------------------------------------------- property model (fallback)
class InvariantDistanceNet(nn.Module):
    """Small invariant distance-based message passing network (SchNet-like; Schütt et al. 2017)
    for a scalar molecular property from 3D geometry — the fallback when
    ``jaxgraph.equivariant.model.EquivariantGNN`` is not available.

    ``h_i <- h_i + MLP(sum_{j: d_ij < cutoff} W(rbf(d_ij)) ⊙ h_j · f_cut(d_ij))``, ``rbf`` Gaussians on
    ``[0, cutoff]``, cosine cutoff ``f_cut``; output ``sum_i MLP(h_i)``. Dense over padded slots.

    Call: ``(species [B, N] int, positions [B, N, 3], mask [B, N])`` -> ``[B]``.
    """

    num_species: int = 16
    hidden: int = 64
    num_layers: int = 3
    cutoff: float = 5.0
    num_basis: int = 16

    @nn.compact
    def __call__(self, species, positions, mask):
        h = nn.Embed(self.num_species, self.hidden)(species)
        d = pairwise_distances(positions, eps=1e-9)
        n = species.shape[-1]
        adj = mask[..., :, None] & mask[..., None, :] & ~jnp.eye(n, dtype=bool) & (d < self.cutoff)
        mu = jnp.linspace(0.0, self.cutoff, self.num_basis)
        rbf = jnp.exp(-((d[..., None] - mu) ** 2) / (2 * (self.cutoff / self.num_basis) ** 2))
        fcut = 0.5 * (jnp.cos(jnp.pi * jnp.minimum(d, self.cutoff) / self.cutoff) + 1.0) * adj
        for k in range(self.num_layers):
            w = MLP((self.hidden, self.hidden), activation=nn.silu, name=f"filter_{k}")(rbf) * fcut[..., None]
            msg = jnp.einsum("bijf,bjf->bif", w, nn.Dense(self.hidden, name=f"in_{k}")(h))
            h = h + MLP((self.hidden, self.hidden), activation=nn.silu, name=f"update_{k}")(msg)
        e = MLP((self.hidden, 1), activation=nn.silu, name="out")(h)[..., 0]
        return jnp.sum(jnp.where(mask, e, 0.0), axis=-1)


_SPECIES = {1: 1, 5: 2, 6: 3, 7: 4, 8: 5, 9: 6, 14: 7, 15: 8, 16: 9, 17: 10, 33: 11, 34: 12, 35: 13, 53: 14}


def species_index(z) -> np.ndarray:
    """Atomic numbers -> species ids ``0..15`` (H B C N O F Si P S Cl As Se Br I = 1..14, others 15; 0 unused)."""
    z = np.asarray(z)
    out = np.full(z.shape, 15, np.int32)
    for a, k in _SPECIES.items():
        out[z == a] = k
    return out


def _equivariant_module():
    try:
        from jaxgraph.equivariant import model as eqm  # noqa: WPS433

        return eqm if hasattr(eqm, "EquivariantGNN") and hasattr(eqm, "radius_graph") else None
    except Exception:  # noqa: BLE001 - module missing or broken: use the fallback
        return None


@functools.lru_cache(maxsize=8)
def _property_fns(kind: str, cfg_items: tuple, learning_rate: float, total_steps: int):
    """``(make_inputs, init, tx, jitted step, jitted forward)`` for a property model, cached across splits."""
    make_inputs, init, apply = _property_model(kind, dict(cfg_items))
    tx = optax.adam(optax.cosine_decay_schedule(learning_rate, total_steps, alpha=0.05))

    @jax.jit
    def step(params, opt_state, inputs, t):
        def loss_fn(pr):
            return jnp.mean(jnp.abs(apply(pr, inputs) - t))

        loss, g = jax.value_and_grad(loss_fn)(params)
        upd, opt_state = tx.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, loss

    return make_inputs, init, tx, step, jax.jit(apply)


def equivariant_batch(species, pos, mask, cutoff: float, radius_graph, edge_multiple: int = 8192) -> jraph.GraphsTuple:
    """Host-side jraph batch of padded molecule slots for ``EquivariantGNN``.

    Real atoms of the ``B`` slots are concatenated (graph ``k`` = slot ``k``), the remaining
    ``B * N - sum(n)`` node slots form one trailing padding graph (jraph convention), edges are
    ``radius_graph`` pairs within ``cutoff`` per molecule, padded with self-loops of the first
    padding node up to a multiple of ``edge_multiple`` (few distinct shapes -> few compilations).

    Shapes: ``species [B, N]`` int, ``pos [B, N, 3]``, ``mask [B, N]`` -> GraphsTuple with
    ``nodes = {"positions" [B*N, 3], "species" [B*N]}``, ``n_node [B + 1]``.
    """
    species, pos, mask = np.asarray(species), np.asarray(pos, np.float32), np.asarray(mask, bool)
    B, N = mask.shape
    n = mask.sum(1).astype(np.int32)
    real_pos, real_sp = pos[mask], species[mask]
    total = int(n.sum())
    n_pad_nodes = B * N - total
    if n_pad_nodes < 1:
        raise ValueError(f"mask: every slot is full; slots need at least one padding atom in total (N={N})")
    s, r = radius_graph(real_pos.astype(np.float64), cutoff, n)
    graph_of = np.repeat(np.arange(B), n)
    n_edge = np.bincount(graph_of[s], minlength=B).astype(np.int32) if len(s) else np.zeros(B, np.int32)
    budget = max(edge_multiple, int(np.ceil((len(s) + 1) / edge_multiple)) * edge_multiple)
    pad_e = budget - len(s)
    s = np.concatenate([s, np.full(pad_e, total, np.int32)])
    r = np.concatenate([r, np.full(pad_e, total, np.int32)])
    positions = np.concatenate([real_pos, np.zeros((n_pad_nodes, 3), np.float32)])
    sp = np.concatenate([real_sp, np.zeros(n_pad_nodes, species.dtype)]).astype(np.int32)
    return jraph.GraphsTuple(
        nodes={"positions": positions, "species": sp}, edges=None, senders=s.astype(np.int32),
        receivers=r.astype(np.int32), n_node=np.concatenate([n, [n_pad_nodes]]).astype(np.int32),
        n_edge=np.concatenate([n_edge, [pad_e]]).astype(np.int32), globals=None)


def _property_model(kind: str, cfg: dict):
    """``(make_inputs(species, pos, mask) [host], init(key, inputs), apply(params, inputs) -> [B])``."""
    if kind == "equivariant":
        eqm = _equivariant_module()
        if eqm is None:
            raise ValueError("property model 'equivariant' needs jaxgraph.equivariant.model.EquivariantGNN, "
                             "which is not importable")
        cutoff = float(cfg.get("cutoff", 5.0))
        net = eqm.EquivariantGNN(num_species=16, hidden_irreps=cfg.get("hidden_irreps", "16x0e+16x1o+16x2e"),
                                 lmax=cfg.get("lmax", 2), num_layers=cfg.get("eq_num_layers", 2), cutoff=cutoff,
                                 num_basis=cfg.get("num_basis", 8), product=cfg.get("product", "cg"), output="energy")

        def make_inputs(species, pos, mask):
            return equivariant_batch(species, pos, mask, cutoff, eqm.radius_graph)

        def apply(params, graph):
            return net.apply(params, graph)[:-1]  # drop the padding graph

        return make_inputs, jax.jit(net.init), apply
    if kind != "invariant":
        raise ValueError(f"property model must be 'equivariant' or 'invariant', got {kind!r}")
    net = InvariantDistanceNet(hidden=cfg.get("hidden", 64), num_layers=cfg.get("num_layers", 3),
                               cutoff=cfg.get("cutoff", 5.0), num_basis=cfg.get("num_basis", 16))
    make_inputs = lambda species, pos, mask: (species, pos, mask)  # noqa: E731
    return (make_inputs, lambda key, inp: net.init(key, *inp), lambda params, inp: net.apply(params, *inp))


def train_property_model(species, pos, mask, y, train_idx, valid_idx, *, kind="invariant", model_cfg=None,
                         epochs=30, batch_size=32, learning_rate=1e-3, seed=0, log=print):
    """Trains a geometry -> scalar property model (L1 on standardised targets, Adam + cosine decay),
    keeping the best-validation-MAE parameters.

    Args:
      species: int ``[G, N]`` species ids (:func:`species_index`); pos ``[G, N, 3]``; mask ``[G, N]``.
      y: ``[G]`` targets. train_idx / valid_idx: index arrays.
      kind: ``"equivariant"`` (``jaxgraph.equivariant.model.EquivariantGNN``, output "energy") or
        ``"invariant"`` (:class:`InvariantDistanceNet`).
      model_cfg: model options (see :func:`_property_model`).
    Returns:
      ``predict(positions [G, N, 3], idx) -> [len(idx)]`` (non-finite coordinates are zeroed).
    """
    model_cfg = dict(model_cfg or {})
    y = np.asarray(y, np.float64)
    mu, sd = float(y[train_idx].mean()), float(y[train_idx].std() + 1e-8)
    bs = min(batch_size, len(train_idx))
    steps_per_epoch = max(len(train_idx) // bs, 1)
    make_inputs, init, tx, step, fwd = _property_fns(kind, tuple(sorted(model_cfg.items())), float(learning_rate),
                                                     max(epochs * steps_per_epoch, 1))

    def inputs(positions, b):
        p = np.nan_to_num(np.asarray(positions[b], np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        return make_inputs(species[b], p, mask[b])

    params = init(jax.random.PRNGKey(seed), inputs(pos, np.asarray(train_idx[:bs])))
    opt_state = tx.init(params)

    def predict_with(params, positions, idx):
        idx = np.asarray(idx)
        out = []
        for s0 in range(0, len(idx), bs):
            b = idx[s0:s0 + bs]
            pad = bs - len(b)
            bb = np.concatenate([b, np.repeat(b[:1], pad)]) if pad else b
            out.append(np.asarray(fwd(params, inputs(positions, bb)))[: len(b)])
        return np.concatenate(out) * sd + mu

    def train_step(params, opt_state, b):
        return step(params, opt_state, inputs(pos, b), jnp.asarray(((y[b] - mu) / sd).astype(np.float32)))

    def validate(params):  # valid MAE in eV
        return float(np.mean(np.abs(predict_with(params, pos, valid_idx) - y[valid_idx])))

    params, _ = _train_epochs(params, opt_state, train_idx, bs, epochs, seed, train_step,
                              validate if len(valid_idx) else None, log, "property", "valid_mae_eV")
    return lambda positions, idx: predict_with(params, positions, idx)


# ----------------------------------------------------------------------------- the benchmark
def _summary(metrics: dict[str, np.ndarray]) -> dict[str, float]:
    valid = metrics["valid"]
    ok = np.isfinite(metrics["distance_mae"])
    out = {"num_molecules": int(len(valid)), "validity": float(valid.mean()) if len(valid) else float("nan"),
           "coverage": float(ok.mean()) if len(ok) else float("nan")}
    for k in ("distance_mae", "rmsd_all", "rmsd_heavy", "rmsd_all_mirror"):
        out[k] = float(np.nanmean(metrics[k])) if ok.any() else float("nan")
    cnt = float(metrics["pair_count"][ok].sum())
    out["d_mae_pooled"] = float(metrics["distance_abs_sum"][ok].sum() / cnt) if cnt else float("nan")
    out["d_rmse_pooled"] = float(np.sqrt(metrics["distance_sq_sum"][ok].sum() / cnt)) if cnt else float("nan")
    return out


def run_molecule3d(cfg: dict, log: Callable[[str], None] = print) -> dict:
    """Runs the Molecule3D-style benchmark on pcqm4mv2-2k; see ``experiments/molecule3d/README.md``.

    Args (keys of ``cfg``): ``dataset`` (``"pcqm4mv2-2k"``), ``data_root``, ``subset`` (first k
    molecules, ``None`` = all), ``splits`` (subset of ``("random", "scaffold")``), ``frac``,
    ``split_seed``, ``min_distance``, ``max_hop``, ``run_etkdg``, ``etkdg_seed``,
    ``refine_steps``, ``refine_lr``, ``model`` (dict: hidden, num_layers, epochs, batch_size,
    learning_rate, seed), ``property`` (dict: enabled, model ``"auto" | "equivariant" | "invariant"``,
    epochs, batch_size, learning_rate, model_cfg).
    Returns:
      ``{"rows": [...per split and method...], "property_rows": [...], "scaffold_check": {...}, ...}``.
    """
    from jaxgraph.data import load

    t_start = time.time()
    ds = load(cfg.get("dataset", "pcqm4mv2-2k"), root=cfg.get("data_root"))
    graphs, smiles, labels = ds.graphs, list(ds.extras["smiles"]), np.asarray(ds.labels)[:, 0]
    if cfg.get("subset"):
        k = int(cfg["subset"])
        graphs, smiles, labels = graphs[:k], smiles[:k], labels[:k]
    packed = pack_molecules(graphs)
    G = len(graphs)
    frac = tuple(cfg.get("frac", (0.6, 0.2, 0.2)))
    log(f"{G} molecules, up to {int(packed['n'].max())} atoms; splits {tuple(cfg.get('splits'))} {frac}")

    groups = scaffold_groups(graphs)
    scaffold_check: dict[str, Any] = {"num_scaffolds_python": int(len(set(groups.tolist())))}
    try:
        rd_keys = [rdkit_scaffold_smiles(s) for s in smiles]
        same = _same_partition(groups, rd_keys)
        scaffold_check.update(num_scaffolds_rdkit=len(set(rd_keys)), partitions_equal=bool(same))
        split_groups = rd_keys if cfg.get("scaffold_source", "rdkit") == "rdkit" else groups
        scaffold_check["split_uses"] = "rdkit" if split_groups is rd_keys else "python"
    except ImportError:
        split_groups = groups
        scaffold_check["split_uses"] = "python"
    splits = {}
    if "random" in cfg.get("splits", ("random", "scaffold")):
        splits["random"] = random_split(G, frac, cfg.get("split_seed", 42))
    if "scaffold" in cfg.get("splits", ("random", "scaffold")):
        splits["scaffold"] = scaffold_split(split_groups, frac)

    dtrue = np.asarray(pairwise_distances(packed["pos"]))
    min_d = cfg.get("min_distance", DEFAULT_MIN_DISTANCE)

    # ETKDG once for every molecule in any test set.
    etkdg = np.zeros(packed["pos"].shape, np.float32)  # failed molecules: NaN rows
    etkdg_seconds = 0.0
    if cfg.get("run_etkdg", True):
        need = np.unique(np.concatenate([s["test"] for s in splits.values()]))
        t0 = time.time()
        fails = 0
        for i in need:
            n = int(packed["n"][i])
            p = etkdg_positions(smiles[i], packed["z"][i, :n], seed=cfg.get("etkdg_seed", 42))
            if p is None:
                fails += 1
                etkdg[i, :n] = np.nan
            else:
                etkdg[i, :n] = p
        etkdg_seconds = time.time() - t0
        log(f"ETKDG: {len(need)} molecules in {etkdg_seconds:.1f}s, {fails} failures")

    pc = dict(cfg.get("property", {}))
    prop_kind = pc.get("model", "auto")
    if prop_kind == "auto":  # resolved once, so every split uses the same property model
        prop_kind = "equivariant" if _equivariant_module() is not None else "invariant"
    rows, property_rows, histories = [], [], {}
    predictions = {}
    for split_name, split in splits.items():
        tr, va, te = split["train"], split["valid"], split["test"]
        log(f"[{split_name}] train {len(tr)} / valid {len(va)} / test {len(te)}")
        # (a) trivial hop-count baseline
        table = fit_hop_distances([packed["hops"][i, :packed["n"][i], :packed["n"][i]] for i in tr],
                                  [dtrue[i, :packed["n"][i], :packed["n"][i]] for i in tr], cfg.get("max_hop", 12))
        t0 = time.time()
        d_triv = hop_baseline_distances(packed["hops"][te], table)
        x_triv = coordinates_from_distances(d_triv, packed["mask"][te], refine_steps=0)
        rows.append(_row(split_name, "trivial (hop mean + MDS)", x_triv, packed, te, min_d, time.time() - t0))
        # (b) ETKDG
        if cfg.get("run_etkdg", True):
            rows.append(_row(split_name, "RDKit ETKDGv3", etkdg[te], packed, te, min_d, etkdg_seconds * len(te) /
                             max(len(np.unique(np.concatenate([s["test"] for s in splits.values()]))), 1)))
        # (c) learned
        mc = dict(cfg.get("model", {}))
        t0 = time.time()
        model, params, hist = train_distance_model(
            packed, tr, va, hidden=mc.get("hidden", 64), num_layers=mc.get("num_layers", 4),
            max_hop=mc.get("max_hop", 10), epochs=mc.get("epochs", 30), batch_size=mc.get("batch_size", 32),
            learning_rate=mc.get("learning_rate", 2e-3), seed=mc.get("seed", 0), log=log)
        train_seconds = time.time() - t0
        histories[split_name] = hist
        t0 = time.time()
        d_pred = predict_distances(model, params, packed, te, batch_size=mc.get("batch_size", 32))
        x_mds = coordinates_from_distances(d_pred, packed["mask"][te], refine_steps=0)
        rows.append(_row(split_name, "learned GNN distances + MDS", x_mds, packed, te, min_d, time.time() - t0))
        t0 = time.time()
        x_learn = coordinates_from_distances(d_pred, packed["mask"][te], refine_steps=cfg.get("refine_steps", 200),
                                             learning_rate=cfg.get("refine_lr", 0.02))
        row = _row(split_name, "learned GNN distances + MDS + stress", x_learn, packed, te, min_d, time.time() - t0)
        row["train_seconds"] = train_seconds
        # distance MAE of the raw predicted matrix (Molecule3D's D-MAE of the distance model)
        pairs = np.asarray(_pair_mask(jnp.asarray(packed["mask"][te])))
        raw_err = (d_pred - dtrue[te]) * pairs
        row["raw_distance_matrix_mae"] = float((np.abs(raw_err).sum((1, 2)) / np.maximum(pairs.sum((1, 2)), 1)).mean())
        row["raw_d_mae_pooled"] = float(np.abs(raw_err).sum() / pairs.sum())
        row["raw_d_rmse_pooled"] = float(np.sqrt((raw_err ** 2).sum() / pairs.sum()))
        edm, three = edm_validity(d_pred, packed["mask"][te])
        row["raw_valid_edm"], row["raw_valid_3d"] = float(edm.mean()), float(three.mean())
        rows.append(row)
        predictions[split_name] = {"trivial": x_triv, "learned": x_learn, "etkdg": etkdg[te]}

        # property task
        if pc.get("enabled", True):
            kind = prop_kind
            log(f"[{split_name}] HOMO-LUMO gap model: {kind}")
            species = species_index(packed["z"])
            t0 = time.time()
            predict = train_property_model(
                species, packed["pos"], packed["mask"], labels, tr, va, kind=kind, model_cfg=pc.get("model_cfg"),
                epochs=pc.get("epochs", 30), batch_size=pc.get("batch_size", 32),
                learning_rate=pc.get("learning_rate", 1e-3), seed=pc.get("seed", 0), log=log)
            secs = time.time() - t0
            geoms = {"DFT (true)": packed["pos"]}
            for name, x in (("learned (predicted)", x_learn), ("RDKit ETKDGv3", etkdg[te]), ("trivial", x_triv)):
                full = np.array(packed["pos"], copy=True)
                full[te] = x
                geoms[name] = full
            ok = np.isfinite(etkdg[te]).all(axis=(1, 2))
            for name, full in geoms.items():
                if name == "RDKit ETKDGv3" and not cfg.get("run_etkdg", True):
                    continue
                pred = predict(full, te)
                err = np.abs(pred - labels[te])
                property_rows.append({"split": split_name, "property_model": kind, "geometry": name,
                                      "gap_mae_eV": float(err.mean()),
                                      "gap_mae_eV_etkdg_ok": float(err[ok].mean()) if ok.any() else float("nan"),
                                      "train_seconds": secs})
            property_rows.append({"split": split_name, "property_model": "train mean", "geometry": "-",
                                  "gap_mae_eV": float(np.abs(labels[tr].mean() - labels[te]).mean())})
    return {"rows": rows, "property_rows": property_rows, "scaffold_check": scaffold_check,
            "histories": histories, "split_sizes": {k: {kk: int(len(vv)) for kk, vv in v.items()} for k, v in splits.items()},
            "seconds": time.time() - t_start, "num_molecules": G}


def _row(split, method, x, packed, idx, min_d, seconds):
    m = geometry_metrics(x, packed["pos"][idx], packed["mask"][idx], packed["z"][idx], min_d)
    return {"split": split, "method": method, **_summary(m), "seconds": float(seconds)}


def _same_partition(a, b) -> bool:
    """Whether two labelings induce the same partition."""
    pairs = set(zip(a, b))
    return len(pairs) == len(set(a)) == len(set(b))
