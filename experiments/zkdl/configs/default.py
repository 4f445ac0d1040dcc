"""Reduced-width CPU configuration of the zkDL experiment (Sun et al., "zkDL: Efficient
Zero-Knowledge Proofs of Deep Learning Training"): the paper's 8-layer ReLU MLP with batch 64,
but width 64 instead of ~1024 (10M parameters), on sklearn digits (64 features, 10 classes).
Each of ``steps`` SGD steps is proven as its own batch update (per-step rows) and, with
``aggregate``, all of them once more in ONE aggregated proof (FAC4DNN stacking over steps)."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.dataset = "digits"
    c.seed = 0
    c.depth = 8            # weight layers
    c.width = 64           # hidden width (the paper: 1024)
    c.batch_size = 64
    c.steps = 3            # proven SGD steps
    c.frac_bits = 16
    c.lr_shift = 4         # eta = 2^-4
    c.bits = 24            # Q: two's complement range width of Z', G'_A, Zq_L, G_Z_L, U
    c.rounding = "nearest"
    c.commit = True        # committed mode: the verifier holds only the PCS commitment (timed)
    c.warmup = True        # one untimed proof first (JIT compilation)
    c.aggregate = True     # also one proof of all `steps` steps
    c.accuracy_steps = 500  # fixed-point vs float64 training length for the accuracy comparison
    return c
