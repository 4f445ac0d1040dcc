"""Applications built on the jaxgraph core (e.g. :mod:`jaxgraph.apps.recsys`, graph recommenders)."""
