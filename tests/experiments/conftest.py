"""Shared runner for the experiment entry-point tests."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_experiment():
    """``run(script, config, workdir, timeout=600) -> stdout``: runs an absl experiment as a
    subprocess from the repository root and asserts it exits 0 (showing its output if not)."""

    def run(script, config, workdir, timeout=600):
        out = subprocess.run(
            [sys.executable, str(ROOT / script), f"--config={ROOT / config}", f"--workdir={workdir}"],
            capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        )
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
        return out.stdout

    return run
