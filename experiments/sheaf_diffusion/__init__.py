"""Neural Sheaf Diffusion (Bodnar et al., NeurIPS 2022): Diag/O(d)/Gen-NSD vs GCN and MLP."""
