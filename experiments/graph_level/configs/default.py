"""Reduced-epoch CPU configuration of the graph-level framework (plain vs GNN+).

Luo et al. (ICML 2025) train 2,000 epochs (ZINC) with 9-12 layers of width 64-80; on this shared
2-core CPU we run 3 layers of width 32 for ``epochs`` = 40 epochs (ReduceLROnPlateau may stop
earlier), 2 seeds, with a generous wall-clock safety cap per run. Splits are fixed (split seed 0, 80/10/10, stratified for
classification); seeds change only initialisation, dropout and batch order."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.datasets = ("mutag", "proteins", "nci1", "enzymes", "imdb-binary", "micro-zinc", "micro-qm9", "counting")  # tuples: CLI-overridable
    c.backbones = ("gcn", "gin", "gatedgcn")
    c.variants = ("plain", "plus")
    c.seeds = (0, 1)
    c.epochs = 40
    c.hidden = 32
    c.num_layers = 3
    c.dropout = None          # GNN+ dropout: 0.1 classification, 0.05 regression
    c.pe_dim = 16             # RWSE steps (GNN+ positional encoding)
    c.batch_size = 64
    c.learning_rate = 1e-3
    c.weight_decay = 0.0
    c.max_seconds = 240.0     # safety cap per run (wall clock; includes compilation); epochs normally bind
    c.counting_graphs = 1000
    c.max_graphs = None
    c.data_root = None
    c.progress = False
    return c
