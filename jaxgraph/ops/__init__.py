"""Pure, jit-able graph ops: segment reductions and gather–scatter message passing.

These are the functions Pallas kernels (``kernels/``) replace when one applies.
"""
from jaxgraph.ops.propagation import (
    degree,
    edge_softmax,
    gather_scatter,
    gcn_norm,
    laplacian_matvec,
    propagate,
    propagate_k,
    with_self_loops,
)
from jaxgraph.ops.segment import (
    segment_count,
    segment_max,
    segment_mean,
    segment_min,
    segment_normalize,
    segment_softmax,
    segment_sum,
)
from jaxgraph.ops.attention import gat_attention
