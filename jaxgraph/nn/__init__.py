"""flax.linen layers: thin modules that declare parameters and call :mod:`jaxgraph.ops`."""
from jaxgraph.nn.conv import GATConv, GCNConv
