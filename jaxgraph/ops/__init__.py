"""jaxgraph.ops."""
