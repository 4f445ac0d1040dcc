"""Skip-gram with negative sampling (SGNS) on random-walk corpora: DeepWalk and node2vec in JAX.

* T. Mikolov, I. Sutskever, K. Chen, G. Corrado, J. Dean, "Distributed Representations of Words
  and Phrases and their Compositionality", NeurIPS 2013 (skip-gram, negative sampling with the
  unigram^(3/4) noise distribution, SGD with a linearly decaying learning rate).
* B. Perozzi, R. Al-Rfou, S. Skiena, "DeepWalk", KDD 2014: skip-gram on uniform truncated walks.
* A. Grover, J. Leskovec, "node2vec", KDD 2016: skip-gram on p/q-biased second-order walks;
  defaults d=128, r=10 walks per node, l=80, window k=10 (Sec. 4.1).

Objective. A walk ``w`` yields the pairs ``(center w_i, context w_j)`` for ``1 <= |i-j| <= window``
with both entries ``>= 0`` (``-1`` is walk padding). With input vectors ``v`` (the returned
embeddings) and output vectors ``u``, the SGNS loss of a pair ``(c, o)`` is::

    -log sigma(u_o . v_c) - sum_{k=1..K} log sigma(-u_{n_k} . v_c),    n_k ~ P_n(x) ∝ count(x)^(3/4)

where ``count`` is the number of occurrences of node ``x`` in the walk corpus; every pair gets its
own ``K`` fresh noise samples (inverse-CDF sampling, ``searchsorted`` on the cumulative ``P_n``).

Training. Whole walks are the unit of a minibatch: every step takes ``max(1, batch_size //
pairs_per_walk)`` walks of a per-epoch shuffled order, evaluates the summed loss of all their
pairs with shifted elementwise products (no pair list is ever materialised), and applies the
word2vec update ``theta <- theta - lr_t * grad`` to the touched rows only (sparse scatter-add; a
row used several times in a step receives the sum of its gradients, as in Hogwild word2vec).
Summing is what sequential SGD would do for rare nodes, but a hub that occurs hundreds of times
in one step (as a center, context or negative) takes hundreds of simultaneous steps: a Jacobi
update where word2vec makes Kaczmarz-like sequential ones, which diverges once
``lr * (curvature of the row's summed loss)`` exceeds 2 (seen on PPI: the loss climbs from 4.2
to 25). The **curvature guard** bounds that product. For each row it sums, over the row's
pairs in the step, a Gershgorin bound on the pair's Hessian row, ``sigma'(s) (|p|^2 + |x| |p|) +
|dl/ds|`` (``x`` the row, ``p`` its partner, ``s = u . v``; the last term is the bilinear
coupling of ``u`` and ``v``), computed by :func:`sgns_block_curvature`, and scales the row's
summed gradient by ``min(1, guard / (lr_t * H_row))`` (``guard = 2`` by default). Rows of rare
nodes keep the plain SGD step; hubs are slowed only as much as their current curvature needs.
(An earlier version capped by occurrence count, ``min(1, row_cap / c)`` with ``row_cap = 16``:
it still diverged on PPI, and smaller caps under-train BlogCatalog's hubs; ``row_cap`` remains
as an option, off by default.) Measured against gensim's sequential SGNS on the same walks
(``experiments/benchmarks/skipgram_vs_gensim.py``, RESULTS.md).
``lr_t = learning_rate * max(1 - t / T, 1e-4)`` decays linearly over the ``T`` steps. The
initialisation is word2vec's: ``v ~ U(-0.5/dim, 0.5/dim)``, ``u = 0``. The steps run in a jitted
``lax.scan`` in chunks (a tqdm bar advances per chunk when ``progress=True``).
"""
from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.embed.walks import _check_positive_float, _check_positive_int, _num_nodes, random_walks

__all__ = ["SkipGramResult", "skipgram_pairs", "unigram_noise", "sgns_block_loss", "sgns_block_curvature",
           "fit_skipgram", "train_skipgram", "deepwalk", "node2vec"]


@dataclasses.dataclass
class SkipGramResult:
    """Output of :func:`fit_skipgram`.

    Attributes:
      embeddings: float32 ``[N, dim]`` input vectors ``v`` (the node embeddings).
      context: float32 ``[N, dim]`` output vectors ``u``.
      losses: float32 ``[T]`` mean SGNS loss per (center, context) pair at each step (before
        the step's update); steps without pairs (padding) hold NaN.
      num_pairs: pairs per epoch in the corpus.
    """

    embeddings: np.ndarray
    context: np.ndarray
    losses: np.ndarray
    num_pairs: int


def _check_walks(walks, num_nodes: int) -> np.ndarray:
    w = np.asarray(walks)
    if w.ndim != 2:
        raise ValueError(f"walks must be a 2-D [num_walks, walk_length] array, got shape {w.shape}")
    if w.size and not np.issubdtype(w.dtype, np.integer):
        raise ValueError(f"walks must be integer node ids, got dtype {w.dtype}")
    if w.size and (w.min() < -1 or w.max() >= num_nodes):
        bad = w[(w < -1) | (w >= num_nodes)][0]
        raise ValueError(f"walks contains node id {int(bad)} outside [-1, num_nodes={num_nodes})")
    return w.astype(np.int32)


def skipgram_pairs(walks, window: int) -> np.ndarray:
    """All (center, context) pairs of a walk corpus (the pairs the SGNS loss sums over).

    Args:
      walks: int ``[W, L]`` node ids, ``-1`` = padding.
      window: maximum distance ``|i - j|`` between center position ``i`` and context ``j``.

    Returns:
      int32 ``[2, P]``: row 0 centers, row 1 contexts; ordered by offset ``o = 1..window``, then
      direction (context after, then before the center), then walk, then position.

    Raises:
      ValueError: ``walks`` not 2-D integer ``>= -1``, ``window < 1``.
    """
    window = _check_positive_int("window", window)
    w = np.asarray(walks)
    if w.ndim != 2:
        raise ValueError(f"walks must be a 2-D [num_walks, walk_length] array, got shape {w.shape}")
    if w.size and (not np.issubdtype(w.dtype, np.integer) or w.min() < -1):
        raise ValueError(f"walks must be integer node ids >= -1, got dtype {w.dtype}, min {w.min()}")
    out = []
    for o in range(1, min(window, w.shape[1] - 1) + 1):
        a, b = w[:, :-o], w[:, o:]
        m = (a >= 0) & (b >= 0)
        out.append(np.stack([a[m], b[m]]))
        out.append(np.stack([b[m], a[m]]))
    if not out:
        return np.zeros((2, 0), np.int32)
    return np.concatenate(out, axis=1).astype(np.int32)


def unigram_noise(walks, num_nodes: int, power: float = 0.75) -> np.ndarray:
    """Noise distribution ``P_n(x) ∝ count(x)^power`` over ``[num_nodes]`` (float64, sums to 1).

    ``count(x)`` is the number of occurrences of ``x`` in ``walks`` (``-1`` ignored). Raises
    ValueError if the corpus is empty.
    """
    w = np.asarray(walks).reshape(-1)
    w = w[w >= 0]
    if w.size == 0:
        raise ValueError("walks contains no node (all entries are -1 or the array is empty)")
    counts = np.bincount(w, minlength=num_nodes).astype(np.float64)
    probs = counts ** power
    return probs / probs.sum()


def sgns_block_loss(v_rows, u_rows, neg_rows, valid, window: int):
    """Summed SGNS loss of all pairs of a block of walks (see module docstring).

    Args:
      v_rows: ``[B, L, d]`` input vectors of the block's nodes.
      u_rows: ``[B, L, d]`` output vectors of the same nodes.
      neg_rows: ``[B, L, 2 * w, K, d]`` output vectors of the noise nodes, ``w = min(window, L-1)``:
        ``neg_rows[b, i, 2 * (o - 1) + s]`` are the ``K`` negatives of the pair whose center is
        position ``i`` and whose context is ``i + o`` (``s = 0``) or ``i - o`` (``s = 1``).
      valid: bool ``[B, L]`` (node id ``>= 0``).
      window: static int.

    Returns:
      ``(loss, num_pairs)``: scalar summed loss and scalar number of pairs.
    """
    length = valid.shape[1]
    validf = valid.astype(v_rows.dtype)
    loss = jnp.zeros((), v_rows.dtype)
    count = jnp.zeros((), v_rows.dtype)
    masks = []  # [B, L] per negative slot: does the pair with this center position and slot exist?
    for o in range(1, min(window, length - 1) + 1):
        m = validf[:, :-o] * validf[:, o:]
        # center i, context i + o  /  center i + o, context i
        s_fwd = jnp.sum(v_rows[:, :-o] * u_rows[:, o:], axis=-1)
        s_bwd = jnp.sum(v_rows[:, o:] * u_rows[:, :-o], axis=-1)
        loss = loss + jnp.sum(m * (jax.nn.softplus(-s_fwd) + jax.nn.softplus(-s_bwd)))
        count = count + 2 * jnp.sum(m)
        zeros = jnp.zeros((m.shape[0], o), m.dtype)
        masks.append(jnp.concatenate([m, zeros], axis=1))  # slot 2(o-1): pair (i, i + o) at center i
        masks.append(jnp.concatenate([zeros, m], axis=1))  # slot 2(o-1)+1: pair (i, i - o) at center i
    if masks:
        mask = jnp.stack(masks, axis=2)  # [B, L, 2w]
        b, n_l, n_s, n_k, d = neg_rows.shape
        # one batched mat-vec per center position ([B*L, S*K, d] x [B*L, d]; the 5-D einsum lowers badly on CPU)
        neg_s = jnp.einsum("nkd,nd->nk", neg_rows.reshape(b * n_l, n_s * n_k, d),
                           v_rows.reshape(b * n_l, d)).reshape(b, n_l, n_s, n_k)
        loss = loss + jnp.sum(mask[..., None] * jax.nn.softplus(neg_s))
    return loss, count


def sgns_block_curvature(v_rows, u_rows, neg_rows, valid, window: int):
    """Per-occurrence curvature bound of the summed SGNS loss of a block, for the guard of
    :func:`fit_skipgram` (arguments as :func:`sgns_block_loss`).

    A pair's loss is ``l(s) = softplus(-+ s)`` with ``s = x . p`` (``x``, ``p`` its two rows). Its
    Hessian has diagonal block ``l''(s) p p^T`` for ``x`` and off-diagonal block
    ``l''(s) p x^T + l'(s) I`` between ``x`` and ``p``, of spectral norms at most
    ``l''|p|^2`` and ``l''|x||p| + |l'|``. Each pair therefore adds
    ``h = sigma'(s) (|p|^2 + |x||p|) + |l'(s)|`` to row ``x``'s block-Gershgorin row sum (and
    symmetrically to ``p``'s); summed over all of a row's occurrences in the block, the maximum
    over rows bounds every eigenvalue of the Hessian of the block's summed loss with respect to
    all rows (Feingold-Varga; tested against ``jax.hessian`` in float64).

    Returns:
      ``(hv [B, L], hu [B, L], hneg [B, L, 2w, K])``: the sums of ``h`` over the pairs in which
      position ``(b, i)``'s input row, position ``(b, i)``'s output row and each noise row take part.
    """
    length = valid.shape[1]
    validf = valid.astype(v_rows.dtype)
    nv = jnp.sum(v_rows * v_rows, axis=-1)
    nu = jnp.sum(u_rows * u_rows, axis=-1)
    hv = jnp.zeros(valid.shape, v_rows.dtype)
    hu = jnp.zeros(valid.shape, v_rows.dtype)
    masks = []

    def dsig(x):
        sg = jax.nn.sigmoid(x)
        return sg * (1.0 - sg)

    rv, ru = jnp.sqrt(nv), jnp.sqrt(nu)
    for o in range(1, min(window, length - 1) + 1):
        m = validf[:, :-o] * validf[:, o:]
        s_fwd = jnp.sum(v_rows[:, :-o] * u_rows[:, o:], axis=-1)
        s_bwd = jnp.sum(v_rows[:, o:] * u_rows[:, :-o], axis=-1)
        df, db = m * dsig(s_fwd), m * dsig(s_bwd)
        gf, gb = m * jax.nn.sigmoid(-s_fwd), m * jax.nn.sigmoid(-s_bwd)  # |d loss / d s| of a positive pair
        pad = jnp.zeros((m.shape[0], o), m.dtype)
        cross_f, cross_b = rv[:, :-o] * ru[:, o:], rv[:, o:] * ru[:, :-o]
        hv_f = df * (nu[:, o:] + cross_f) + gf      # center i (input row), partner u_{i+o}
        hu_f = df * (nv[:, :-o] + cross_f) + gf     # context i+o (output row), partner v_i
        hv_b = db * (nu[:, :-o] + cross_b) + gb     # center i+o, partner u_i
        hu_b = db * (nv[:, o:] + cross_b) + gb      # context i, partner v_{i+o}
        hv = hv + jnp.concatenate([hv_f, pad], 1) + jnp.concatenate([pad, hv_b], 1)
        hu = hu + jnp.concatenate([pad, hu_f], 1) + jnp.concatenate([hu_b, pad], 1)
        masks.append(jnp.concatenate([m, pad], axis=1))
        masks.append(jnp.concatenate([pad, m], axis=1))
    if not masks:
        return hv, hu, jnp.zeros(neg_rows.shape[:-1], v_rows.dtype)
    mask = jnp.stack(masks, axis=2)
    b, n_l, n_s, n_k, d = neg_rows.shape
    neg_s = jnp.einsum("nkd,nd->nk", neg_rows.reshape(b * n_l, n_s * n_k, d),
                       v_rows.reshape(b * n_l, d)).reshape(b, n_l, n_s, n_k)
    mk = mask[..., None]
    dn, gn = mk * dsig(neg_s), mk * jax.nn.sigmoid(neg_s)
    nn_ = jnp.sum(neg_rows * neg_rows, axis=-1)
    cross_n = rv[:, :, None, None] * jnp.sqrt(nn_)
    hv = hv + jnp.sum(dn * (nn_ + cross_n) + gn, axis=(2, 3))
    hneg = dn * (nv[:, :, None, None] + cross_n) + gn
    return hv, hu, hneg


@functools.partial(jax.jit, static_argnames=("window", "negatives", "walks_per_step", "chunk", "row_cap", "guard"),
                   donate_argnums=(0, 1))
def _train_chunk(v, u, walks_padded, order, cdf, key, step0, total_steps, lr0, *, window: int, negatives: int,
                 walks_per_step: int, chunk: int, row_cap: float, guard: float):
    """``chunk`` SGD steps starting at global step ``step0``; returns ``(v, u, losses [chunk])``."""

    def step(carry, t):
        v, u = carry
        g = step0 + t
        rows = jax.lax.dynamic_slice(order, (g * walks_per_step,), (walks_per_step,))
        block = walks_padded[rows]  # [B, L]
        valid = block >= 0
        ids = jnp.maximum(block, 0)
        slots = 2 * min(window, block.shape[1] - 1)
        unif = jax.random.uniform(jax.random.fold_in(key, g), block.shape + (max(slots, 1), negatives))
        neg_ids = jnp.minimum(jnp.searchsorted(cdf, unif, side="right"), v.shape[0] - 1)
        v_rows, u_rows, neg_rows = v[ids], u[ids], u[neg_ids]

        def loss_fn(vr, ur, nr):
            return sgns_block_loss(vr, ur, nr, valid, window)

        (loss, npairs), grads = jax.value_and_grad(loss_fn, argnums=(0, 1, 2), has_aux=True)(v_rows, u_rows, neg_rows)
        lr = lr0 * jnp.maximum(1.0 - g.astype(jnp.float32) / total_steps, 1e-4)
        n = v.shape[0]
        sv = jnp.ones(n, jnp.float32)
        su = jnp.ones(n, jnp.float32)
        if math.isfinite(row_cap):  # a row gathered c times: summed gradient scaled by min(1, row_cap / c)
            cnt_v = jnp.zeros(n, jnp.float32).at[ids].add(valid.astype(jnp.float32))
            cnt_u = cnt_v.at[neg_ids].add(jnp.ones(neg_ids.shape, jnp.float32))
            sv = jnp.minimum(sv, row_cap / jnp.maximum(cnt_v, 1.0))
            su = jnp.minimum(su, row_cap / jnp.maximum(cnt_u, 1.0))
        if math.isfinite(guard):  # curvature guard: lr * scale * H_row <= guard
            hv, hu, hneg = sgns_block_curvature(v_rows, u_rows, neg_rows, valid, window)
            curv_v = jnp.zeros(n, jnp.float32).at[ids].add(hv)
            curv_u = jnp.zeros(n, jnp.float32).at[ids].add(hu).at[neg_ids].add(hneg)
            sv = jnp.minimum(sv, guard / jnp.maximum(lr * curv_v, 1e-30))
            su = jnp.minimum(su, guard / jnp.maximum(lr * curv_u, 1e-30))
        v = v.at[ids].add(-lr * sv[ids][..., None] * grads[0])
        u = u.at[ids].add(-lr * su[ids][..., None] * grads[1]).at[neg_ids].add(-lr * su[neg_ids][..., None] * grads[2])
        mean = jnp.where(npairs > 0, loss / jnp.maximum(npairs, 1.0), jnp.nan)
        return (v, u), mean

    (v, u), losses = jax.lax.scan(step, (v, u), jnp.arange(chunk))
    return v, u, losses


def fit_skipgram(walks, num_nodes: int, key, *, dim: int = 128, window: int = 10, negatives: int = 5,
                 epochs: int = 1, learning_rate: float = 0.025, batch_size: int = 8192,
                 progress: bool = False, guard: float = 2.0, row_cap: float = math.inf) -> SkipGramResult:
    """Trains SGNS on a walk corpus; returns embeddings, context vectors and the loss curve.

    Same arguments as :func:`train_skipgram` (see the module docstring for the update rule), plus
    ``guard`` (> 0, ``inf`` = off): the curvature guard of the module docstring, each row's step
    is scaled by ``min(1, guard / (lr_t * H_row))``; ``row_cap`` (> 0, ``inf`` = off, the default):
    a row gathered ``c`` times in one step has its summed gradient also scaled by
    ``min(1, row_cap / c)`` (the count cap of earlier versions, which used ``row_cap=16``).
    """
    num_nodes = _check_positive_int("num_nodes", num_nodes)
    w = _check_walks(walks, num_nodes)
    dim = _check_positive_int("dim", dim)
    window = _check_positive_int("window", window)
    negatives = _check_positive_int("negatives", negatives)
    epochs = _check_positive_int("epochs", epochs)
    learning_rate = _check_positive_float("learning_rate", learning_rate)
    batch_size = _check_positive_int("batch_size", batch_size)
    row_cap, guard = float(row_cap), float(guard)
    if not row_cap > 0:
        raise ValueError(f"row_cap must be > 0, got {row_cap!r}")
    if not guard > 0:
        raise ValueError(f"guard must be > 0, got {guard!r}")
    num_walks, length = w.shape
    valid = w >= 0
    num_pairs = 0
    for o in range(1, min(window, length - 1) + 1):
        num_pairs += 2 * int(np.sum(valid[:, :-o] & valid[:, o:]))
    if num_pairs == 0:
        raise ValueError(f"walks of shape {w.shape} contain no (center, context) pair within window={window}")
    noise = unigram_noise(w, num_nodes)
    cdf = np.cumsum(noise)
    cdf = (cdf / cdf[-1]).astype(np.float32)

    pairs_per_walk = 2 * sum(max(length - o, 0) for o in range(1, window + 1))
    walks_per_step = max(1, min(num_walks, batch_size // max(pairs_per_walk, 1)))
    steps_per_epoch = -(-num_walks // walks_per_step)
    total = steps_per_epoch * epochs
    chunk = max(1, min(total, 256))
    num_chunks = -(-total // chunk)
    padded_steps = num_chunks * chunk

    key_init, key_perm, key_neg = jax.random.split(key, 3)
    # Per-epoch shuffled walk order, padded with the index of an all -1 walk.
    pad_row = num_walks
    orders = []
    for e, k in enumerate(jax.random.split(key_perm, epochs)):
        perm = np.asarray(jax.random.permutation(k, num_walks))
        perm = np.concatenate([perm, np.full(steps_per_epoch * walks_per_step - num_walks, pad_row)])
        orders.append(perm)
    order = np.concatenate(orders + [np.full((padded_steps - total) * walks_per_step, pad_row)]).astype(np.int32)
    walks_padded = np.concatenate([w, np.full((1, length), -1, np.int32)])

    v = jax.random.uniform(key_init, (num_nodes, dim), jnp.float32, -0.5 / dim, 0.5 / dim)
    u = jnp.zeros((num_nodes, dim), jnp.float32)
    walks_d, order_d, cdf_d = jnp.asarray(walks_padded), jnp.asarray(order), jnp.asarray(cdf)
    losses = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="skip-gram", unit="step")
    for c in range(num_chunks):
        v, u, lc = _train_chunk(v, u, walks_d, order_d, cdf_d, key_neg, jnp.int32(c * chunk), jnp.float32(total),
                                jnp.float32(learning_rate), window=window, negatives=negatives,
                                walks_per_step=walks_per_step, chunk=chunk, row_cap=row_cap, guard=guard)
        losses.append(lc)
        if bar is not None:
            lc_np = np.asarray(lc)
            bar.update(min(chunk, total - c * chunk))
            finite = lc_np[np.isfinite(lc_np)]
            if finite.size:
                bar.set_postfix(loss=f"{finite.mean():.4f}")
    if bar is not None:
        bar.close()
    losses = np.concatenate([np.asarray(x) for x in losses])[:total].astype(np.float32)
    return SkipGramResult(embeddings=np.asarray(v, np.float32), context=np.asarray(u, np.float32),
                          losses=losses, num_pairs=num_pairs)


def train_skipgram(walks, num_nodes: int, key, *, dim: int = 128, window: int = 10, negatives: int = 5,
                   epochs: int = 1, learning_rate: float = 0.025, batch_size: int = 8192,
                   progress: bool = False) -> np.ndarray:
    """Skip-gram with negative sampling (Mikolov et al. 2013) on a walk corpus.

    Args:
      walks: int ``[W, L]`` walks (e.g. from :func:`jaxgraph.embed.walks.random_walks`); ``-1``
        entries are padding and form no pair.
      num_nodes: ``N``; node ids are in ``[0, N)``.
      key: ``jax.random`` key (initialisation, walk order, negatives).
      dim: embedding dimension ``d``.
      window: context window ``k`` (pairs up to ``k`` positions apart, both sides).
      negatives: noise samples ``K`` per (center, context) pair (drawn from unigram^0.75).
      epochs: passes over the corpus.
      learning_rate: initial SGD rate, decayed linearly to ``1e-4`` of it.
      batch_size: target pairs per step (whole walks are taken; at least one walk per step).
      progress: show a tqdm progress bar.

    Returns:
      float32 numpy ``[N, dim]`` embeddings (input vectors). Nodes absent from the corpus keep
      their random initialisation.

    Raises:
      ValueError: ``walks`` not 2-D integers in ``[-1, N)``; a non-positive ``num_nodes``, ``dim``,
        ``window``, ``negatives``, ``epochs``, ``batch_size`` or ``learning_rate``; a corpus with
        no pair.
    """
    return fit_skipgram(walks, num_nodes, key, dim=dim, window=window, negatives=negatives, epochs=epochs,
                        learning_rate=learning_rate, batch_size=batch_size, progress=progress).embeddings


def deepwalk(graph: jraph.GraphsTuple, key, *, dim: int = 128, walks_per_node: int = 10, walk_length: int = 80,
             window: int = 10, negatives: int = 5, epochs: int = 1, **kw) -> np.ndarray:
    """DeepWalk (Perozzi et al., KDD 2014): uniform walks + skip-gram with negative sampling.

    DeepWalk trained skip-gram with hierarchical softmax; here negative sampling (as in node2vec,
    whose p = q = 1 case this is) is used. Defaults are node2vec's (r=10, l=80, k=10, d=128).
    Differences from the reference code (phanein/deepwalk, gensim ``Word2Vec(sg=1, hs=1)``): gensim
    also trains 5 epochs by default, draws a random reduced window per center and down-samples
    frequent nodes (``sample=1e-3``); none of these is done here (``epochs=1`` unless given).

    Args:
      graph: ``jraph.GraphsTuple`` with ``N`` nodes (both directions for undirected graphs).
      key: ``jax.random`` key.
      dim, walks_per_node, walk_length, window, negatives, epochs: see :func:`random_walks` and
        :func:`train_skipgram`.
      **kw: further :func:`train_skipgram` arguments (``learning_rate``, ``batch_size``,
        ``progress``).

    Returns:
      float32 numpy ``[N, dim]``.

    Raises:
      ValueError: as :func:`random_walks` and :func:`train_skipgram`.
    """
    return node2vec(graph, key, p=1.0, q=1.0, dim=dim, walks_per_node=walks_per_node, walk_length=walk_length,
                    window=window, negatives=negatives, epochs=epochs, **kw)


def node2vec(graph: jraph.GraphsTuple, key, *, p: float = 1.0, q: float = 1.0, dim: int = 128,
             walks_per_node: int = 10, walk_length: int = 80, window: int = 10, negatives: int = 5,
             epochs: int = 1, **kw) -> np.ndarray:
    """node2vec (Grover & Leskovec, KDD 2016): p/q-biased second-order walks + SGNS.

    Args:
      graph: ``jraph.GraphsTuple`` with ``N`` nodes.
      key: ``jax.random`` key.
      p: return parameter (> 0); q: in-out parameter (> 0).
      dim, walks_per_node, walk_length, window, negatives, epochs: see :func:`random_walks` and
        :func:`train_skipgram`.
      **kw: further :func:`train_skipgram` arguments.

    Returns:
      float32 numpy ``[N, dim]``.

    Raises:
      ValueError: as :func:`random_walks` and :func:`train_skipgram`.
    """
    n = _num_nodes(graph)
    k_walk, k_train = jax.random.split(key)
    walks = random_walks(graph, k_walk, walks_per_node=walks_per_node, walk_length=walk_length, p=p, q=q)
    return train_skipgram(walks, n, k_train, dim=dim, window=window, negatives=negatives, epochs=epochs, **kw)
