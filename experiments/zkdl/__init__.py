"""zkDL: end-to-end zero-knowledge proof of fixed-point SGD training (Sun et al.)."""
