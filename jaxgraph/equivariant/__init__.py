"""Equivariant (e3nn-jax based) operations and models.

* :mod:`jaxgraph.equivariant.gaunt`: Gaunt tensor products in the 2D Fourier basis (Luo, Chen,
  Krishnapriyan, ICLR 2024): :func:`gaunt_tensor_product`, :func:`gaunt_chain`, :func:`gaunt_power`.
* :mod:`jaxgraph.equivariant.layers`: flax layers :class:`GauntTensorProduct`,
  :class:`GauntInteraction`, :class:`ChannelLinear` and radial helpers.
* :mod:`jaxgraph.equivariant.model`: :class:`EquivariantGNN` (NequIP-style, CG or Gaunt products)
  and :func:`radius_graph`.
* :mod:`jaxgraph.equivariant.geometry`: Molecule3D-style 3D geometry prediction from 2D graphs
  (Xu et al., 2021): metrics (Kabsch RMSD, distance MAE, validity), random/scaffold splits, MDS
  and stress refinement, baselines (hop-count, RDKit ETKDG, learned pair distances) and
  :func:`run_molecule3d`.
"""
from jaxgraph.equivariant import geometry
from jaxgraph.equivariant.gaunt import (
    gaunt_chain,
    gaunt_coefficients,
    gaunt_power,
    gaunt_tensor_product,
    natural_irreps,
)
from jaxgraph.equivariant.layers import (
    ChannelLinear,
    GauntInteraction,
    GauntTensorProduct,
    bessel_basis,
    polynomial_envelope,
    radial_embedding,
)
from jaxgraph.equivariant.geometry import (
    classical_mds,
    distance_mae,
    geometry_metrics,
    kabsch_rmsd,
    random_split,
    refine_by_stress,
    run_molecule3d,
    scaffold_split,
)
from jaxgraph.equivariant.model import EquivariantGNN, radius_graph

__all__ = [
    "gaunt_tensor_product",
    "gaunt_chain",
    "gaunt_power",
    "gaunt_coefficients",
    "natural_irreps",
    "ChannelLinear",
    "GauntTensorProduct",
    "GauntInteraction",
    "bessel_basis",
    "polynomial_envelope",
    "radial_embedding",
    "EquivariantGNN",
    "radius_graph",
    "geometry",
    "kabsch_rmsd",
    "distance_mae",
    "geometry_metrics",
    "classical_mds",
    "refine_by_stress",
    "random_split",
    "scaffold_split",
    "run_molecule3d",
]
