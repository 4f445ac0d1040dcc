"""Smoke configuration (< 30 s on CPU): FastRP only, on PPI, d = 128, one 50 % split."""
from experiments.embeddings.configs import fastrp


def get_config():
    c = fastrp.get_config("default")
    c.datasets = ["ppi"]
    c.methods = ["fastrp"]
    c.fastrp.common.dim = 128
    c.fastrp.timing_repeats = 2
    c.eval.train_ratios = (0.5,)
    c.eval.repeats = 1
    return c
