"""flax.linen layers: thin modules that declare parameters and call :mod:`jaxgraph.ops`."""
from jaxgraph.nn.conv import GATConv, GCNConv
from jaxgraph.nn.conv_zoo import MLP, GatedGCNConv, GINConv, GINEConv, MoNetConv, SAGEConv
from jaxgraph.nn.norm import GraphNorm, GraphSizeNorm, LayerNorm, MaskedBatchNorm, graph_size_norm
from jaxgraph.nn.pe import laplacian_pe, random_sign_flip, random_walk_pe
from jaxgraph.nn.readout import AttentionReadout, Readout, max_readout, mean_readout, sum_readout
from jaxgraph.nn.mamba import (BiMambaBlock, SelectiveSSM, Tokens, causal_conv1d, degree_order, discretize,
                               hop_tokens, random_walk_tokens, selective_scan, selective_scan_reference,
                               token_subgraph_edges)
from jaxgraph.nn.sheaf import SheafDiffusionLayer, SheafLearner
from jaxgraph.nn.dagnn import DAGNNProp, adaptive_propagation, retainment_scores
from jaxgraph.nn.init import init_module
