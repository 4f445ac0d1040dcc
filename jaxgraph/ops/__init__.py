"""Pure, jit-able graph ops: segment reductions and gather–scatter message passing.

These are the functions Pallas kernels (``kernels/``) replace when one applies.
"""
from jaxgraph.ops.propagation import (
    csr_from_edges,
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
    resolve_impl,
    segment_count,
    segment_max,
    segment_mean,
    segment_min,
    segment_normalize,
    segment_softmax,
    segment_sum,
)
from jaxgraph.ops.attention import gat_attention
from jaxgraph.ops.message_passing import (
    gated_gcn_aggregate,
    gaussian_mixture_weights,
    gin_aggregate,
    gine_aggregate,
    l2_normalize,
    monet_aggregate,
    monet_pseudo_coordinates,
    sage_aggregate,
)
from jaxgraph.ops.pooling import (
    graph_attention_pool,
    graph_max,
    graph_mean,
    graph_segment_ids,
    graph_softmax,
    graph_sum,
)
from jaxgraph.ops.normalization import (
    graph_moments,
    graph_norm,
    graph_size_norm,
    layer_norm,
    masked_moments,
    normalize,
)
