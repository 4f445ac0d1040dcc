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
