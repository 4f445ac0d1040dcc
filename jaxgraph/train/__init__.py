"""jaxgraph.train."""
