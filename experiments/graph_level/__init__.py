"""Graph-level evaluation framework: plain vs GNN+ (Luo et al. 2025) on TU, molecule and counting tasks."""
