"""jaxgraph: graph, geometric, temporal and provable deep learning in JAX."""
from setuptools import find_packages, setup

setup(
    name="jaxgraph",
    version="0.1.0",
    description="JAX research codebase for graph, geometric, temporal and provable deep learning",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["jaxgraph", "jaxgraph.*"]),
    package_data={"jaxgraph.data": ["embedded/*.npz"]},
    include_package_data=True,
    install_requires=[
        "jax>=0.4.30,<0.13",
        "jaxlib>=0.4.30,<0.13",
        "flax>=0.8.5,<0.13",
        "optax>=0.2.2,<0.3",
        "chex>=0.1.86,<0.2",
        "jraph>=0.0.6.dev0,<0.1",
        "e3nn-jax>=0.20.0,<0.22",
        "numpy>=1.26,<3",
        "scipy>=1.11,<2",
        "absl-py>=2.0,<3",
        "ml_collections>=0.1.1,<2",
        "orbax-checkpoint>=0.5.20,<0.13",
        "tqdm>=4.66,<5",
        "networkx>=3.2,<4",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-xdist>=3.5,<4",
            "networkx>=3.2,<4",
            "scikit-learn>=1.4,<2",
            "matplotlib>=3.8,<4",
            "nbclient>=0.10,<1",
            "nbformat>=5.9,<6",
            "ipykernel>=6.29,<8",
        ],
        "chem": ["rdkit>=2024.3"],
        "baselines": ["torch>=2.2", "torch_geometric>=2.5"],
    },
)
