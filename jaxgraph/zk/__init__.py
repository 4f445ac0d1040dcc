"""Zero-knowledge proof machinery for zkDL ("zkDL: Efficient Zero-Knowledge Proofs of Deep
Learning Training").

Modules:
  :mod:`~jaxgraph.zk.field`       Goldilocks field F_p (p = 2^64 - 2^32 + 1) on uint64 arrays and
                                  its quadratic extension F_p[X]/(X^2 - 7); soundness numbers.
  :mod:`~jaxgraph.zk.transcript`  Fiat-Shamir transcript (SHA-256, canonical encodings).
  :mod:`~jaxgraph.zk.mle`         multilinear extensions: evaluate, fold, eq tables.
  :mod:`~jaxgraph.zk.sumcheck`    sumcheck prover/verifier for products of multilinear tables.
  :mod:`~jaxgraph.zk.matmul`      Thaler's matmul proof, single and aggregated over N instances.

64-bit integers are enabled only inside zk calls (:func:`x64`, thread-local); importing this
package never changes global JAX state.

Also (import them by name): :mod:`~jaxgraph.zk.merkle`, :mod:`~jaxgraph.zk.pcs` (hiding
commitments), :mod:`~jaxgraph.zk.zksumcheck`, :mod:`~jaxgraph.zk.fixed_point` (exact fixed-point
SGD training with rescaling remainders), :mod:`~jaxgraph.zk.zkrelu`, :mod:`~jaxgraph.zk.fac4dnn`
and :mod:`~jaxgraph.zk.training` with :mod:`~jaxgraph.zk.claims` (the proof of T training steps;
``ModelConfig(commit=True)``: the verifier holds only a PCS commitment of the witness).

  ``jaxgraph.zk.prove_training(model_config, data, steps, key) -> (proof, public)`` and
  ``jaxgraph.zk.verify_training(proof, public) -> bool`` are re-exported here.
"""
from jaxgraph.zk import field, matmul, mle, sumcheck, transcript
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.training import ModelConfig, prove_training, verify_training
from jaxgraph.zk.transcript import Transcript

__all__ = ["field", "matmul", "mle", "sumcheck", "transcript", "x64", "Transcript",
           "ModelConfig", "prove_training", "verify_training"]
