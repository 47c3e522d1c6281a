"""The pre-commit hooks as pre-commit itself runs them (issue 19, item 2): ``try-repo``.

``pre-commit try-repo <repo> --files ...`` clones the repository, installs it the way
``language: python`` hooks are installed (a new virtualenv, then ``pip install .``: csmodel
built by its ``[build-system]`` backend, with all its run-time dependencies) and runs every
hook of ``.pre-commit-hooks.yaml`` on the named files, filtered by each hook's ``files:``
and ``types:``. That is what a team's ``.pre-commit-config.yaml`` (docs/ci/) does.

Offline: pip gets no index (``PIP_NO_INDEX``) and finds every wheel in the wheelhouse that
``make test`` downloads once into ``.venv/wheelhouse`` (the dependencies ``pip download .``
reads from pyproject.toml, and setuptools, the build backend). Without a wheelhouse the
tests skip, except under ``CI``, where they fail: CI must not pass by skipping them. pip's
and git's configuration files are ignored, caches and pre-commit's home go to a temporary
directory, and the proxy variables point at a closed port, so whatever tried the network
would fail at once rather than reach it.

The repository tried is a snapshot of the checkout as it is on disk (the files git tracks
or would add, committed in a temporary repository): ``try-repo`` on the checkout itself
would commit only the tracked files' changes, leaving out files not yet added. The
scenarios sit in a second temporary repository under ``scenarios/``, where the hooks'
``files:`` pattern looks. Two runs, each installing the hooks anew (``try-repo`` keeps no
environment between runs): about 20 to 30 s each on an idle machine.

Exit codes as README documents them: ``validate`` 0 on a valid scenario (it checks the
schema only, so the failing plan passes it too); ``check`` 0 when every check passes, 1
when one fails; pre-commit then exits 1 and prints the hook's id and exit code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS

WHEELHOUSE = Path(os.environ.get("CSMODEL_WHEELHOUSE") or ROOT / ".venv" / "wheelhouse")
STAMP = WHEELHOUSE / ".downloaded"
"""Written by ``make`` once the download has finished (a partial download has none)."""

PASSING = SCENARIOS / "saas-company.yaml"
FAILING = SCENARIOS / "examples" / "failing-plan.yaml"
LEFT_OUT = {
    ".git",
    "build",
    "dist",
    "site",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
}
CLOSED_PORT = "http://127.0.0.1:9"
TIMEOUT = 900


def _missing() -> str | None:
    """Why ``try-repo`` cannot run offline here, or ``None``."""
    if find_spec("pre_commit") is None:
        return "pre-commit is not installed (the dev extra has it: pip install -e '.[dev]')"
    if shutil.which("git") is None:
        return "git is not installed"
    if not STAMP.is_file():
        return (
            f"no wheelhouse at {WHEELHOUSE} (`make test` or `make wheelhouse` downloads it); "
            "pre-commit installs the hooks from it without network"
        )
    return None


@pytest.fixture(scope="module", autouse=True)
def _offline_ready():
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI must run the pre-commit hook test: {missing}")
    pytest.skip(missing)


def _env(tmp: Path) -> dict[str, str]:
    """This environment, isolated: no index, no configuration, no home directory caches."""
    drop = ("PIP_", "PYTHON", "GIT_", "VIRTUALENV_", "PRE_COMMIT", "XDG_")
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(drop) and k.lower() not in proxies
    }
    for name in ("cache", "data", "config"):
        (tmp / name).mkdir(exist_ok=True)
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELHOUSE),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONNOUSERSITE="1",
        PRE_COMMIT_HOME=str(tmp / "pre-commit"),
        PRE_COMMIT_COLOR="never",
        VIRTUALENV_OVERRIDE_APP_DATA=str(tmp / "virtualenv"),
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="csmodel tests",
        GIT_AUTHOR_EMAIL="tests@csmodel.invalid",
        GIT_COMMITTER_NAME="csmodel tests",
        GIT_COMMITTER_EMAIL="tests@csmodel.invalid",
    )
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        env[name] = env[name.upper()] = CLOSED_PORT
    return env


def _git(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout


def _commit_all(env: dict[str, str], repo: Path) -> None:
    _git(env, repo, "init", "--quiet")
    _git(env, repo, "add", "--all")
    _git(env, repo, "commit", "--quiet", "--no-verify", "--message", "snapshot")


def _snapshot(env: dict[str, str], dest: Path) -> None:
    """The checkout's files as they are on disk (tracked or not ignored), committed in ``dest``."""
    if (ROOT / ".git").exists():
        listed = _git(env, ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        for name in filter(None, listed.split("\0")):
            source = ROOT / name
            if source.is_file():  # a tracked file deleted on disk is left out, as on disk
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked sdist): everything but what the build leaves
        shutil.copytree(
            ROOT,
            dest,
            dirs_exist_ok=True,
            ignore=lambda _, names: [
                n
                for n in names
                if n in LEFT_OUT or n.startswith(".venv") or n.endswith(".egg-info")
            ],
        )
    _commit_all(env, dest)


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(the snapshot of csmodel, a repository of scenario files, the environment)."""
    tmp = tmp_path_factory.mktemp("precommit")
    env = _env(tmp)
    hooks_repo = tmp / "csmodel"
    hooks_repo.mkdir()
    _snapshot(env, hooks_repo)
    work = tmp / "plans"
    (work / "scenarios").mkdir(parents=True)
    shutil.copy(PASSING, work / "scenarios" / "plan.yaml")
    shutil.copy(FAILING, work / "scenarios" / "draft.yaml")
    # Not a scenario, and outside the hooks' `files:`: pre-commit must not pass it to them.
    (work / "ci").mkdir()
    (work / "ci" / "pipeline.yaml").write_text("stages: [test]\n", encoding="utf-8")
    _commit_all(env, work)
    return hooks_repo, work, env


def _try_repo(setup, *files: str) -> tuple[int, str]:
    hooks_repo, work, env = setup
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hooks_repo),
            "--verbose",
            "--files",
            *files,
        ],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return done.returncode, done.stdout + done.stderr


def _results(output: str) -> dict[str, tuple[str, int]]:
    """``{hook id: (status line's last word, the hook's exit code)}`` from pre-commit's output."""
    names = {
        h["name"]: h["id"]
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    }
    found: dict[str, tuple[str, int]] = {}
    for match in re.finditer(
        r"^(?P<name>.+?)\.{3,}(?P<status>Passed|Failed|Skipped)\n"
        r"- hook id: (?P<id>\S+)\n(?:- duration: .*\n)?(?:- exit code: (?P<code>\d+)\n)?",
        output,
        re.M,
    ):
        assert names.get(match["name"]) == match["id"], f"{match['name']!r} is not {match['id']}"
        found[match["id"]] = (match["status"], int(match["code"] or 0))
    return found


def test_try_repo_passes_a_plan_that_passes(setup):
    code, output = _try_repo(setup, "scenarios/plan.yaml", "ci/pipeline.yaml")
    assert code == 0, output
    assert _results(output) == {
        "csmodel-validate": ("Passed", 0),
        "csmodel-check": ("Passed", 0),
    }, output
    assert "ok: scenarios/plan.yaml" in output  # validate saw the scenario ...
    assert "ci/pipeline.yaml" not in output  # ... and only the scenario


def test_try_repo_fails_a_plan_that_fails_its_checks(setup):
    code, output = _try_repo(setup, "scenarios/draft.yaml")
    assert code == 1, output
    assert _results(output) == {
        "csmodel-validate": ("Passed", 0),  # the schema holds: only the checks fail
        "csmodel-check": ("Failed", 1),
    }, output
    assert "scenarios/draft.yaml" in output and "grr-min" in output  # the check that failed
