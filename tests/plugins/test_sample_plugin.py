"""A third-party channel installed as its own distribution is found through the entry point,
and its own contract tests pass with sopengine's pytest plugin. Offline: no index, no isolation."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_plugin"
FIND = """
import json
from sopengine.plugins import load_plugins
host = load_plugins(strict=True)
info = host.plugins["memo"]
print(json.dumps({"version": info.version, "module": info.module, "channels": info.channels,
                  "all": sorted(host.channel_factories)}))
"""


def bridged_venv(path: Path) -> Path:
    """A venv (no pip of its own) that also sees this interpreter's packages, sopengine included.

    ``--system-site-packages`` alone is not enough when this interpreter is itself a venv,
    so a .pth file adds this interpreter's site directories (processing their .pth files,
    which is how an editable sopengine is found)."""
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(path)
    python = path / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    lines = [f"import site; site.addsitedir({d!r})" for d in site.getsitepackages()]
    Path(purelib, "_sopengine_parent.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return python


@pytest.mark.slow
def test_sample_plugin_installs_is_discovered_and_passes_the_contract(tmp_path: Path) -> None:
    source = tmp_path / "sample_plugin"
    shutil.copytree(SAMPLE, source)  # the build writes egg-info and build/ next to the sources
    python = bridged_venv(tmp_path / "venv")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-build-isolation",
                              "--no-deps", "-q", str(source)], capture_output=True, text=True, env=env, timeout=120)
    assert install.returncode == 0, install.stdout + install.stderr

    found = subprocess.run([str(python), "-c", FIND], capture_output=True, text=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr
    info = json.loads(found.stdout)
    assert info["version"] == "0.3.0" and info["module"] == "sopengine_sample_memo"
    assert info["channels"] == ["memo"]
    assert {"console", "memo"} <= set(info["all"])

    outside = subprocess.run([sys.executable, "-c", "import importlib.util as u; "
                              "print(u.find_spec('sopengine_sample_memo') is None)"], capture_output=True, text=True)
    assert outside.stdout.strip() == "True", "the sample must be installed only in the temporary venv"

    tests = subprocess.run([str(python), "-m", "pytest", "-p", "sopengine.testing.pytest_plugin", "-q",
                            "-p", "no:cacheprovider"], cwd=source, capture_output=True, text=True, env=env, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
