"""Node embeddings: random walks, skip-gram (DeepWalk / node2vec), FastRP, graphlet orbit
counts (2-5 nodes) and orbit adjacencies, IRWE, and the multi-label evaluation protocol."""
from jaxgraph.embed.evaluate import multilabel_node_classification
from jaxgraph.embed.fastrp import fastrp, sparse_random_projection
from jaxgraph.embed.graphlet_enum import enumerate_orbit_counts
from jaxgraph.embed.graphlets import (
    ORBIT_ADJACENCY_KEYS,
    gopmi_embedding,
    graphlet_embedding,
    orbit_adjacency,
    orbit_counts,
    pmi_embedding,
    rwpmi_embedding,
    rwpmi_matrix,
    windowed_cooccurrence,
)
from jaxgraph.embed.skipgram import (
    SkipGramResult,
    deepwalk,
    fit_skipgram,
    node2vec,
    skipgram_pairs,
    train_skipgram,
    unigram_noise,
)
from jaxgraph.embed.walks import csr_from_graph, random_walks
from jaxgraph.embed.irwe import IRWE, anonymize_walks, aw_distribution, fit_irwe, infer_irwe, walk_cooccurrence
from jaxgraph.embed.role_graphs import automorphism_orbits, role_graph
