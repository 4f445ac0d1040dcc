"""jaxgraph.nn."""
