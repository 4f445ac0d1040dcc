"""Full run of the graphlet experiment (Windels, Malod-Dognin, Pržulj, "Graphlets correct for the
topological information missed by random walks", arXiv:2405.14194): all 28 orbit adjacency
matrices of PPI, BlogCatalog (hop 2/3 built dense: they are nearly full) and Wikipedia-POS,
GOPMI embeddings of each vs random-walk PMI (NetMF, windows 1, 2, 3, 10), multi-label node
classification (DeepWalk protocol), paired-split tests of walk + orbit vs walk alone.
About 50 min on a 2-core CPU with BlogCatalog's hop-1 matrices only; all 28 there add more
(not timed in full). Peak memory about 8 GB (Wikipedia-POS's 28 matrices).

    python experiments/embeddings/main.py --config=experiments/embeddings/configs/graphlets.py \
        --workdir=workdir/embeddings/graphlets

Preset ``:gdv5`` runs PPI and Wikipedia-POS with the 5-node graphlet degree vectors (73 orbits)
alone and beside the best walk, with paired tests against the walk and walk + GDV-15.

Presets ``:gopmi_windows`` (PPI, all 28 matrices) and ``:gopmi_windows_blog`` (BlogCatalog,
hop 1, the window-1 sweep's top 3 matrices) are a control for reach: each orbit adjacency is
also walked as a weighted graph with windows 2 / 3 / 10 (BlogCatalog: 3 / 10), like RWPMI walks
the adjacency, and the best single GOPMI over matrices and windows meets the best walk on
paired splits.
"""
import ml_collections


def get_config(preset: str = "default"):
    presets = ("default", "gdv5", "gopmi_windows", "gopmi_windows_blog")
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}: use one of {presets}")
    c = ml_collections.ConfigDict()
    c.task = "graphlets"
    c.datasets = ["ppi", "blogcatalog", "wikipedia-pos"]
    c.timing_only = []                # datasets whose orbit counts (+ hop-1 adjacencies) are timed, not embedded
    c.timing_hop1 = True
    c.data_root = ""                  # "" = default data roots
    c.node_limit = 0                  # 0 = whole graph
    c.max_nodes = 4
    c.gdv_max_nodes = 4               # 5: also the 73-orbit GDV (2-5-node graphlets) and walk + GDV rows
    c.hops = [1, 2, 3]
    c.hops_per_dataset = ml_collections.ConfigDict({})  # e.g. {"blogcatalog": [1]} for hop-1 matrices only
    c.dense_far_datasets = ["blogcatalog"]  # A^2 covers 62 % of all pairs: hop-2/3 matrices as dense float32
    c.dim = 128                       # per single embedding
    c.concat_dim = 8                  # per matrix in "GOPMI all 28" (224 dims)
    c.negative = 1.0
    c.rw_windows = [1, 2, 3, 10]
    c.final_rw_windows = [10, 3]      # fixed walk baselines: DeepWalk's window, and 3 (the reach of 4-node graphlets)
    c.deepwalk = False                # also DeepWalk (jaxgraph.embed.skipgram) when True
    c.deepwalk_kwargs = ml_collections.ConfigDict({"walks_per_node": 10, "walk_length": 80, "window": 10})
    c.sweep_ratio = 0.5
    c.sweep_repeats = 3
    c.sweep_seed = 1000
    c.train_ratios = [0.1, 0.5, 0.9]
    c.repeats = 5
    c.seed = 0
    c.paired_repeats = 20             # walk + GOPMI all vs walk alone on 20 more paired splits (seeds 2000+)
    c.paired_seed = 2000
    c.paired_sets = ["concat", "paper", "gdv"]  # which paired tests run (see run_graphlets)
    c.gopmi_windows = [1]             # > 1: also walk each orbit adjacency with that window (a reach control)
    c.gopmi_window_top = 0            # > 0: windows only for the window-1 sweep's top k matrices
    if preset == "gdv5":  # PPI and Wikipedia-POS with the 73-orbit GDV rows (5-node counts by graphlet_hom)
        c.datasets = ["ppi", "wikipedia-pos"]
        c.gdv_max_nodes = 5
    if preset == "gopmi_windows":  # PPI: every orbit adjacency walked with windows 2, 3, 10 (~40 min)
        c.datasets = ["ppi"]
        c.gopmi_windows = [1, 2, 3, 10]
        c.paired_sets = ["paper"]
    if preset == "gopmi_windows_blog":  # BlogCatalog hop 1: the top 3 matrices with windows 3, 10 (dense walks)
        c.datasets = ["blogcatalog"]
        c.hops_per_dataset = ml_collections.ConfigDict({"blogcatalog": [1]})
        c.gopmi_windows = [1, 3, 10]
        c.gopmi_window_top = 3
        c.paired_sets = ["paper"]
    return c

