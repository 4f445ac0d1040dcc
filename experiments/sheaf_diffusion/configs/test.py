"""Seconds-long smoke configuration: texas, 1 split, 15 epochs, tiny NSDs of all three kinds."""
from experiments.sheaf_diffusion.configs import default


def get_config():
    c = default.get_config("webkb")
    c.datasets = ["texas"]
    c.num_splits = 1
    c.train = dict(learning_rate=0.02, weight_decay=5e-4, num_epochs=15, patience=None, monitor="val_accuracy")
    c.nsd = dict(d=2, num_layers=1, hidden_channels=4, dropout=0.2, add_lp=True)
    c.nsd_per_dataset = {}
    c.gcn = dict(model=dict(hidden=8), train={})
    c.mlp = dict(model=dict(hidden=8), train={})
    return c
