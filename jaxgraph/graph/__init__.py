"""GraphsTuple helpers: build, validate, convert, transform, pad and batch."""
from jaxgraph.graph.build import (
    as_float32,
    from_dense,
    from_edge_list,
    from_networkx,
    from_scipy,
    to_dense,
    to_edge_list,
    to_networkx,
    to_scipy,
)
from jaxgraph.graph.validate import check_counts, check_features, check_index_array, validate_graph
from jaxgraph.graph.batching import (
    Budget,
    batch,
    edge_mask,
    estimate_budget,
    graph_mask,
    iterate_batches,
    node_mask,
    pad_to_budget,
    round_up,
    static_num_nodes,
    unbatch,
    unpad,
)
from jaxgraph.graph.transform import (
    add_self_loops,
    coalesce,
    degrees,
    induced_subgraph,
    k_hop_nodes,
    k_hop_subgraph,
    laplacian,
    make_undirected,
    normalized_adjacency,
    num_nodes,
    remove_self_loops,
)
from jaxgraph.graph.sampling import NeighborSampler, SampledSubgraph, in_csr
from jaxgraph.graph.partition import ClusterBatch, ClusterBatcher, edge_cut, partition_graph
