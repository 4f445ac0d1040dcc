"""jaxgraph.testing."""
