"""GIN-0 on MUTAG and PROTEINS with GIN's 10 folds and the paper's recipe (350 epochs)."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.datasets = ("mutag", "proteins")
    c.models = ("gin",)
    c.folds = None  # all 10
    c.num_epochs = None  # the model's recipe (GIN: 350)
    c.data_root = None
    c.progress = True
    c.load_kwargs = ml_collections.ConfigDict({"format": "gin"})  # GIN's files and 10 folds
    c.model_overrides = ml_collections.ConfigDict({})  # e.g. {"hidden": 32}
    c.train_overrides = ml_collections.ConfigDict({})  # e.g. {"batch_size": 128}
    return c
