"""IRWE: inductive identity + position embeddings from random walks, without attributes.

M. Qin, D.-Y. Yeung, "IRWE: Inductive Random Walk for Joint Inference of Identity and Position
Network Embedding", TMLR 2024 (arXiv 2401.00651). Identity (structural-role) and position
(community / proximity) embeddings of every node are computed from random-walk (RW) statistics
by attention units over the node's walks, trained jointly, and inferred for unseen nodes or
graphs from their walks alone (no retraining).

What is implemented here (our reading of the paper; the places where we simplified are marked
"simplified"):

* **Anonymous walks** (Micali & Zhu 2016; Ivanov & Burnaev, "Anonymous Walk Embeddings", ICML
  2018): a walk ``(w_0, ..., w_{l-1})`` becomes ``(a_0, ..., a_{l-1})`` with ``a_t`` = the rank
  of ``w_t`` among the distinct nodes in order of first occurrence (so ``a_0 = 0``). The AW
  vocabulary of length ``l`` (and its truncated prefixes, for walks padded with ``-1``) does not
  depend on the graph, so identity features transfer to unseen nodes and graphs.
* **Identity statistics** ``s_v`` ``[V]``: the empirical distribution of the AWs of the walks
  started at ``v`` (:func:`aw_distribution`); with enough walks it determines ``v``'s
  ``l``-hop neighbourhood up to isomorphism (Micali & Zhu), and it is equal for automorphic
  nodes (in expectation).
* **Position statistics** ``c_v`` ``[m]``: how often the walks from ``v`` visit each *anchor*
  node (steps ``t >= 1``, normalised; :func:`walk_cooccurrence`). Anchors are the nodes seen in
  training; a walk of an unseen node reaches seen nodes, which is what positions it.
* **Model** (:class:`IRWE`, flax): *identity unit* -- a learned AW embedding table ``E [V, d]``;
  attention pooling over the AWs of the node's ``K`` walks (learned query) plus the expected AW
  embedding ``s_v^T E`` and ``log(1 + deg)``, then a 2-layer MLP -> ``z_id``. *Position unit* --
  the walk steps are tokens ``x_kt = A[w_kt] + S[t]`` (learned anchor table ``A [m, d]``, step
  encoding ``S``); the query ``q = W z_id`` (the joint coupling: identity decides how a node
  attends along its walks) pools each walk over its steps (attention), then the walks (second
  attention); concatenated with the co-occurrence term ``c_v^T A`` and projected -> ``z_pos``.
* **Joint loss** ``L = L_pos + alpha * L_id``: ``L_pos`` = skip-gram with negative sampling on
  walk co-occurrence pairs (DeepWalk's objective) with both sides given by the *inductive* map
  ``v -> z_pos(v)`` (so it is trained to generalise); ``L_id`` = cross-entropy between an
  independent sample of ``v``'s AW distribution and ``softmax(D z_id)`` plus squared error of
  ``log(1 + deg)`` regressed from ``z_id`` (identity embeddings must reconstruct the identity
  statistics). ``L_pos`` back-propagates into the identity unit through ``q``.
  Simplified: one attention layer per unit (the paper stacks several multi-head attention
  units / Transformer encoders), single head, our own choice of reconstruction targets.
* **Inductive inference** (:func:`infer_irwe`): new walks on the new graph, features with the
  unseen nodes' anchor entries masked, one forward pass with the trained parameters.

Experiment (:func:`run_irwe`): role classification on automorphism-labelled role graphs
(:mod:`jaxgraph.embed.role_graphs`) transductively and on an unseen graph of the same family;
Cora k-means NMI and link-prediction AUC, transductive and for held-out nodes; methods
IRWE-identity, IRWE-position, IRWE-both, DeepWalk (pure position), the raw AW distribution
(pure identity baseline, the feature-based AWE of Ivanov & Burnaev applied per node) and, with
config ``gdv_sizes``, graphlet degree vectors over 2-4 / 2-5 nodes (``GDV-15`` / ``GDV-73``,
``log(1 + count)``; hand-made identity features, computed per graph).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = [
    "anonymous_walk_vocab",
    "anonymize_walks",
    "anonymous_walk_ids",
    "aw_distribution",
    "walk_cooccurrence",
    "node_walks",
    "IRWEFeatures",
    "irwe_features",
    "IRWE",
    "IRWEResult",
    "fit_irwe",
    "embed_irwe",
    "infer_irwe",
    "role_classification",
    "kmeans_nmi",
    "run_irwe",
    "summarize_irwe",
    "quick_claim",
]

MAX_AW_LENGTH = 9  # codes (length+1)^length stay below 2^31


# ----------------------------------------------------------------------------- anonymous walks
def _check_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum or (
            maximum is not None and value > maximum):
        rng = f">= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
    return int(value)


def _check_walks(walks, name: str = "walks", ndim: int | None = None):
    w = walks if isinstance(walks, jax.Array) else np.asarray(walks)
    if not jnp.issubdtype(w.dtype, jnp.integer):
        raise ValueError(f"{name} must be an integer array of node ids (-1 = padding), got dtype {w.dtype}")
    if w.ndim < 1 or (ndim is not None and w.ndim != ndim):
        raise ValueError(f"{name} must have {ndim or '>= 1'} dimensions, got shape {w.shape}")
    if not isinstance(w, jax.core.Tracer) and w.size and int(w.min()) < -1:
        raise ValueError(f"{name} entries must be >= -1, got {int(w.min())}")
    return w


def anonymous_walk_vocab(length: int) -> np.ndarray:
    """All anonymous walks with ``1..length`` nodes, padded with ``-1`` to ``length``.

    An anonymous walk starts with 0, each next entry differs from the previous one (no self
    loops) and is at most ``1 + max(previous entries)``. There are ``Bell(k - 1)`` of ``k``
    nodes (1, 1, 2, 5, 15, 52, 203, ...); the prefixes stand for walks cut short by ``-1``.

    Args:
      length: nodes per walk, ``1 <= length <= 9``.

    Returns:
      int32 ``[V, length]``, rows sorted by their code (:func:`anonymous_walk_ids`).

    Raises:
      ValueError: ``length`` out of range.
    """
    length = _check_int("length", length, 1, MAX_AW_LENGTH)
    out = []

    def grow(seq, top):
        out.append(seq + [-1] * (length - len(seq)))
        if len(seq) == length:
            return
        for a in range(top + 2):
            if a != seq[-1]:
                grow(seq + [a], max(top, a))

    grow([0], 0)
    vocab = np.asarray(out, np.int32)
    return vocab[np.argsort(_codes_np(vocab))]


def _codes_np(anon: np.ndarray) -> np.ndarray:
    length = anon.shape[-1]
    pw = (length + 1) ** np.arange(length - 1, -1, -1, dtype=np.int64)
    return ((anon.astype(np.int64) + 1) * pw).sum(-1)


def anonymize_walks(walks) -> jax.Array:
    """Relabels every walk by first occurrence: ``a_t = |{w_0..w_{t-1}}|`` if ``w_t`` is new,
    else the label given at its first occurrence. ``-1`` (padding) stays ``-1``.

    Args:
      walks: int ``[..., L]`` node ids, ``-1`` = padding (only as a suffix).

    Returns:
      int32 ``[..., L]`` anonymous walks. Pure jnp, jit-able; O(L^2) per walk.

    Raises:
      ValueError: non-integer dtype, no last axis, entries < -1.
    """
    return _anonymize(jnp.asarray(_check_walks(walks)).astype(jnp.int32))


@jax.jit
def _anonymize(w):
    L = w.shape[-1]
    eq = w[..., :, None] == w[..., None, :]                      # [..., L, L]
    first = jnp.argmax(eq, axis=-1)                              # first j with w_j == w_i
    is_new = first == jnp.arange(L)
    rank = jnp.cumsum(is_new, axis=-1) - 1                       # rank of each new node
    anon = jnp.take_along_axis(rank, first, axis=-1)
    return jnp.where(w < 0, -1, anon).astype(jnp.int32)


def anonymous_walk_ids(walks, vocab=None) -> jax.Array:
    """Index of each walk's anonymous walk in ``anonymous_walk_vocab(L)``.

    Args:
      walks: int ``[..., L]`` (``-1`` padding), ``L <= 9``.
      vocab: optional precomputed ``anonymous_walk_vocab(L)``.

    Returns:
      int32 ``[...]``; ``-1`` for a walk whose start is padding or whose AW is not in the
      vocabulary (a self loop repeats a label).

    Raises:
      ValueError: bad ``walks``, ``L > 9``, ``vocab`` of the wrong width.
    """
    w = _check_walks(walks)
    L = w.shape[-1]
    _check_int("walk length (last axis of walks)", L, 1, MAX_AW_LENGTH)
    vocab = anonymous_walk_vocab(L) if vocab is None else np.asarray(vocab)
    if vocab.ndim != 2 or vocab.shape[1] != L:
        raise ValueError(f"vocab must be [V, {L}], got shape {vocab.shape}")
    return _aw_ids(jnp.asarray(w).astype(jnp.int32), jnp.asarray(_codes_np(vocab).astype(np.int32)))


@jax.jit
def _aw_ids(w, codes):
    L = w.shape[-1]
    anon = _anonymize(w)
    pw = jnp.asarray(((L + 1) ** np.arange(L - 1, -1, -1)).astype(np.int32))
    c = ((anon + 1) * pw).sum(-1)
    idx = jnp.clip(jnp.searchsorted(codes, c), 0, codes.shape[0] - 1)
    ok = (codes[idx] == c) & (anon[..., 0] == 0)
    return jnp.where(ok, idx, -1).astype(jnp.int32)


def aw_distribution(walks, vocab=None) -> jax.Array:
    """Identity statistics: per-node distribution of anonymous walks.

    ``s_v[a] = #{k : AW(w_vk) = a} / #{k : AW(w_vk) valid}`` over the ``K`` walks of node ``v``.

    Args:
      walks: int ``[N, K, L]`` -- ``K`` walks started at each of ``N`` nodes (``-1`` padding;
        a walk that is all ``-1`` is ignored).
      vocab: optional ``anonymous_walk_vocab(L)``.

    Returns:
      float32 ``[N, V]``, rows sum to 1 (0 for a node without a valid walk).

    Raises:
      ValueError: ``walks`` not 3-D integer.
    """
    w = _check_walks(walks, ndim=3)
    V = anonymous_walk_vocab(w.shape[-1]).shape[0] if vocab is None else np.asarray(vocab).shape[0]
    return _histogram(anonymous_walk_ids(w, vocab), V)


@functools.partial(jax.jit, static_argnums=1)
def _histogram(ids, size):
    """Rows ``[N, K]`` of ids in ``[-1, size)`` -> normalised counts ``[N, size]`` (-1 ignored)."""
    ids = ids.reshape(ids.shape[0], -1)
    counts = jax.vmap(lambda r: jnp.zeros(size + 1, jnp.float32).at[jnp.where(r >= 0, r, size)].add(1.0))(ids)
    counts = counts[:, :size]
    return counts / jnp.maximum(counts.sum(-1, keepdims=True), 1.0)


def walk_cooccurrence(walks, anchor_of_node, num_anchors: int) -> jax.Array:
    """Position statistics: normalised anchor-visit counts of each node's walks.

    ``c_v[j] = #{(k, t), t >= 1 : anchor(w_vkt) = j} / #{(k, t), t >= 1 : w_vkt is an anchor}``
    -- the rows of the (start node x anchor) walk co-occurrence matrix, the start itself
    excluded so that seen and unseen nodes are treated alike.

    Args:
      walks: int ``[N, K, L]`` node ids (``-1`` padding).
      anchor_of_node: int ``[num_nodes]``: anchor index of each node, ``-1`` for non-anchors
        (e.g. nodes unseen in training).
      num_anchors: ``m`` (> max anchor index).

    Returns:
      float32 ``[N, m]``, rows sum to 1 (0 if the walks reach no anchor).

    Raises:
      ValueError: bad shapes / ranges.
    """
    w = _check_walks(walks, ndim=3)
    num_anchors = _check_int("num_anchors", num_anchors, 1)
    amap = np.asarray(anchor_of_node)
    if amap.ndim != 1 or not np.issubdtype(amap.dtype, np.integer) or (amap.size and (
            amap.min() < -1 or amap.max() >= num_anchors)):
        raise ValueError(f"anchor_of_node must be 1-D integers in [-1, {num_anchors}), got shape "
                         f"{amap.shape}, dtype {amap.dtype}")
    return _histogram(_anchor_tokens(jnp.asarray(w), jnp.asarray(amap)), num_anchors)


@jax.jit
def _anchor_tokens(walks, anchor_of_node):
    """``[N, K, L] -> [N, K, L-1]`` anchor ids of steps ``t >= 1`` (``-1`` = none)."""
    steps = walks[..., 1:]
    return jnp.where(steps >= 0, anchor_of_node[jnp.clip(steps, 0)], -1).astype(jnp.int32)


def node_walks(graph, key, nodes, num_walks: int, walk_length: int) -> jax.Array:
    """``num_walks`` uniform walks from each of ``nodes``
    (:func:`jaxgraph.embed.walks.random_walks`), grouped per node: int32 ``[len(nodes), K, L]``."""
    from jaxgraph.embed.walks import random_walks

    nodes = np.asarray(nodes)
    num_walks = _check_int("num_walks", num_walks, 1)
    starts = np.repeat(nodes, num_walks)
    w = random_walks(graph, key, walk_length=walk_length, start_nodes=starts)
    return jnp.asarray(w).reshape(len(nodes), num_walks, walk_length)


# ----------------------------------------------------------------------------- features
class IRWEFeatures(NamedTuple):
    """Per-node inputs of :class:`IRWE` (all derived from walks; ``B`` nodes).

    aw_stats: float32 ``[B, V]`` AW distribution (identity statistics).
    aw_ids: int32 ``[B, K_id]`` AW index of ``K_id`` individual walks (``-1`` = none).
    log_deg: float32 ``[B]`` ``log(1 + degree)``.
    pos_tokens: int32 ``[B, K_pos, L_pos - 1]`` anchor id of each walk step ``t >= 1`` (``-1``
      = padding or not an anchor).
    """

    aw_stats: Any
    aw_ids: Any
    log_deg: Any
    pos_tokens: Any


def _degrees(graph) -> np.ndarray:
    n = int(np.asarray(graph.n_node).sum())
    return np.bincount(np.asarray(graph.senders), minlength=n)


def irwe_features(graph, key, *, anchor_of_node, nodes=None, id_walks: int = 64, id_length: int = 6,
                  id_attention_walks: int = 16, pos_walks: int = 16, pos_length: int = 8) -> IRWEFeatures:
    """Samples walks on ``graph`` and builds the :class:`IRWEFeatures` of ``nodes``.

    Args:
      graph: ``jraph.GraphsTuple`` (both edge directions).
      key: PRNG key (same key -> same features).
      anchor_of_node: int ``[N]`` anchor index per node, ``-1`` for nodes without one (unseen).
      nodes: node ids (default all).
      id_walks: walks of ``id_length`` nodes per node for the AW distribution; the first
        ``id_attention_walks`` of them also feed the attention over AWs.
      pos_walks, pos_length: walks per node for the position unit.

    Returns:
      :class:`IRWEFeatures` (jax arrays).

    Raises:
      ValueError: bad counts or lengths.
    """
    n = int(np.asarray(graph.n_node).sum())
    nodes = np.arange(n) if nodes is None else np.asarray(nodes)
    id_length = _check_int("id_length", id_length, 2, MAX_AW_LENGTH)
    id_walks = _check_int("id_walks", id_walks, 1)
    id_attention_walks = _check_int("id_attention_walks", id_attention_walks, 1, id_walks)
    pos_length = _check_int("pos_length", pos_length, 2)
    amap = np.asarray(anchor_of_node)
    if amap.shape != (n,):
        raise ValueError(f"anchor_of_node must have shape ({n},), got {amap.shape}")
    k1, k2 = jax.random.split(key)
    vocab = anonymous_walk_vocab(id_length)
    wid = node_walks(graph, k1, nodes, id_walks, id_length)
    wpos = node_walks(graph, k2, nodes, pos_walks, pos_length)
    return IRWEFeatures(
        aw_stats=aw_distribution(wid, vocab),
        aw_ids=anonymous_walk_ids(wid[:, :id_attention_walks], vocab),
        log_deg=jnp.asarray(np.log1p(_degrees(graph)[nodes]), jnp.float32),
        pos_tokens=_anchor_tokens(wpos, jnp.asarray(amap)),
    )


def _take(feat: IRWEFeatures, idx) -> IRWEFeatures:
    return IRWEFeatures(*(x[idx] for x in feat))


# ----------------------------------------------------------------------------- model
def _masked_softmax(scores, mask, axis):
    s = jnp.where(mask, scores, -1e9)
    return jax.nn.softmax(s, axis=axis) * mask


class IRWE(nn.Module):
    """The IRWE encoder: attention units over a node's walks -> ``(z_id, z_pos)``.

    Identity unit::

        e_k = E[aw_k];  alpha = softmax_k(u . e_k);  p = sum_k alpha_k e_k
        z_id = W2 gelu(W1 [p, s_v^T E, log(1+deg)] + b1) + b2

    Position unit (tokens ``x_kt = A[anchor(w_kt)] + S[t]``, masked where no anchor)::

        q = Wq z_id
        h_k = sum_t softmax_t(q . x_kt / sqrt d) x_kt          (attention along each walk)
        g = sum_k softmax_k(q . h_k / sqrt d) h_k               (attention over walks)
        c = mean_{k,t} A[anchor(w_kt)]  (= c_v^T A, the co-occurrence term)
        z_pos = Wo [g, c] + bo

    Attributes:
      vocab_size: ``V`` (``len(anonymous_walk_vocab(id_length))``).
      num_anchors: ``m``.
      pos_steps: ``L_pos - 1``.
      dim: embedding size ``d``.

    ``__call__(feat: IRWEFeatures) -> (z_id [B, d], z_pos [B, d])``; ``decode(z_id) ->
    (aw_logits [B, V], log_deg_hat [B])`` is the identity decoder of the loss.
    """

    vocab_size: int
    num_anchors: int
    pos_steps: int
    dim: int = 64

    def setup(self):
        d = self.dim
        self.aw_embed = nn.Embed(self.vocab_size, d, embedding_init=nn.initializers.normal(0.3))
        self.id_query = self.param("id_query", nn.initializers.normal(0.3), (d,))
        self.id_mlp1 = nn.Dense(d)
        self.id_mlp2 = nn.Dense(d)
        self.anchor_embed = nn.Embed(self.num_anchors, d, embedding_init=nn.initializers.normal(0.1))
        self.step_embed = self.param("step_embed", nn.initializers.normal(0.02), (self.pos_steps, d))
        self.pos_query = nn.Dense(d)
        self.pos_out = nn.Dense(d)
        self.id_decoder = nn.Dense(self.vocab_size)
        self.deg_decoder = nn.Dense(1)

    def identity(self, feat: IRWEFeatures):
        d = self.dim
        m = feat.aw_ids >= 0
        e = self.aw_embed(jnp.clip(feat.aw_ids, 0))                       # [B, K, d]
        a = _masked_softmax(e @ self.id_query / math.sqrt(d), m, axis=-1)
        pooled = jnp.einsum("bk,bkd->bd", a, e)
        expected = feat.aw_stats @ self.aw_embed.embedding                 # s_v^T E
        h = jnp.concatenate([pooled, expected, feat.log_deg[:, None]], -1)
        return self.id_mlp2(nn.gelu(self.id_mlp1(h)))

    def position(self, feat: IRWEFeatures, z_id):
        d = self.dim
        tok = feat.pos_tokens                                               # [B, K, T]
        m = tok >= 0
        a = self.anchor_embed(jnp.clip(tok, 0))                             # [B, K, T, d]
        x = (a + self.step_embed[None, None]) * m[..., None]
        q = self.pos_query(z_id)                                            # [B, d]
        s = jnp.einsum("bktd,bd->bkt", x, q) / math.sqrt(d)
        h = jnp.einsum("bkt,bktd->bkd", _masked_softmax(s, m, -1), x)      # per walk
        mk = m.any(-1)
        sk = jnp.einsum("bkd,bd->bk", h, q) / math.sqrt(d)
        g = jnp.einsum("bk,bkd->bd", _masked_softmax(sk, mk, -1), h)      # over walks
        c = (a * m[..., None]).sum((1, 2)) / jnp.maximum(m.sum((1, 2)), 1)[:, None]
        return self.pos_out(jnp.concatenate([g, c], -1))

    def decode(self, z_id):
        return self.id_decoder(z_id), self.deg_decoder(z_id)[:, 0]

    def __call__(self, feat: IRWEFeatures):
        z_id = self.identity(feat)
        return z_id, self.position(feat, z_id)

    def init_all(self, feat: IRWEFeatures):
        """Touches every submodule (encoder and identity decoder), for ``init``."""
        z_id, z_pos = self(feat)
        return self.decode(z_id), z_pos


# ----------------------------------------------------------------------------- training
@dataclasses.dataclass
class IRWEResult:
    """A trained IRWE model.

    Attributes:
      model: the :class:`IRWE` module.
      params: its trained parameters.
      feature_kw: the :func:`irwe_features` keyword arguments used in training (reused at
        inference).
      anchor_of_node: int ``[N_train]`` anchors of the training graph.
      losses: per-step ``(total, position, identity)`` float ``[steps, 3]``.
      seconds: training time.
    """

    model: IRWE
    params: Any
    feature_kw: dict
    anchor_of_node: np.ndarray
    losses: np.ndarray
    seconds: float


def _loss_fn(params, model, feat, tgt_aw, tgt_deg, pair_mask, B, negatives, alpha):
    """Joint IRWE loss on a batch laid out as [centers B | contexts B | shared noise nodes].

    Every pair is contrasted with all noise nodes of the batch (shared negatives); their mean
    log-sigmoid is weighted by ``negatives`` so the loss matches SGNS with ``negatives`` draws."""
    z_id, z_pos = model.apply({"params": params}, feat)
    zc, zx, zn = z_pos[:B], z_pos[B:2 * B], z_pos[2 * B:]
    pos = jax.nn.log_sigmoid(jnp.sum(zc * zx, -1))
    neg = negatives * jax.nn.log_sigmoid(-(zc @ zn.T)).mean(-1)
    w = pair_mask.astype(jnp.float32)
    l_pos = -jnp.sum(w * (pos + neg)) / jnp.maximum(w.sum(), 1.0)
    logits, deg_hat = model.apply({"params": params}, z_id[:B], method=IRWE.decode)
    l_aw = -jnp.mean(jnp.sum(tgt_aw * jax.nn.log_softmax(logits), -1))
    l_deg = jnp.mean((deg_hat - tgt_deg) ** 2)
    l_id = l_aw + l_deg
    return l_pos + alpha * l_id, (l_pos, l_id)


def fit_irwe(graph, key, *, train_nodes=None, dim: int = 64, steps: int = 1000, batch_size: int = 256,
             negatives: int = 5, learning_rate: float = 5e-3, alpha: float = 1.0, corpus_walks: int = 10,
             corpus_length: int = 40, window: int = 5, id_walks: int = 64, id_length: int = 6,
             id_attention_walks: int = 16, pos_walks: int = 16, pos_length: int = 8,
             log: Callable | None = None) -> IRWEResult:
    """Trains IRWE on ``graph`` with the joint loss (module docstring).

    Every step samples ``batch_size`` co-occurrence pairs ``(u, v)`` (``v`` within ``window``
    steps of ``u`` on a corpus walk) and ``negatives`` noise nodes per pair from the unigram^0.75
    distribution (``max(negatives, batch_size // 4)`` noise nodes shared by the batch, see
    :func:`_loss_fn`), embeds all of them with the inductive encoder and takes one Adam step on
    ``L_pos + alpha * L_id``. Anchors (position tokens) are the ``train_nodes``.

    Args:
      graph: training ``jraph.GraphsTuple`` (both directions); nodes outside ``train_nodes``
        should have no edges there (held-out nodes).
      key: PRNG key.
      train_nodes: ids of the seen nodes (default all); only they start corpus walks, are
        anchors and are sampled.
      dim, steps, batch_size, negatives, learning_rate, alpha: model/optimiser settings.
      corpus_walks, corpus_length, window: the co-occurrence corpus (DeepWalk-style walks).
      id_walks, id_length, id_attention_walks, pos_walks, pos_length: :func:`irwe_features`.
      log: optional ``print``-like callable for progress.

    Returns:
      :class:`IRWEResult`.

    Raises:
      ValueError: bad argument (named).
    """
    t0 = time.perf_counter()
    n = int(np.asarray(graph.n_node).sum())
    for name, v, lo in [("dim", dim, 1), ("steps", steps, 1), ("batch_size", batch_size, 1),
                        ("negatives", negatives, 1), ("corpus_walks", corpus_walks, 1),
                        ("corpus_length", corpus_length, 2), ("window", window, 1)]:
        _check_int(name, v, lo)
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if not (isinstance(alpha, (int, float)) and alpha >= 0):
        raise ValueError(f"alpha must be >= 0, got {alpha!r}")
    train_nodes = np.arange(n) if train_nodes is None else np.unique(np.asarray(train_nodes))
    if train_nodes.size == 0 or train_nodes.min() < 0 or train_nodes.max() >= n:
        raise ValueError(f"train_nodes must be non-empty ids in [0, {n}), got {train_nodes[:5]}...")
    amap = -np.ones(n, np.int64)
    amap[train_nodes] = np.arange(len(train_nodes))
    fkw = dict(id_walks=id_walks, id_length=id_length, id_attention_walks=id_attention_walks,
               pos_walks=pos_walks, pos_length=pos_length)
    kf, kt, kc, kp, kl = jax.random.split(key, 5)
    feat = irwe_features(graph, kf, anchor_of_node=amap, **fkw)
    # independent AW sample = the identity reconstruction target (denoising)
    tgt_aw = aw_distribution(node_walks(graph, kt, np.arange(n), id_walks, id_length))
    tgt_deg = feat.log_deg
    from jaxgraph.embed.walks import random_walks

    corpus = jnp.asarray(random_walks(graph, kc, walk_length=corpus_length,
                                      start_nodes=np.tile(train_nodes, corpus_walks)))
    counts = np.bincount(np.asarray(corpus).reshape(-1)[np.asarray(corpus).reshape(-1) >= 0], minlength=n)
    logp = jnp.asarray(np.where(counts > 0, 0.75 * np.log(np.maximum(counts, 1)), -np.inf), jnp.float32)

    model = IRWE(vocab_size=int(feat.aw_stats.shape[1]), num_anchors=len(train_nodes),
                 pos_steps=pos_length - 1, dim=dim)
    params = jax.jit(lambda k, f: model.init(k, f, method=IRWE.init_all))(kp, _take(feat, jnp.arange(2)))["params"]
    opt = optax.adam(learning_rate)
    opt_state = opt.init(params)
    W, Lc = corpus.shape
    num_noise = max(negatives, batch_size // 4)

    @jax.jit
    def step(params, opt_state, k, feat, corpus, tgt_aw, tgt_deg, logp):
        k1, k2, k3, k4, k5 = jax.random.split(k, 5)
        r = jax.random.randint(k1, (batch_size,), 0, W)
        i = jax.random.randint(k2, (batch_size,), 0, Lc)
        o = jax.random.randint(k3, (batch_size,), 1, window + 1) * jnp.where(
            jax.random.bernoulli(k4, 0.5, (batch_size,)), 1, -1)
        j = i + o
        inside = (j >= 0) & (j < Lc)
        u = corpus[r, i]
        v = corpus[r, jnp.clip(j, 0, Lc - 1)]
        mask = inside & (u >= 0) & (v >= 0)
        u, v = jnp.clip(u, 0), jnp.clip(v, 0)
        neg = jax.random.categorical(k5, logp, shape=(num_noise,))
        idx = jnp.concatenate([u, v, neg])
        (loss, (lp, li)), g = jax.value_and_grad(_loss_fn, has_aux=True)(
            params, model, _take(feat, idx), tgt_aw[u], tgt_deg[u], mask, batch_size, negatives, alpha)
        upd, opt_state = opt.update(g, opt_state, params)
        return optax.apply_updates(params, upd), opt_state, jnp.stack([loss, lp, li])

    losses = []
    keys = jax.random.split(kl, steps)
    for s in range(steps):
        params, opt_state, lv = step(params, opt_state, keys[s], feat, corpus, tgt_aw, tgt_deg, logp)
        losses.append(lv)
        if log is not None and (s + 1) % max(1, steps // 5) == 0:
            lv = np.asarray(lv)
            log(f"  IRWE step {s + 1}/{steps}: loss {lv[0]:.4f} (position {lv[1]:.4f}, identity {lv[2]:.4f})")
    return IRWEResult(model=model, params=params, feature_kw=fkw, anchor_of_node=amap,
                      losses=np.asarray(jnp.stack(losses)), seconds=time.perf_counter() - t0)


@functools.partial(jax.jit, static_argnums=0)
def _apply(model, params, feat):
    return model.apply({"params": params}, feat)


def embed_irwe(model: IRWE, params, feat: IRWEFeatures, *, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Runs the encoder on precomputed features in fixed-size chunks (one compilation).

    Returns:
      ``(z_id, z_pos)`` float32 numpy ``[B, d]`` each.
    """
    B = int(feat.aw_stats.shape[0])
    zi, zp = [], []
    for s in range(0, B, chunk):
        idx = np.arange(s, s + chunk)
        valid = idx < B
        part = _take(feat, jnp.asarray(np.where(valid, idx, 0)))
        a, b = _apply(model, params, part)
        zi.append(np.asarray(a)[valid])
        zp.append(np.asarray(b)[valid])
    return np.concatenate(zi), np.concatenate(zp)


def infer_irwe(result: IRWEResult, graph, key, *, seen_nodes=None, nodes=None) -> tuple[np.ndarray, np.ndarray]:
    """Inductive inference: embeddings of ``nodes`` of a (possibly new) ``graph`` from fresh walks
    and the trained parameters -- no gradient step, no parameter changes.

    Args:
      result: a trained :class:`IRWEResult`.
      graph: the graph to embed on (e.g. the training graph plus held-out nodes and their edges,
        or an unseen graph of the same family).
      key: PRNG key of the walks.
      seen_nodes: ids in ``graph`` that are the training anchors, in the training order (default:
        the training anchors by node id, which requires ``graph`` to keep the training node ids;
        pass an empty array for a wholly new graph: position then has no anchor to use).
      nodes: which nodes to embed (default all).

    Returns:
      ``(z_id, z_pos)`` float32 ``[len(nodes), d]``.

    Raises:
      ValueError: ``seen_nodes`` out of range or longer than the anchor table.
    """
    n = int(np.asarray(graph.n_node).sum())
    m = result.model.num_anchors
    if seen_nodes is None:
        train_ids = np.flatnonzero(result.anchor_of_node >= 0)
        if train_ids.size and train_ids.max() >= n:
            raise ValueError(f"graph has {n} nodes but the training anchors go up to node {train_ids.max()}")
        amap = -np.ones(n, np.int64)
        amap[train_ids] = result.anchor_of_node[train_ids]
    else:
        seen = np.asarray(seen_nodes, np.int64).reshape(-1)
        if seen.size > m or (seen.size and (seen.min() < 0 or seen.max() >= n)):
            raise ValueError(f"seen_nodes must be at most {m} ids in [0, {n}), got {seen.size} ids")
        amap = -np.ones(n, np.int64)
        amap[seen] = np.arange(seen.size)
    feat = irwe_features(graph, key, anchor_of_node=amap, nodes=nodes, **result.feature_kw)
    return embed_irwe(result.model, result.params, feat)


# ----------------------------------------------------------------------------- evaluation
def _l2(x):
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _both(z_id, z_pos):
    return np.concatenate([_l2(z_id), _l2(z_pos)], 1)


def role_classification(train_x, train_y, test_x=None, test_y=None, *, train_ratio: float = 0.5,
                        repeats: int = 5, seed: int = 0) -> dict:
    """Role classification accuracy / macro-F1 with a standardised logistic regression.

    With only ``train_x/train_y``: ``repeats`` stratified random splits (``train_ratio`` of the
    nodes to train). With ``test_x/test_y`` (an unseen graph whose node ``i`` has the same role
    label as node ``i`` of the training graph): the classifier is fitted on the training split of
    the first graph and scored on the complementary nodes of the second.

    Returns:
      ``{"acc", "macro_f1"}`` means over the repeats.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedShuffleSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = np.asarray(train_x, np.float64), np.asarray(train_y)
    Xt = X if test_x is None else np.asarray(test_x, np.float64)
    yt = y if test_y is None else np.asarray(test_y)
    if X.shape[0] != y.shape[0] or Xt.shape[0] != yt.shape[0] or Xt.shape[1] != X.shape[1]:
        raise ValueError(f"feature/label shapes do not match: {X.shape}, {y.shape}, {Xt.shape}, {yt.shape}")
    sss = StratifiedShuffleSplit(n_splits=repeats, train_size=train_ratio, random_state=seed)
    acc, f1 = [], []
    for tr, te in sss.split(X, y):
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
        clf.fit(X[tr], y[tr])
        pred = clf.predict(Xt[te])
        acc.append(float(np.mean(pred == yt[te])))
        f1.append(float(f1_score(yt[te], pred, average="macro")))
    return {"acc": float(np.mean(acc)), "macro_f1": float(np.mean(f1))}


def kmeans_nmi(x, labels, *, subset=None, seed: int = 0, n_init: int = 10) -> float:
    """k-means (k = number of classes) on L2-normalised ``x``; NMI with ``labels`` (on ``subset``
    of the nodes if given; the clustering always uses all rows)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    labels = np.asarray(labels)
    k = int(labels.max()) + 1
    pred = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(_l2(x))
    idx = np.arange(len(labels)) if subset is None else np.asarray(subset)
    return float(normalized_mutual_info_score(labels[idx], pred[idx]))


def _auc(x, pos, neg) -> float:
    from jaxgraph.linkpred.metrics import link_auc

    z = _l2(x)
    return float(link_auc(np.sum(z[pos[0]] * z[pos[1]], 1), np.sum(z[neg[0]] * z[neg[1]], 1)))


METHODS = ("IRWE-identity", "IRWE-position", "IRWE-both", "DeepWalk", "AW-distribution")


def _views(z_id, z_pos, dw, awd, gdv=None) -> dict:
    return {"IRWE-identity": z_id, "IRWE-position": z_pos, "IRWE-both": _both(z_id, z_pos),
            "DeepWalk": dw, "AW-distribution": awd, **(gdv or {})}


def _gdv(graph, cfg, log=None) -> dict:
    """Graphlet degree vectors, ``log(1 + count)``, for each size in ``cfg["gdv_sizes"]`` (4: 15
    orbits, 5: 73 orbits): the classic hand-made identity features (Pržulj 2007)."""
    from jaxgraph.embed.graphlets import orbit_counts

    out = {}
    for size in cfg.get("gdv_sizes") or ():
        t0 = time.perf_counter()
        c = orbit_counts(graph, max_nodes=int(size), self_loops="drop")
        out[f"GDV-{c.shape[1]}"] = np.log1p(c.astype(np.float64))
        if log is not None:
            log(f"  GDV-{c.shape[1]} in {time.perf_counter() - t0:.1f}s")
    return out


def _deepwalk(graph, key, c) -> np.ndarray:
    from jaxgraph.embed.skipgram import deepwalk

    return np.asarray(deepwalk(graph, key, dim=c["dim"], walks_per_node=c["walks_per_node"],
                               walk_length=c["walk_length"], window=c["window"], negatives=c["negatives"],
                               epochs=c.get("epochs", 1)))


def _irwe_kw(c: dict) -> dict:
    keys = ("dim", "steps", "batch_size", "negatives", "learning_rate", "alpha", "corpus_walks", "corpus_length",
            "window", "id_walks", "id_length", "id_attention_walks", "pos_walks", "pos_length")
    return {k: c[k] for k in keys if k in c}


def _aw_baseline(graph, key, c) -> np.ndarray:
    n = int(np.asarray(graph.n_node).sum())
    return np.asarray(aw_distribution(node_walks(graph, key, np.arange(n), c["id_walks"], c["id_length"])))


def _roles(cfg, log) -> list[dict]:
    rc = cfg["roles"]
    from jaxgraph.embed.role_graphs import role_graph

    key = jax.random.PRNGKey(cfg["seed"])
    ic = dict(cfg["irwe"], **rc.get("irwe", {}))
    rows = []
    for fi, fam in enumerate(rc["families"]):
        g1 = role_graph(fam, scale=rc["scale"], noise=rc["noise"], seed=cfg["seed"])
        g2 = role_graph(fam, scale=rc["scale"], noise=rc["noise"], seed=cfg["seed"] + 1000)
        y = g1.labels
        log(f"roles/{fam}: {g1.num_nodes} nodes, {g1.num_classes} automorphism classes, "
            f"{g1.extras['noise_edges'].shape[1]} noise edges")
        k = jax.random.fold_in(key, fi)
        kf, ke, ki, kd, ka, kb = jax.random.split(k, 6)
        res = fit_irwe(g1.graph, kf, log=log, **_irwe_kw(ic))
        z_id, z_pos = infer_irwe(res, g1.graph, ke)
        dw = _deepwalk(g1.graph, kd, dict(cfg["deepwalk"], **rc.get("deepwalk", {})))
        awd = _aw_baseline(g1.graph, ka, ic)
        gdv1, gdv2 = _gdv(g1.graph, cfg), _gdv(g2.graph, cfg)
        ev = dict(train_ratio=rc["train_ratio"], repeats=rc["repeats"], seed=cfg["seed"])
        for name, x in _views(z_id, z_pos, dw, awd, gdv1).items():
            r = role_classification(x, y, **ev)
            rows.append({"dataset": f"roles/{fam}", "setting": "transductive", "method": name,
                         "role_acc": r["acc"], "role_macro_f1": r["macro_f1"]})
        # unseen graph (same family, other noise): identity embeddings inferred, no retraining
        zi2, zp2 = infer_irwe(res, g2.graph, ki, seen_nodes=np.zeros(0, np.int64))
        awd2 = _aw_baseline(g2.graph, kb, ic)
        pairs = {"IRWE-identity": (z_id, zi2), "AW-distribution": (awd, awd2), **{m: (gdv1[m], gdv2[m]) for m in gdv1}}
        for name, (a, b) in pairs.items():
            r = role_classification(a, y, b, g2.labels, **ev)
            rows.append({"dataset": f"roles/{fam}", "setting": "inductive (unseen graph)", "method": name,
                         "role_acc": r["acc"], "role_macro_f1": r["macro_f1"]})
        for name in ("IRWE-position", "IRWE-both", "DeepWalk"):
            rows.append({"dataset": f"roles/{fam}", "setting": "inductive (unseen graph)", "method": name,
                         "role_acc": None, "role_macro_f1": None})
    return rows


def _cora(cfg, log, inductive: bool = True) -> list[dict]:
    from jaxgraph.data import load
    from jaxgraph.linkpred.split import link_split

    cc = cfg["cora"]
    ds = load(cc["dataset"], root=cfg.get("data_root"))
    n, y = ds.num_nodes, np.asarray(ds.labels)
    split = link_split(ds.graph, val_fraction=cc["val_fraction"], test_fraction=cc["test_fraction"],
                       seed=cfg["seed"])
    mg = split.message_graph()
    rng = np.random.default_rng(cfg["seed"])
    held = np.sort(rng.choice(n, int(round(cc["heldout_fraction"] * n)), replace=False))
    seen = np.setdiff1d(np.arange(n), held)
    is_held = np.zeros(n, bool)
    is_held[held] = True
    ms, mr = split.message
    keep = ~is_held[ms] & ~is_held[mr]
    from jaxgraph.graph.build import from_edge_list

    g_train = from_edge_list(ms[keep], mr[keep], n)
    log(f"{cc['dataset']}: {n} nodes, message graph {mg.senders.shape[0] // 2} edges, "
        f"{len(held)} held-out nodes ({g_train.senders.shape[0] // 2} edges among the rest)")
    ic = dict(cfg["irwe"], **cc.get("irwe", {}))
    dc = dict(cfg["deepwalk"], **cc.get("deepwalk", {}))
    key = jax.random.fold_in(jax.random.PRNGKey(cfg["seed"]), 7)
    k1, k2, k3, k4, k5, k6, k7 = jax.random.split(key, 7)
    pos, neg = split.test_pos, split.test_neg
    rows = []
    # transductive: train on the whole message graph
    res = fit_irwe(mg, k1, log=log, **_irwe_kw(ic))
    log(f"  IRWE trained in {res.seconds:.1f}s")
    z_id, z_pos = infer_irwe(res, mg, k2)
    t0 = time.perf_counter()
    dw = _deepwalk(mg, k3, dc)
    log(f"  DeepWalk trained in {time.perf_counter() - t0:.1f}s")
    awd = _aw_baseline(mg, k4, ic)
    gdv = _gdv(mg, cfg, log)
    for name, x in _views(z_id, z_pos, dw, awd, gdv).items():
        rows.append({"dataset": cc["dataset"], "setting": "transductive", "method": name,
                     "nmi": kmeans_nmi(x, y, seed=cfg["seed"]), "lp_auc": _auc(x, pos, neg)})
    if not inductive:
        return rows
    # inductive: train without the held-out nodes, embed them from walks on the message graph
    res2 = fit_irwe(g_train, k5, train_nodes=seen, log=log, **_irwe_kw(ic))
    zi2, zp2 = infer_irwe(res2, mg, k6)
    dw2 = np.array(_deepwalk(g_train, k7, dc))
    adj = [[] for _ in range(n)]
    for a, b in zip(ms.tolist(), mr.tolist()):
        if not is_held[b]:
            adj[a].append(b)
    for v in held:  # DeepWalk has no inductive map: mean of the seen neighbours' vectors
        dw2[v] = dw2[adj[v]].mean(0) if adj[v] else 0.0
    touch = is_held[pos[0]] | is_held[pos[1]], is_held[neg[0]] | is_held[neg[1]]
    pos_h, neg_h = pos[:, touch[0]], neg[:, touch[1]]
    log(f"  held-out test pairs: {pos_h.shape[1]} positive, {neg_h.shape[1]} negative")
    for name, x in _views(zi2, zp2, dw2, awd, gdv).items():
        rows.append({"dataset": cc["dataset"], "setting": "inductive (held-out nodes)", "method": name,
                     "nmi": kmeans_nmi(x, y, subset=held, seed=cfg["seed"]),
                     "lp_auc": _auc(x, pos_h, neg_h)})
    return rows


def run_irwe(cfg: dict, log=print) -> list[dict]:
    """The IRWE experiment (config: ``experiments/embeddings/configs/irwe.py``).

    Rows ``{"dataset", "setting", "method", "role_acc", "role_macro_f1"}`` for every role family
    (transductive; and an unseen graph of the same family for the inductive methods) and
    ``{"dataset", "setting", "method", "nmi", "lp_auc"}`` for Cora (transductive on the message
    graph of a leakage-free link split; inductive on held-out nodes absent from training).
    """
    t0 = time.perf_counter()
    rows = []
    if cfg.get("roles"):
        rows += _roles(cfg, log)
    if cfg.get("cora"):
        rows += _cora(cfg, log)
    log(f"IRWE experiment done in {time.perf_counter() - t0:.1f}s")
    return rows


def _claim(rows) -> dict:
    """Headline claim numbers: each IRWE output beats the single-view baseline that lacks its
    view (IRWE-identity vs DeepWalk on role accuracy, IRWE-position vs the AW distribution on
    community NMI; transductive, averaged over the role families / community datasets)."""
    def mean(roles, method, k):
        v = [r[k] for r in rows if r["dataset"].startswith("roles/") == roles
             and r["setting"] == "transductive" and r["method"] == method and r.get(k) is not None]
        return float(np.mean(v)) if v else float("nan")

    role_gap = mean(True, "IRWE-identity", "role_acc") - mean(True, "DeepWalk", "role_acc")
    nmi_gap = mean(False, "IRWE-position", "nmi") - mean(False, "AW-distribution", "nmi")
    return {"role_gap_vs_deepwalk": role_gap, "nmi_gap_vs_identity": nmi_gap,
            "claim": float(np.min([role_gap, nmi_gap]))}  # NaN if either part is missing


def _methods(rows) -> list[str]:
    """:data:`METHODS` then any extra baselines (GDVs) in the order they appear."""
    extra = [m for m in dict.fromkeys(r["method"] for r in rows) if m not in METHODS]
    return [*METHODS, *extra]


def summarize_irwe(rows: list[dict], cfg: dict) -> str:
    """Table: one line per (dataset, setting), one column per method (role accuracy, or
    NMI / LP AUC), then the headline-claim line."""
    from jaxgraph.train.runners import format_table

    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"
    out = []
    groups = []
    for r in rows:
        if (r["dataset"], r["setting"]) not in groups:
            groups.append((r["dataset"], r["setting"]))
    table = []
    for ds, st in groups:
        rs = {r["method"]: r for r in rows if r["dataset"] == ds and r["setting"] == st}
        metrics = [("role_acc", "acc"), ("role_macro_f1", "macro-F1")] if ds.startswith("roles/") else \
            [("nmi", "NMI"), ("lp_auc", "LP AUC")]
        for k, label in metrics:
            line = {"dataset": ds, "setting": st, "metric": label}
            line.update({m: fmt(rs[m].get(k)) if m in rs else "" for m in _methods(rows)})
            table.append(line)
    out.append(format_table(table, ["dataset", "setting", "metric", *_methods(rows)]))
    c = _claim(rows)
    out.append(f"\nclaim: IRWE-identity role accuracy - DeepWalk = {c['role_gap_vs_deepwalk']:.3f}; "
               f"IRWE-position NMI - AW-distribution NMI = {c['nmi_gap_vs_identity']:.3f}; "
               f"min = {c['claim']:.3f} (holds if >= 0.1)")
    return "\n".join(out)


def quick_config() -> dict:
    """The small setting of :func:`quick_claim` (also the smoke-test base)."""
    irwe = dict(dim=32, steps=150, batch_size=128, negatives=5, learning_rate=1e-2, alpha=1.0, corpus_walks=4,
                corpus_length=20, window=5, id_walks=48, id_length=5, id_attention_walks=8, pos_walks=8,
                pos_length=6)
    return dict(task="irwe", seed=0, data_root=None,
                irwe=irwe,
                deepwalk=dict(dim=32, walks_per_node=4, walk_length=20, window=5, negatives=5),
                roles=dict(families=["houses"], scale=1, noise=0.05, train_ratio=0.5, repeats=5),
                cora=dict(dataset="cora", val_fraction=0.05, test_fraction=0.1, heldout_fraction=0.1))


def quick_claim(quick: bool = True) -> float:
    """Headline claim of IRWE (Qin & Yeung, TMLR 2024), measured cheaply: one embedding method
    serves both structural roles and communities, where each single-view baseline fails one.

    Returns ``min(acc_role(IRWE-identity) - acc_role(DeepWalk), NMI_Cora(IRWE-position) -
    NMI_Cora(AW distribution))`` (transductive; each IRWE output on the tasks of its view, as the
    paper evaluates them); the claim holds if it is >= 0.1. ``quick=True``
    uses :func:`quick_config` without the inductive Cora part; ``quick=False`` the full config.
    """
    if quick:
        cfg = quick_config()
        rows = _roles(cfg, lambda *a: None) + _cora(cfg, lambda *a: None, inductive=False)
    else:
        from experiments.embeddings.configs.irwe import get_config

        rows = run_irwe(get_config().to_dict(), log=lambda *a: None)
    return _claim(rows)["claim"]

