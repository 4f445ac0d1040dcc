"""Full run: Cora GCN, full-graph vs sampled ([25, 10], 32 seeds per batch) vs Cluster-GCN
(16 spectral parts, 4 per batch), 5 seeds, 200 epochs, best-val model selection; then the
products-like graph at scale 0.02 (49k nodes, 1.24M edges) with GraphSAGE-mean, 3 epochs.
``--config.models`` also takes ``sage`` (GraphSAGE-mean, same protocol)."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.dataset = "cora"
    c.models = ("gcn",)  # tuples, so --config.models="('sage',)" can override them
    c.methods = ("full", "sampled", "cluster")
    c.seeds = (0, 1, 2, 3, 4)
    c.progress = False
    c.workers = 3  # Cora runs in parallel processes (timings then share the CPU)
    # Kipf & Welling's GCN hyperparameters for every method (same model, same optimiser).
    c.train = dict(hidden=16, dropout=0.5, learning_rate=0.01, weight_decay=5e-4, epochs=200,
                   fanouts=(25, 10), batch_size=32, num_parts=16, parts_per_batch=4)
    c.method_overrides = {}
    c.products = dict(
        scale=0.02, model="sage", methods=["sampled", "cluster"],
        train=dict(hidden=128, dropout=0.5, learning_rate=0.003, weight_decay=0.0, epochs=3, fanouts=(15, 10),
                   batch_size=1024, num_parts=64, parts_per_batch=8, eval_mode="full", eval_every=1),
    )
    return c
