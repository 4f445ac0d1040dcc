"""Kernel tests: make the repo root importable (``kernels`` is a top-level namespace dir).
The x64-leak check for every test lives in ``tests/conftest.py``."""
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
