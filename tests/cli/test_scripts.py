"""scripts/demo.sh shows only Parallax's own output, and still fails loudly when pip fails. The script runs
for real in a copy of the repository layout whose .venv holds a fake `pip` (no network, no install) and a
fake `parallax`."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _executable(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _fake_checkout(root: Path, pip_says: str, pip_exit: int) -> Path:
    (root / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "demo.sh", root / "scripts" / "demo.sh")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "activate").write_text(f'PATH="{bin_dir}:$PATH"; export PATH\n', encoding="utf-8")
    _executable(bin_dir / "python", f'exec "{sys.executable}" "$@"\n')
    _executable(bin_dir / "pip", f"echo \"{pip_says}\" >&2\nexit {pip_exit}\n")
    _executable(bin_dir / "parallax", 'echo "PARALLAX OUTPUT"\n')
    return root / "scripts" / "demo.sh"


@pytest.mark.parametrize("pip_says,pip_exit,code,shown,hidden", [
    ("WARNING: lxml 6.2.0 does not provide the extra 'html_clean'", 0, 0, ["PARALLAX OUTPUT"], ["WARNING"]),
    ("DEPRECATION: x is ignored", 0, 0, ["PARALLAX OUTPUT"], ["ignored"]),
    ("ERROR: pip's dependency resolver does not currently take into account", 0, 0,
     ["ERROR: pip's dependency resolver", "PARALLAX OUTPUT"], []),                       # not hidden
    ("ERROR: No matching distribution found for faiss-cpu", 1, 1,
     ["ERROR: No matching distribution", "pip install failed"], ["PARALLAX OUTPUT"]),     # fails loudly
])
def test_demo_prints_only_parallax_output_unless_pip_fails(tmp_path, pip_says, pip_exit, code, shown, hidden):
    demo = _fake_checkout(tmp_path, pip_says, pip_exit)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    r = subprocess.run(["bash", str(demo)], capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    both = r.stdout + r.stderr
    assert r.returncode == code, both
    assert all(s in both for s in shown), both
    assert not any(s in both for s in hidden), both
