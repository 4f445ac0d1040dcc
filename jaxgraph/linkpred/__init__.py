"""Link prediction: leakage-free splits, true-non-edge negatives, metrics (AUC, AP, Hits@K, MRR)
and topological concentration (Wang et al., ICLR 2024)."""
from jaxgraph.linkpred.metrics import edge_features, hits_at_k, link_ap, link_auc, mrr, score_pairs
from jaxgraph.linkpred.split import LinkSplit, link_split, sample_negatives, undirected_pairs
from jaxgraph.linkpred.tc import (
    GCNLinkPredictor,
    SparseFeatures,
    approximate_topological_concentration,
    correlations,
    dot_topological_concentration,
    evaluate_per_node,
    local_clustering,
    per_node_ranking_metrics,
    tc_reweight,
    topological_concentration,
    train_link_predictor,
)
