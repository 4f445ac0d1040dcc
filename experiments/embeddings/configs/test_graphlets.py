"""Smoke run of the graphlet experiment (< 40 s on CPU): the induced subgraphs of PPI (all 28 orbit
adjacencies, hop 2/3 built dense as the full run does for BlogCatalog) and Wikipedia-POS (hop 1
only) on their first 500 node ids, 16-dim embeddings, one split, with the 5-node GDV rows and
window-2 GOPMI of the top 2 matrices."""
from experiments.embeddings.configs import graphlets


def get_config():
    c = graphlets.get_config()
    c.datasets = ["ppi", "wikipedia-pos"]
    c.hops_per_dataset = {"wikipedia-pos": [1]}
    c.dense_far_datasets = ["ppi"]    # exercise the dense hop-2/3 path the full run uses for BlogCatalog
    c.timing_only = []
    c.node_limit = 500
    c.dim = 16
    c.concat_dim = 2
    c.rw_windows = [1, 2]
    c.final_rw_windows = [2]
    c.sweep_repeats = 1
    c.train_ratios = [0.5]
    c.repeats = 1
    c.paired_repeats = 2
    c.gdv_max_nodes = 5               # the 73-orbit GDV rows (5-node counts by graphlet_hom)
    c.gopmi_windows = [1, 2]          # the reach control, on the window-1 sweep's top 2 matrices
    c.gopmi_window_top = 2
    return c
