"""Graph recommenders: a sheaf recommender (Purificato et al., "Sheaf Neural Networks for
Graph-based Recommender Systems", arXiv 2304.09097), LightGCN (He et al., SIGIR 2020) and BPR-MF,
trained with BPR and evaluated by Recall@20 / NDCG@20 with full ranking over unseen items."""
from jaxgraph.apps.recsys.data import (Interactions, RecSplit, from_bitcoin, from_ratings, make_interactions,
                                       planted_communities, split_per_user)
from jaxgraph.apps.recsys.models import (ModelSpec, RotationMaps, bipartite_edges, bipartite_graph, bpr_loss, embed,
                                         init_params, lightgcn_propagate, restriction_maps, rotation_matrices,
                                         sheaf_diffusion, sheaf_laplacian_apply, sheaf_transport_apply,
                                         symmetric_edge_weights)
from jaxgraph.apps.recsys.train import (evaluate, load_split, quick_claim, rank_metrics, run_recsys,
                                        sample_negatives, summarize, train_model)

__all__ = [
    "Interactions", "RecSplit", "from_bitcoin", "from_ratings", "make_interactions", "planted_communities",
    "split_per_user", "ModelSpec", "RotationMaps", "rotation_matrices", "sheaf_transport_apply", "bipartite_edges", "bipartite_graph", "bpr_loss", "embed", "init_params",
    "lightgcn_propagate", "restriction_maps", "sheaf_diffusion", "sheaf_laplacian_apply",
    "symmetric_edge_weights", "evaluate", "load_split", "quick_claim", "rank_metrics", "run_recsys",
    "sample_negatives", "summarize", "train_model",
]
