"""`pip install --no-build-isolation ./python` works offline with the setuptools the system has, and
installs a package that imports with numpy alone."""
import os
import shutil
import subprocess
import sys

import pytest

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_pip_installs_the_package_offline_without_build_isolation(tmp_path):
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip is not installed (apt-get install python3-pip)")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".pytest_cache", "tests", "examples"))
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", "--no-cache-dir", "--quiet",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p for p in os.listdir(target / "disobey") if p.endswith(".py")) == [
        "__init__.py", "_cli.py", "_matrices.py", "_measures.py", "huggingface.py", "lightning.py", "logger.py", "notebook.py", "pytorch.py", "reader.py"]
    check = "import disobey, sys; print(disobey.__file__); print(disobey.__version__); print('pandas' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(target)})
    assert imported.returncode == 0, imported.stderr
    where, version, pandas = imported.stdout.split()
    assert where.startswith(str(target)) and version == "0.1.0" and pandas == "False"
