"""Full run of the IRWE experiment (Qin & Yeung, "IRWE: Inductive Random Walk for Joint Inference
of Identity and Position Network Embedding", TMLR 2024): structural-role classification on
automorphism-labelled role graphs (GraphWave's cycle with houses; a cycle with houses, stars and
cliques), transductive and on an unseen graph of the same family; Cora k-means NMI and
link-prediction AUC, transductive and on held-out nodes. Methods: IRWE-identity, IRWE-position,
IRWE-both, DeepWalk (pure position), the per-node anonymous-walk distribution (pure identity) and
the graphlet degree vectors over 2-4 and 2-5 node graphlets (15 / 73 orbits; hand-made identity).

    python experiments/embeddings/main.py --config=experiments/embeddings/configs/irwe.py \
        --workdir=workdir/embeddings/irwe
"""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.task = "irwe"
    c.seed = 0
    c.data_root = None
    # IRWE (jaxgraph.embed.irwe.fit_irwe): walks of 6 nodes for the AW statistics (76 AW types),
    # 8 walks of 8 nodes per node for the position unit, DeepWalk-style corpus for L_pos.
    c.irwe = dict(dim=64, steps=1000, batch_size=256, negatives=5, learning_rate=5e-3, alpha=1.0,
                  corpus_walks=10, corpus_length=40, window=5, id_walks=64, id_length=6,
                  id_attention_walks=16, pos_walks=8, pos_length=8)
    # DeepWalk (jaxgraph.embed.skipgram): reduced from node2vec's defaults (10 x 80, d=128, k=10)
    # to fit two shared CPU cores.
    c.deepwalk = dict(dim=64, walks_per_node=10, walk_length=40, window=5, negatives=5)
    c.roles = dict(families=["houses", "mixed"], scale=2, noise=0.05, train_ratio=0.5, repeats=5,
                   irwe=dict(steps=600))
    # graphlet degree vectors (jaxgraph.embed.graphlets.orbit_counts), log(1 + count); 5 = 73 orbits
    c.gdv_sizes = [4, 5]
    c.cora = dict(dataset="cora", val_fraction=0.05, test_fraction=0.1, heldout_fraction=0.1)
    return c
