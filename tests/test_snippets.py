"""The CI and pre-commit snippets a team copies (issue 19, item 2) hold as written.

``docs/ci/*`` are the snippets docs/how-to/ci.md shows (verbatim: the page
includes each file whole, so the two cannot drift). Each must be valid YAML; every ``pip
install`` must install csmodel the way it is distributed (its git repository
at a pinned ref, or a built wheel; never a release that does not exist);
every ``csmodel ...`` line must name a command and options the CLI has, and
run: here, on a copy of the shipped passing scenarios, with the exit code a
pipeline expects. The pre-commit hooks of ``.pre-commit-hooks.yaml`` are run
as pre-commit runs them (``entry`` + ``args`` + the matching file names) on a
passing, a failing and an invalid scenario.

``pre-commit try-repo`` itself, installing the hooks as pre-commit does, is
tests/test_precommit.py (offline, from the wheelhouse ``make test`` downloads).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from packaging.requirements import Requirement
from typer.main import get_command
from typer.testing import CliRunner

from csmodel.cli import app

CI = ROOT / "docs" / "ci"
SNIPPETS = sorted(CI.glob("*.y*ml"))
CI_PAGE = ROOT / "docs" / "how-to" / "ci.md"  # the page that shows the snippets
README = ROOT / "README.md"
DOC_PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PLACEHOLDER = "COMMIT-OR-TAG"
FAILING = SCENARIOS / "examples" / "failing-plan.yaml"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, (dict, list)), path
    return data


def variables(data: dict) -> dict[str, str]:
    """``env:`` (GitHub) and ``variables:`` (GitLab) at the top and in every job."""
    out: dict[str, str] = {}
    for scope in [data, *(v for v in data.values() if isinstance(v, dict))]:
        for key in ("env", "variables"):
            if isinstance(scope.get(key), dict):
                out.update({k: str(v) for k, v in scope[key].items()})
    for job in (data.get("jobs") or {}).values():
        out.update({k: str(v) for k, v in (job.get("env") or {}).items()})
    return out


def shell_lines(data: dict) -> list[str]:
    """Every shell command of a GitHub workflow (``run:``) or GitLab job (``script:`` ...)."""
    lines: list[str] = []
    for job in (data.get("jobs") or {}).values():
        for step in job.get("steps", []):
            if "run" in step:
                lines.extend(step["run"].splitlines())
    for job in data.values():
        if isinstance(job, dict):
            for key in ("before_script", "script", "after_script"):
                lines.extend(job.get(key) or [])
    return [line for line in lines if line.strip()]


def expand(line: str, env: dict[str, str]) -> list[str]:
    words = shlex.split(line, comments=True)
    return [re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), w) for w in words]


def ci_commands(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """(``pip ...`` commands, ``csmodel ...`` commands) of a CI snippet, variables expanded."""
    data = load(path)
    env = variables(data)
    commands = [expand(line, env) for line in shell_lines(data)]
    return [c for c in commands if c[:1] == ["pip"]], [c for c in commands if c[:1] == ["csmodel"]]


CI_FILES = [p for p in SNIPPETS if not p.name.startswith("pre-commit")]


def test_snippet_files_exist():
    names = {p.name for p in SNIPPETS}
    assert {"github-actions.yml", "gitlab-ci.yml", "pre-commit-config.yaml"} <= names


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
def test_snippets_are_valid_yaml_with_one_placeholder(path):
    load(path)
    text = path.read_text(encoding="utf-8")
    assert "csmodel==" not in text and "v0.1.0" not in text
    if "repo: local" not in text:  # a remote install: one ref to pin, in one place
        assert text.count(PLACEHOLDER) == 2, "the ref: once in the comment, once in use"


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_ci_installs_csmodel_as_it_is_distributed(path):
    pips, _ = ci_commands(path)
    assert pips, "the snippet installs csmodel"
    for words in pips:
        assert words[:2] == ["pip", "install"], words
        (spec,) = [w for w in words[2:] if not w.startswith("-")]
        if spec.endswith(".whl"):
            continue
        req = Requirement(spec)  # PEP 508: `csmodel @ git+https://...@REF`
        assert req.name == "csmodel" and req.url, spec
        assert req.url.startswith("git+https://") and req.url.endswith(f"@{PLACEHOLDER}"), spec


def cli_check(words: list[str]) -> None:
    """``csmodel SUBCOMMAND ...`` names a command and options the CLI has (click parses it)."""
    root = get_command(app)
    name = words[1]
    assert name in root.commands, f"no command {name!r}"
    command = root.commands[name]
    ctx = command.make_context(name, list(words[2:]))  # raises on an unknown option
    ctx.close()


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository of plans: the shipped scenarios that pass their checks, in scenarios/."""
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    (tmp_path / "scenarios" / "examples" / "failing-plan.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_ci_csmodel_lines_exist_and_pass_on_passing_plans(path, repo):
    _, commands = ci_commands(path)
    assert commands, "the snippet runs csmodel"
    env = {"GITHUB_ACTIONS": "true"} if "github" in path.name else {}
    for words in commands:
        cli_check(words)
        result = CliRunner().invoke(app, words[1:], env=env)
        assert result.exit_code == 0, (words, result.stdout, result.stderr)
        if "--output" in words:
            out = repo / words[words.index("--output") + 1]
            assert out.read_text(encoding="utf-8").startswith("<?xml")
        elif env:
            assert result.stdout.splitlines()[-1].startswith("ok: ")


def test_ci_fails_on_a_failing_plan(repo):
    shutil.copy(FAILING, repo / "scenarios" / "draft.yaml")
    result = CliRunner().invoke(app, ["check", "scenarios/"], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert "::error file=scenarios/draft.yaml,line=37,title=grr-min::" in result.stdout


# --- pre-commit -----------------------------------------------------------------------------


def manifest() -> list[dict]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def test_hook_manifest_is_what_pre_commit_needs():
    hooks = manifest()
    assert [h["id"] for h in hooks] == ["csmodel-validate", "csmodel-check"]
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit installs this repository for it
        cli_check(shlex.split(hook["entry"]))
        pattern = re.compile(hook["files"])
        assert pattern.search("scenarios/plan.yaml") and pattern.search("scenarios/paper/a.yml")
        assert not pattern.search("docs/ci/gitlab-ci.yml")


def test_pre_commit_configs_name_hooks_that_exist():
    ids = {h["id"] for h in manifest()}
    remote = load(CI / "pre-commit-config.yaml")["repos"]
    (repo,) = remote
    assert repo["repo"].startswith("https://") and repo["rev"] == PLACEHOLDER
    assert {h["id"] for h in repo["hooks"]} <= ids
    by_id = {h["id"]: h for h in manifest()}
    for hook in repo["hooks"]:
        cli_check([*shlex.split(by_id[hook["id"]]["entry"]), *hook.get("args", [])])
    (local,) = load(CI / "pre-commit-local.yaml")["repos"]
    assert local["repo"] == "local"
    for hook in local["hooks"]:
        assert hook["language"] == "system"
        assert hook["entry"] == by_id[hook["id"]]["entry"]
        assert hook["files"] == by_id[hook["id"]]["files"]


def run_hook(hook: dict, files: list[str], args: tuple[str, ...] = ()) -> int:
    """What pre-commit runs: ``entry`` split, then ``args``, then the staged file names."""
    words = [*shlex.split(hook["entry"]), *hook.get("args", []), *args, *files]
    assert words[0] == "csmodel"
    result = CliRunner().invoke(app, words[1:])
    return result.exit_code


@pytest.mark.parametrize(
    ("hook_id", "args", "expected"),
    [
        ("csmodel-validate", (), {"passing": 0, "failing": 0, "invalid": 2}),
        ("csmodel-check", (), {"passing": 0, "failing": 1, "invalid": 2}),
        ("csmodel-check", ("--strict",), {"passing": 0, "failing": 1, "invalid": 2}),
    ],
)
def test_hooks_exit_as_documented(repo, hook_id, args, expected):
    hook = next(h for h in manifest() if h["id"] == hook_id)
    shutil.copy(FAILING, repo / "scenarios" / "draft.yaml")
    (repo / "scenarios" / "broken.yaml").write_text("name: x\nsegments: 3\n", encoding="utf-8")
    staged = {
        "passing": ["scenarios/saas-company.yaml", "scenarios/midmarket.yaml"],
        "failing": ["scenarios/saas-company.yaml", "scenarios/draft.yaml"],
        "invalid": ["scenarios/broken.yaml"],
    }
    pattern = re.compile(hook["files"])
    for case, files in staged.items():
        assert all(pattern.search(f) for f in files)
        assert run_hook(hook, files, args) == expected[case], case


# --- the CI page shows the files as they are ----------------------------------------------


def page_blocks() -> list[str]:
    text = CI_PAGE.read_text(encoding="utf-8")
    return [m.group(1) for m in re.finditer(r"^```ya?ml\n(.*?)^```$", text, re.M | re.S)]


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
def test_the_ci_page_shows_each_snippet_verbatim(path):
    assert path.read_text(encoding="utf-8") in page_blocks(), (
        f"{CI_PAGE.relative_to(ROOT)} must show {path.relative_to(ROOT)} whole, in a ```yaml block"
    )


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_docs_install_nothing_that_does_not_exist(page):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"csmodel==\d", text)
    assert "rev: v0.1.0" not in text
    assert "example.com/your-org" not in text
