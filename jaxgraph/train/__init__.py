"""Training engine: TrainState, masked losses, metrics, train_and_evaluate, checkpoints."""
from jaxgraph.train import losses, metrics
from jaxgraph.train.loop import (TrainResult, TrainState, create_train_state, epoch_rng, train_and_evaluate, write_json,
                                 write_results)
from jaxgraph.train.node import NodeTask, fit_node_classifier, row_normalize
from jaxgraph.train.graph_level import GraphTask, evaluate_graph_task, fit_graph_task
