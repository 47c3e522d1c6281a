"""The package people install (issue 19, item 1): build it, install it elsewhere, run it.

The sdist and the wheel are built from a copy of the checkout with the
environment's own build backend (``python -m build --no-isolation``: no
network, so setuptools>=77, what pyproject.toml's ``build-system`` asks for,
must be installed; the dev extra declares it). The wheel goes into a fresh
virtual environment outside the checkout, without pip touching an index: the
run-time dependencies are borrowed from this environment through a ``.pth``
file, which lists directories only, so the checkout's editable install of
csmodel is not among them (asserted: ``csmodel.__file__`` is inside the new
environment). Then ``csmodel --version``, ``init``, ``project`` and ``check``
run from a directory that is not the checkout. About 15 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

import csmodel

BUILD_REQUIRES = "setuptools>=77"
"""pyproject.toml's build-system requirement (SPDX ``license = "MIT"`` needs setuptools 77)."""

LEFT_OUT = {".git", ".venv", "build", "dist", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def _quiet_env(**extra: str) -> dict[str, str]:
    """This environment without anything that could reach an index or the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    env.update(extra)
    return env


def _run(args: list[object], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_quiet_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _package_files() -> set[str]:
    """Every file of the package in the checkout, as archive paths (``csmodel/...``)."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "csmodel").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def _has_build_backend() -> str | None:
    """Why the no-network build cannot run here, or ``None``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("setuptools")
    except PackageNotFoundError:
        return f"setuptools is not installed; the dev extra needs {BUILD_REQUIRES}"
    major = int(found.split(".")[0])
    if major < 77:
        return (
            f"setuptools {found} is installed; building without network needs "
            f"{BUILD_REQUIRES} (the dev extra declares it: pip install -e '.[dev]')"
        )
    return None


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """``python -m build`` (sdist, then the wheel from the sdist) of a copy of the checkout."""
    missing = _has_build_backend()
    assert missing is None, missing
    src = tmp_path_factory.mktemp("src")
    for entry in ROOT.iterdir():
        if entry.name in LEFT_OUT or entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, src / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(entry, src / entry.name)
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, src], cwd=src)
    return out


def _one(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_wheel_and_sdist_carry_every_package_file(dist):
    version = csmodel.__version__
    wheel = _one(dist, f"csmodel-{version}-py3-none-any.whl")
    sdist = _one(dist, f"csmodel-{version}.tar.gz")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = z.read(f"csmodel-{version}.dist-info/METADATA").decode()
        entry_points = z.read(f"csmodel-{version}.dist-info/entry_points.txt").decode()
    needed = _package_files()
    assert {"csmodel/data/starter.yaml", "csmodel/py.typed"} <= needed
    assert needed - names == set(), "files missing from the wheel"
    assert {n for n in names if n.startswith("csmodel/")} - needed == set()
    assert f"Version: {version}\n" in metadata  # one source: csmodel/__init__.py
    assert "csmodel = csmodel.cli:main" in entry_points
    with tarfile.open(sdist) as t:
        in_sdist = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert needed - in_sdist == set(), "files missing from the sdist"
    assert {"pyproject.toml", "README.md"} <= in_sdist


def test_installed_wheel_runs_outside_the_checkout(dist, tmp_path):
    wheel = _one(dist, "csmodel-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            wheel,
        ],
        cwd=tmp_path,
    )
    # The run-time dependencies (typer, numpy, ...) from this environment: its import path,
    # less any directory holding a csmodel (the checkout); a .pth lists directories only, so
    # this environment's editable csmodel (an import hook in a .pth of its own) stays out.
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            cwd=tmp_path,
        ).stdout.strip()
    )
    ours = [p for p in sys.path if p and Path(p).is_dir() and not (Path(p) / "csmodel").exists()]
    (purelib / "zz_csmodel_test_deps.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([python, "-c", "import csmodel; print(csmodel.__file__)"], cwd=elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    exe = venv / "bin" / "csmodel"

    version = _run([exe, "--version"], cwd=elsewhere)
    assert version.stdout == f"csmodel {csmodel.__version__}\n"

    init = _run([exe, "init"], cwd=elsewhere)
    starter = elsewhere / "csmodel.yaml"
    assert starter.read_text(encoding="utf-8") == (ROOT / "csmodel/data/starter.yaml").read_text(
        encoding="utf-8"
    ), init.stderr
    _run([exe, "project"], cwd=elsewhere)  # the starter scenario, found in the directory

    shipped = SCENARIOS / "saas-company.yaml"
    installed = json.loads(
        _run([exe, "project", shipped, "--format", "json"], cwd=elsewhere).stdout
    )
    here = json.loads(
        _run(
            [sys.executable, "-m", "csmodel", "project", shipped, "--format", "json"], cwd=ROOT
        ).stdout
    )
    assert installed["metrics"] == here["metrics"]
    check = _run([exe, "check", shipped, "--format", "junit"], cwd=elsewhere)
    assert "<testsuites" in check.stdout
    assert _run([exe, "schema"], cwd=elsewhere).stdout.startswith("{")
