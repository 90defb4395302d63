"""What a plain ``pip install`` gets: the adapters inside the package, no symlink, no tests."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from tests.support import ROOT

BUILD = (
    "import sys, setuptools.build_meta as b; "
    "d = sys.argv[1]; s = b.build_sdist(d); w = b.build_wheel(d); print('BUILT', s, w)"
)


def test_the_tree_holds_no_symlink() -> None:
    out = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert [line for line in out.splitlines() if line.startswith("120000")] == []


def test_sdist_and_wheel_ship_the_adapters_and_no_tests(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", BUILD, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    _, sdist_name, wheel_name = out[out.rindex("BUILT ") :].split()
    sdist, wheel = tmp_path / sdist_name, tmp_path / wheel_name
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for adapter in ("wsgi", "gunicorn", "flask", "django"):
        assert f"convexhttp/adapters/{adapter}.py" in names
    assert "convexhttp/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)
    with tarfile.open(sdist) as tf:
        members = [m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name]
    assert "src/convexhttp/adapters/wsgi.py" in members
    assert not any(m.startswith(("tests/", "benchmarks/")) for m in members), members
