"""Seconds-long smoke configuration for the test suite (120 molecules, 2 epochs)."""
from experiments.molecule3d.configs import default


def get_config():
    c = default.get_config()
    c.subset = 120
    c.refine_steps = 20
    c.model.hidden = 16
    c.model.num_layers = 2
    c.model.epochs = 2
    c.model.batch_size = 16
    c.property.epochs = 1
    c.property.batch_size = 16
    c.property.model = "invariant"
    c.property.model_cfg = {"hidden": 16, "num_layers": 1}
    return c
