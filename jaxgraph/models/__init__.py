"""jaxgraph.models."""
