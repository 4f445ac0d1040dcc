"""BPR training, full-ranking evaluation and the experiment runner of the graph recommenders.

* :func:`sample_negatives` -- uniform negatives that are true non-interactions (rejection
  sampling against the user's training items; exact, never a positive).
* :func:`train_model` -- Adam on the BPR loss (:func:`~jaxgraph.apps.recsys.models.bpr_loss`);
  one jitted ``lax.scan`` per epoch over fixed-size mini-batches (static shapes: the last batch
  is padded with zero-weight triples), full-graph propagation at every step as in LightGCN.
* :func:`rank_metrics` / :func:`evaluate` -- Recall@K and NDCG@K with full ranking over all
  items the user did not interact with in training (training items are excluded from the
  ranking), computed in batches of users (``[B, I]`` scores at a time); users without test items
  are skipped. ``Recall@K = |top-K n T_u| / |T_u|``; ``NDCG@K = DCG@K / IDCG@K`` with binary
  gains, ``DCG = sum_{r<K} [item_r in T_u] / log2(r + 2)``, ``IDCG`` over ``min(|T_u|, K)`` hits
  (the LightGCN evaluation protocol).
* :func:`run_recsys` -- datasets x models x seeds -> summary rows with the papers' figures;
  :func:`quick_claim` -- the headline ordering sheaf >= LightGCN >= MF, measured cheaply.
"""
from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgraph.apps.recsys import data as D
from jaxgraph.apps.recsys import models as M

__all__ = [
    "sample_negatives",
    "train_model",
    "rank_metrics",
    "evaluate",
    "load_split",
    "run_recsys",
    "summarize",
    "quick_claim",
    "PAPER",
]

# Published figures. The Sheaf4Rec paper (Purificato et al., arXiv 2304.09097) evaluates on
# MovieLens-100k only in its first version (abstract of v1: F1-Score@N, +5.1 % relative over the
# best baseline); later versions use ML-1M, Facebook Books and Yahoo! Movies with F1/NDCG@{10,..}.
# It reports no Recall@20 / NDCG@20 on a dataset we can run, so the table carries the relative
# gain only, labelled "not re-run" (we do not have u.data). LightGCN's own figures (He et al.,
# SIGIR 2020, Table 3: Gowalla, Yelp2018, Amazon-Book) are on datasets we do not have either.
PAPER = {
    "movielens-100k": {
        "source": "Purificato et al. 2023 (arXiv 2304.09097v1), abstract: sheaf model +5.1 % relative "
                  "F1-Score@N over the best baseline on MovieLens-100K (not re-run: u.data not available)",
        "sheaf_rel_gain_pct": 5.1,
    },
}


# ----------------------------------------------------------------------------- negatives
def _train_keys(users, items, num_items):
    return np.sort(np.asarray(users, np.int64) * num_items + np.asarray(items, np.int64))


def sample_negatives(users, train_keys, num_items: int, rng: np.random.Generator, max_rounds: int = 1000):
    """Uniform negative items that the user never interacted with in training.

    Args:
      users: ``[B]`` int user indices.
      train_keys: sorted ``user * num_items + item`` keys of the training interactions.
      num_items: item count.
      rng: numpy generator.

    Returns: ``[B]`` int32 items ``j`` with ``(u, j)`` not in the training set.

    Raises:
      ValueError: a user has interacted with every item (no negative exists).
    """
    users = np.asarray(users, np.int64)
    neg = rng.integers(0, num_items, users.size)

    def is_pos(u, j):
        key = u * num_items + j
        pos = np.searchsorted(train_keys, key)
        pos = np.minimum(pos, train_keys.size - 1)
        return train_keys[pos] == key

    bad = is_pos(users, neg)
    for _ in range(max_rounds):
        if not bad.any():
            return neg.astype(np.int32)
        idx = np.nonzero(bad)[0]
        neg[idx] = rng.integers(0, num_items, idx.size)
        bad[idx] = is_pos(users[idx], neg[idx])
    counts = np.bincount(np.asarray(train_keys // num_items, np.int64))
    full = np.nonzero(counts >= num_items)[0]
    raise ValueError(f"users {full[:5].tolist()} interacted with all {num_items} items: no negative exists")


# ----------------------------------------------------------------------------- training
def _graph_arrays(split):
    s, r, rev = M.bipartite_edges(split.train_users, split.train_items, split.num_users, split.num_items)
    return (jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev), None)


def _labels(params):
    return {k: jax.tree_util.tree_map(lambda _: "maps" if k == "sheaf" else "emb", v) for k, v in params.items()}


@functools.lru_cache(maxsize=64)
def _epoch_fn(spec: M.ModelSpec, lr: float, map_lr_scale: float, l2: float):
    """``(optimizer, jitted epoch)`` for one model/hyper-parameter setting (cached, so seeds and
    datasets of equal shapes reuse the compiled scan)."""
    opt = optax.multi_transform({"emb": optax.adam(lr), "maps": optax.adam(lr * map_lr_scale)}, _labels)

    @jax.jit
    def epoch_fn(params, opt_state, graph, u, i, j, w):
        def step(carry, batch):
            p, o = carry
            loss, g = jax.value_and_grad(M.bpr_loss)(p, spec, graph, *batch, l2=l2)
            upd, o = opt.update(g, o, p)
            return (optax.apply_updates(p, upd), o), loss

        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), (u, i, j, w))
        return params, opt_state, jnp.mean(losses)

    return opt, epoch_fn


_embed_jit = jax.jit(M.embed, static_argnums=1)


def train_model(split: D.RecSplit, spec: M.ModelSpec, *, epochs: int = 100, batch_size: int = 1024,
                lr: float = 5e-3, l2: float = 1e-4, seed: int = 0, init_std: float = 0.1,
                map_lr_scale: float = 1.0,
                log: Callable[[str], None] | None = None, log_every: int = 0):
    """Trains ``spec`` with Adam on BPR over the training pairs of ``split``.

    Each epoch: shuffle the training pairs, draw one true-negative item per pair
    (:func:`sample_negatives`), and run ``ceil(M / batch_size)`` Adam steps in one jitted
    ``lax.scan`` (batch shapes static; the tail is padded with zero-weight triples). The sheaf
    map learner uses learning rate ``lr * map_lr_scale``.

    Returns:
      ``(params, history)`` with ``history = {"loss": [epochs], "seconds": float}``.

    Raises:
      ValueError: ``spec`` does not match the split's sizes, or bad ``epochs`` / ``batch_size``.
    """
    if (spec.num_users, spec.num_items) != (split.num_users, split.num_items):
        raise ValueError(f"spec sizes {(spec.num_users, spec.num_items)} != split sizes "
                         f"{(split.num_users, split.num_items)}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be positive, got {epochs}, {batch_size}")
    graph = _graph_arrays(split)
    keys = _train_keys(split.train_users, split.train_items, split.num_items)
    m = split.train_users.size
    steps = math.ceil(m / batch_size)
    pad = steps * batch_size - m
    params = M.init_params(spec, jax.random.PRNGKey(seed), init_std=init_std)
    opt, epoch_fn = _epoch_fn(spec, float(lr), float(map_lr_scale), float(l2))
    opt_state = opt.init(params)

    rng = np.random.default_rng(seed)
    hist = []
    t0 = time.perf_counter()
    for ep in range(epochs):
        perm = rng.permutation(m)
        u, i = split.train_users[perm], split.train_items[perm]
        j = sample_negatives(u, keys, split.num_items, rng)
        w = np.ones(m, np.float32)
        if pad:
            u, i, j = (np.concatenate([a, np.zeros(pad, np.int32)]) for a in (u, i, j))
            w = np.concatenate([w, np.zeros(pad, np.float32)])
        shp = (steps, batch_size)
        params, opt_state, loss = epoch_fn(params, opt_state, graph, u.reshape(shp), i.reshape(shp),
                                           j.reshape(shp), w.reshape(shp))
        hist.append(float(loss))
        if log and log_every and (ep + 1) % log_every == 0:
            log(f"  {spec.kind} epoch {ep + 1}: BPR loss {hist[-1]:.4f}")
    return params, {"loss": hist, "seconds": time.perf_counter() - t0}


# ----------------------------------------------------------------------------- evaluation
def rank_metrics(scores, exclude, relevant, k: int):
    """Recall@k and NDCG@k of full rankings (pure; jit with static ``k``).

    Args:
      scores: ``[B, I]`` float scores.
      exclude: ``[B, I]`` bool, items removed from the ranking (the user's training items).
      relevant: ``[B, I]`` bool, held-out test items (disjoint from ``exclude``).
      k: cut-off.

    Returns:
      ``(recall [B], ndcg [B])``; rows without relevant items give 0 (callers skip them).
    """
    s = jnp.where(exclude, -jnp.inf, scores)
    _, top = jax.lax.top_k(s, k)
    hit = jnp.take_along_axis(relevant, top, axis=1) & ~jnp.take_along_axis(exclude, top, axis=1)
    hit = hit.astype(jnp.float32)
    n_rel = jnp.sum(relevant, axis=1).astype(jnp.float32)
    disc = 1.0 / jnp.log2(jnp.arange(k, dtype=jnp.float32) + 2.0)
    dcg = jnp.sum(hit * disc, axis=1)
    idcg = jnp.sum(disc[None, :] * (jnp.arange(k)[None, :] < n_rel[:, None]), axis=1)
    recall = jnp.where(n_rel > 0, jnp.sum(hit, axis=1) / jnp.maximum(n_rel, 1.0), 0.0)
    ndcg = jnp.where(n_rel > 0, dcg / jnp.maximum(idcg, 1e-12), 0.0)
    return recall, ndcg


@jax.jit
def _batch_scores(ue, ie, users):
    return ue[users] @ ie.T


_rank_jit = jax.jit(rank_metrics, static_argnums=3)


def _rows_mask(users, ptr, idx, num_items):
    out = np.zeros((users.size, num_items), bool)
    for r, u in enumerate(users):
        out[r, idx[ptr[u]:ptr[u + 1]]] = True
    return out


def _csr(users, items, num_users):
    order = np.lexsort((items, users))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(users, minlength=num_users))])
    return ptr, np.asarray(items)[order]


def evaluate(user_emb, item_emb, split: D.RecSplit, k: int = 20, batch_users: int = 256) -> dict[str, float]:
    """Mean Recall@k / NDCG@k over users with test items, full ranking of non-training items,
    in batches of ``batch_users`` users (the last batch padded with a repeated user whose rows
    are dropped; shapes stay static so the scorer compiles once).

    Args:
      user_emb: ``[U, D]``; item_emb: ``[I, D]`` final embeddings.

    Returns: ``{"recall": float, "ndcg": float, "users": int}``.

    Raises:
      ValueError: embedding shapes that do not match the split, ``k`` out of ``[1, I]``, or
        ``batch_users < 1``.
    """
    ue, ie = np.asarray(user_emb), np.asarray(item_emb)
    if ue.shape[0] != split.num_users or ie.shape[0] != split.num_items or ue.shape[1] != ie.shape[1]:
        raise ValueError(f"embeddings {ue.shape}, {ie.shape} do not match split sizes "
                         f"({split.num_users}, {split.num_items})")
    if not 1 <= k <= split.num_items:
        raise ValueError(f"k must lie in [1, {split.num_items}], got {k}")
    if batch_users < 1:
        raise ValueError(f"batch_users must be positive, got {batch_users}")
    tr_ptr, tr_idx = _csr(split.train_users, split.train_items, split.num_users)
    te_ptr, te_idx = _csr(split.test_users, split.test_items, split.num_users)
    eval_users = np.unique(split.test_users)
    ue_j, ie_j = jnp.asarray(ue), jnp.asarray(ie)
    rec, nd = [], []
    bsz = min(batch_users, max(eval_users.size, 1))
    for b0 in range(0, eval_users.size, bsz):
        us = eval_users[b0:b0 + bsz]
        n = us.size
        us_p = np.concatenate([us, np.full(bsz - n, us[0])]) if n < bsz else us
        sc = _batch_scores(ue_j, ie_j, jnp.asarray(us_p))
        r, g = _rank_jit(sc, jnp.asarray(_rows_mask(us_p, tr_ptr, tr_idx, split.num_items)),
                         jnp.asarray(_rows_mask(us_p, te_ptr, te_idx, split.num_items)), k)
        rec.append(np.asarray(r)[:n])
        nd.append(np.asarray(g)[:n])
    if not rec:
        return {"recall": float("nan"), "ndcg": float("nan"), "users": 0}
    return {"recall": float(np.concatenate(rec).mean()), "ndcg": float(np.concatenate(nd).mean()),
            "users": int(eval_users.size)}


# ----------------------------------------------------------------------------- experiment
def load_split(ds_cfg: dict[str, Any], seed: int = 0) -> D.RecSplit:
    """Builds the split described by ``ds_cfg`` (``{"name", "kind", ...}``):

    * kind 'planted': :func:`~jaxgraph.apps.recsys.data.planted_communities` (keys as its
      arguments; the generator seed is ``ds_cfg["seed"]``), random 80/20 per-user split;
    * kind 'bitcoin-otc': positive ratings rater -> ratee, time-ordered per-user split;
    * kind 'movielens-100k': every rating, time-ordered per-user split (``root`` or ``path``
      locate the user-supplied ``u.data``).
    """
    kind = ds_cfg["kind"]
    test_frac = ds_cfg.get("test_frac", 0.2)
    if kind == "planted":
        kw = {k: ds_cfg[k] for k in ("num_users", "num_items", "num_communities", "mean_degree", "p_in", "zipf")
              if k in ds_cfg}
        inter = D.planted_communities(seed=ds_cfg.get("seed", 0), **kw)
        return D.split_per_user(inter, test_frac, by_time=False, seed=seed)
    if kind == "bitcoin-otc":
        from jaxgraph.data.temporal import load_bitcoin_otc

        inter = D.from_bitcoin(load_bitcoin_otc(ds_cfg.get("root")), ds_cfg.get("min_rating", 1))
        return D.split_per_user(inter, test_frac, by_time=True)
    if kind == "movielens-100k":
        from jaxgraph.data.movielens import load_movielens_100k, read_u_data

        ds = read_u_data(ds_cfg["path"]) if ds_cfg.get("path") else load_movielens_100k(ds_cfg.get("root"))
        inter = D.from_ratings(ds, ds_cfg.get("min_rating"))
        return D.split_per_user(inter, test_frac, by_time=True)
    raise ValueError(f"dataset kind must be 'planted', 'bitcoin-otc' or 'movielens-100k', got {kind!r}")


def _spec(model_cfg: dict[str, Any], split) -> M.ModelSpec:
    kw = {k: model_cfg[k] for k in ("dim", "num_layers", "stalk_dim", "maps") if k in model_cfg}
    return M.ModelSpec(kind=model_cfg["kind"], num_users=split.num_users, num_items=split.num_items, **kw)


def run_recsys(config, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Runs every (dataset, model, seed) of ``config`` and returns one summary row per
    (dataset, model): mean and std over seeds of Recall@K / NDCG@K, training seconds, and the
    paper's figure where the dataset matches.

    ``config`` (dict or ConfigDict): ``datasets`` (list of dataset dicts, see
    :func:`load_split`; ``optional: True`` skips a dataset whose file is missing, with a row that
    says so), ``models`` (list of ``{"name", "kind", dim, num_layers, stalk_dim, maps}``),
    ``seeds``, ``k``, ``train`` (``epochs, batch_size, lr, l2, init_std, map_lr_scale``; a
    dataset's own ``epochs`` overrides), ``eval_batch_users``.
    """
    from jaxgraph.data.core import DatasetNotFoundError

    cfg = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    k = int(cfg.get("k", 20))
    tr = dict(cfg["train"])
    rows = []
    for ds_cfg in cfg["datasets"]:
        try:
            split = load_split(ds_cfg, seed=0)
        except DatasetNotFoundError as e:
            if not ds_cfg.get("optional"):
                raise
            log(f"[recsys] {ds_cfg['name']}: skipped ({str(e).splitlines()[0]})")
            rows.append({"dataset": ds_cfg["name"], "method": "-", "status": "not run (file missing)",
                         **_paper_cols(ds_cfg["name"], None)})
            continue
        st = split.stats()
        log(f"[recsys] {ds_cfg['name']}: {st}")
        tr_ds = dict(tr, epochs=int(ds_cfg.get("epochs", tr["epochs"])))
        per_model: dict[str, dict[str, list]] = {}
        for mc in cfg["models"]:
            spec = _spec(mc, split)
            res = {"recall": [], "ndcg": [], "seconds": [], "final_loss": []}
            for seed in cfg["seeds"]:
                params, hist = train_model(split, spec, seed=int(seed), **tr_ds)
                ue, ie = _embed_jit(params, spec, *_graph_arrays(split))
                ev = evaluate(ue, ie, split, k=k, batch_users=int(cfg.get("eval_batch_users", 256)))
                res["recall"].append(ev["recall"])
                res["ndcg"].append(ev["ndcg"])
                res["seconds"].append(hist["seconds"])
                res["final_loss"].append(hist["loss"][-1])
                log(f"[recsys] {ds_cfg['name']} {mc['name']} seed {seed}: Recall@{k} {ev['recall']:.4f} "
                    f"NDCG@{k} {ev['ndcg']:.4f} (loss {hist['loss'][-1]:.4f}, {hist['seconds']:.1f}s)")
            per_model[mc["name"]] = res
            rows.append({
                "dataset": ds_cfg["name"], "method": mc["name"], "status": "run",
                f"recall@{k}": float(np.mean(res["recall"])), f"recall@{k}_std": float(np.std(res["recall"])),
                f"ndcg@{k}": float(np.mean(res["ndcg"])), f"ndcg@{k}_std": float(np.std(res["ndcg"])),
                "train_s": float(np.mean(res["seconds"])), "final_loss": float(np.mean(res["final_loss"])),
                "seeds": len(cfg["seeds"]), "per_seed_recall": res["recall"], "per_seed_ndcg": res["ndcg"],
                "users": st["users"], "items": st["items"], "train_pairs": st["train"], "test_pairs": st["test"],
                **_paper_cols(ds_cfg["name"], mc["kind"]),
            })
    return rows


def _paper_cols(dataset: str, kind: str | None) -> dict[str, Any]:
    p = PAPER.get(dataset)
    if p is None:
        return {"paper": None}
    return {"paper": p["source"] if kind in (None, "sheaf") else "-"}


def ordering(rows: list[dict[str, Any]], metric: str, dataset: str) -> dict[str, Any]:
    """Relative gains (%) of sheaf over LightGCN and LightGCN over MF on ``metric`` (the rows
    whose ``method`` starts with 'sheaf', 'lightgcn', 'mf'; the best sheaf variant)."""
    r = {x["method"]: x for x in rows if x["dataset"] == dataset and x.get("status") == "run"}
    sheaf = max((v[metric] for n, v in r.items() if n.startswith("sheaf")), default=float("nan"))
    lg, mf = r.get("lightgcn", {}).get(metric, float("nan")), r.get("mf", {}).get(metric, float("nan"))
    g1, g2 = 100 * (sheaf / lg - 1), 100 * (lg / mf - 1)
    return {"sheaf_vs_lightgcn_pct": g1, "lightgcn_vs_mf_pct": g2, "holds": bool(g1 >= 0 and g2 >= 0)}


def summarize(rows: list[dict[str, Any]], k: int = 20) -> str:
    """The results table (plain text) plus the ordering check per dataset."""
    from jaxgraph.train.runners import format_table

    cols = ["dataset", "method", f"recall@{k}", f"recall@{k}_std", f"ndcg@{k}", f"ndcg@{k}_std", "train_s", "status"]
    out = [format_table(rows, cols), ""]
    for ds in dict.fromkeys(r["dataset"] for r in rows):
        run = [r for r in rows if r["dataset"] == ds and r.get("status") == "run"]
        if run:
            for metric in (f"recall@{k}", f"ndcg@{k}"):
                o = ordering(rows, metric, ds)
                out.append(f"{ds} {metric}: sheaf vs LightGCN {o['sheaf_vs_lightgcn_pct']:+.1f}%, LightGCN vs MF "
                           f"{o['lightgcn_vs_mf_pct']:+.1f}% -> sheaf >= LightGCN >= MF: {o['holds']}")
        if PAPER.get(ds):
            out.append(f"{ds} paper: {PAPER[ds]['source']}")
    return "\n".join(out)


def quick_claim(quick: bool = True) -> float:
    """Headline claim on the planted-community data: the smaller of the relative NDCG@20 gains
    (%) of sheaf over LightGCN and of LightGCN over MF (holds when >= 0, i.e. sheaf >= LightGCN
    >= MF). Uses the default config's planted dataset and models; ``quick``: seed 0 only (about
    20 s of CPU), else 3 seeds."""
    import importlib

    cfg = importlib.import_module("experiments.recsys.configs.default").get_config().to_dict()
    cfg["datasets"] = [d for d in cfg["datasets"] if d["kind"] == "planted"][:1]
    cfg["models"] = [m for m in cfg["models"] if m["name"] in ("mf", "lightgcn", "sheaf")]
    if quick:
        q = importlib.import_module("experiments.recsys.configs.default").quick_overrides()
        cfg["datasets"][0].update(q["dataset"])
        cfg["train"].update(q["train"])
        cfg["seeds"] = q["seeds"]
    rows = run_recsys(cfg, log=lambda s: None)
    o = ordering(rows, f"ndcg@{cfg.get('k', 20)}", cfg["datasets"][0]["name"])
    return min(o["sheaf_vs_lightgcn_pct"], o["lightgcn_vs_mf_pct"])
