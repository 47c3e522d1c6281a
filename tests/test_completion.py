"""Shell completion (issue 19, item 5), driven the way a shell drives it.

typer's completion scripts run ``csmodel`` with ``_CSMODEL_COMPLETE=complete_SHELL``
and the command line in ``COMP_WORDS``/``COMP_CWORD`` (bash) or
``_TYPER_COMPLETE_ARGS`` (zsh, fish); these tests set the same variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import ROOT, SCENARIOS
from typer.testing import CliRunner

from csmodel.cli import app, complete
from csmodel.cli.common import FILE_ARGUMENT
from csmodel.render import CHECK, PROJECT

SAAS = SCENARIOS / "saas-company.yaml"
SAAS_VARIANTS = ["price-increase-7", "midmarket-monthly-expansion-off", "budget-cut"]


def bash(line: str, target: typer.Typer = app) -> list[str]:
    """What bash is offered for the word at the end of ``line`` (after a space: a new word)."""
    words = line.split(" ")
    env = {
        "_CSMODEL_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    result = CliRunner().invoke(target, [], env=env, prog_name="csmodel")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def other_shell(shell: str, line: str) -> str:
    env = {
        "_CSMODEL_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": line,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="csmodel")
    assert result.exit_code == 0, result.output
    return result.stdout


# --- variant names and --set paths from the file named on the line -------------------------


@pytest.mark.parametrize("command", ["project", "headcount", "sensitivity"])
def test_variant_names_come_from_the_file(command):
    assert bash(f"csmodel {command} {SAAS} --variant ") == SAAS_VARIANTS
    assert bash(f"csmodel {command} {SAAS} --variant bu") == ["budget-cut"]
    assert bash(f"csmodel {command} {SAAS} --set horizon_months=24 --variant bu") == ["budget-cut"]


def test_options_before_the_file_are_skipped():
    line = f"csmodel project --set horizon_months=24 --by quarter {SAAS} --variant p"
    assert bash(line) == ["price-increase-7"]


def test_set_paths_complete_one_level_at_a_time():
    assert bash(f"csmodel project {SAAS} --set segments.") == [
        "segments.enterprise.",
        "segments.mid-market.",
        "segments.smb.",
    ]
    assert bash(f"csmodel project {SAAS} --set segments.smb.chu") == ["segments.smb.churn."]
    churn = bash(f"csmodel project {SAAS} --set segments.smb.churn.")
    assert "segments.smb.churn.rate=" in churn and "segments.smb.churn.every=" in churn
    # smb's churn rate is a range {low, high, dist, driver}: the whole value or a field of it
    assert "segments.smb.churn.rate." in churn
    assert bash(f"csmodel project {SAAS} --set segments.smb.churn.ra") == [
        "segments.smb.churn.rate=",
        "segments.smb.churn.rate.",
    ]
    assert bash(f"csmodel project {SAAS} --set segments.smb.churn.rate.") == [
        "segments.smb.churn.rate.low=",
        "segments.smb.churn.rate.high=",
        "segments.smb.churn.rate.dist=",
        "segments.smb.churn.rate.driver=",
    ]
    # a plain rate, and a mapping that is no value (a movement), complete one way only
    assert bash(f"csmodel project {SAAS} --set segments.smb.price_increase.ra") == [
        "segments.smb.price_increase.rate="
    ]
    assert bash(f"csmodel project {SAAS} --set segments.smb.pri") == [
        "segments.smb.price_increase."
    ]
    top = bash(f"csmodel project {SAAS} --set ")
    assert "horizon_months=" in top and "segments." in top
    assert "variants." not in top  # variants are picked with --variant
    assert bash(f"csmodel project {SAAS} --set horizon_months=") == []


def test_a_schedule_completes_to_the_whole_value_or_one_month(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "name: s\nstart: 2027-01\nsegments:\n  a:\n    accounts: 10\n    acv: 1000\n"
        "    price_increase: {rate: {2027-01: 3%, 2028-01: 5%}, every: year}\n",
        encoding="utf-8",
    )
    line = f"csmodel project {plan} --set segments.a.price_increase."
    assert bash(line + "r") == [
        "segments.a.price_increase.rate=",
        "segments.a.price_increase.rate.",
    ]
    assert bash(line + "rate.") == [
        "segments.a.price_increase.rate.2027-01=",
        "segments.a.price_increase.rate.2028-01=",
    ]
    assert bash(f"csmodel project {plan} --set segments.a") == ["segments.a."]


def test_set_paths_include_schema_keys_the_file_leaves_out():
    # saas-company.yaml sets no `start`: the schema still offers it.
    assert "start=" in bash(f"csmodel project {SAAS} --set st")


def test_check_reads_the_first_file_of_several():
    assert bash(f"csmodel check {SAAS} {SCENARIOS / 'midmarket.yaml'} --set segments.s") == [
        "segments.smb."
    ]


def test_zsh_and_fish_get_the_same_names():
    zsh = other_shell("zsh", f"csmodel project {SAAS} --variant bu")
    assert "budget-cut" in zsh
    fish = other_shell("fish", f"csmodel project {SAAS} --set segments.")
    assert fish.splitlines() == ["segments.enterprise.", "segments.mid-market.", "segments.smb."]


def test_default_file_is_csmodel_yaml(tmp_path, monkeypatch):
    from csmodel.cli.common import DEFAULT_FILE

    assert complete.DEFAULT_FILE == DEFAULT_FILE
    (tmp_path / "csmodel.yaml").write_text(SAAS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert bash("csmodel project --variant ") == SAAS_VARIANTS


# --- scenario files and --format choices ---------------------------------------------------


def test_scenario_files_and_directories(tmp_path, monkeypatch):
    for name in ("a.yaml", "b.yml", "notes.txt", ".hidden.yaml", "plans/fy27.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("name: x\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert bash("csmodel project ") == ["a.yaml", "b.yml", "plans/"]
    assert bash("csmodel headcount pl") == ["plans/"]
    assert bash("csmodel project plans/") == ["plans/fy27.yaml"]
    assert bash("csmodel project .h") == [".hidden.yaml"]
    assert bash(f"csmodel project {tmp_path}/a") == [f"{tmp_path}/a.yaml"]
    assert bash("csmodel project nowhere/x") == []


@pytest.mark.parametrize(("command", "registry"), [("project", PROJECT), ("check", CHECK)])
def test_format_choices_are_the_registry_keys(command, registry):
    assert bash(f"csmodel {command} {SAAS} --format ") == list(registry)
    first = next(iter(registry))
    assert first in bash(f"csmodel {command} {SAAS} --format {first[:2]}")


def test_commands_complete():
    assert "project" in bash("csmodel pro")
    assert "--install-completion" in bash("csmodel --")


# --- headcount --csms (the completion function, wired as headcount would wire it) ----------


def test_segment_assignments_for_csms():
    mini = typer.Typer(add_completion=True)

    @mini.command()
    def headcount(
        file: Path = FILE_ARGUMENT,
        csms: list[str] = typer.Option(None, "--csms", autocompletion=complete.segment_assignments),
    ) -> None:  # pragma: no cover - only completed, never run
        """Stand-in for csmodel headcount."""

    @mini.command()
    def other() -> None:  # pragma: no cover - a group, as csmodel is
        """Another command."""

    assert bash(f"csmodel headcount {SAAS} --csms ", mini) == [
        "enterprise=",
        "mid-market=",
        "smb=",
    ]
    assert bash(f"csmodel headcount {SAAS} --csms mid", mini) == ["mid-market="]
    assert bash(f"csmodel headcount {SAAS} --csms smb=", mini) == []


# --- compare --variants (the completion function, wired as compare would wire it) ----------


def _compare_app() -> typer.Typer:
    mini = typer.Typer(add_completion=True)

    @mini.command()
    def compare(
        files: list[Path] = typer.Argument(..., autocompletion=complete.scenario_files),
        variants: str = typer.Option(None, "--variants", autocompletion=complete.variant_lists),
        fmt: str = typer.Option("table", "--format", "-f"),
    ) -> None:  # pragma: no cover - only completed, never run
        """Stand-in for csmodel compare."""

    @mini.command()
    def other() -> None:  # pragma: no cover - a group, as csmodel is
        """Another command."""

    return mini


def test_compare_variants_are_comma_separated_names_of_every_file(tmp_path):
    mini = _compare_app()
    second = tmp_path / "second.yaml"
    second.write_text("name: b\nvariants:\n  hiring-freeze: {set: {}}\n  budget-cut: {set: {}}\n")
    line = f"csmodel compare {SAAS} {second} --variants "
    assert bash(line, mini) == ["base", *SAAS_VARIANTS, "hiring-freeze"]
    assert bash(line + "b", mini) == ["base", "budget-cut"]
    assert bash(line + "base,", mini) == [f"base,{v}" for v in [*SAAS_VARIANTS, "hiring-freeze"]]
    assert bash(line + "base,budget-cut,h", mini) == ["base,budget-cut,hiring-freeze"]
    assert bash(line + "budget-cut,bu", mini) == []  # no name twice
    # options between the files and a broken file among them change nothing
    broken = tmp_path / "broken.yaml"
    broken.write_text("variants: [unclosed\n")
    line = f"csmodel compare {SAAS} -f json {broken} --variants p"
    assert bash(line, mini) == ["price-increase-7"]


# --- fit's data files -----------------------------------------------------------------------


def test_fit_completes_data_files(tmp_path, monkeypatch):
    for name in ("a.csv", "b.TSV", "c.txt", "plan.yaml", "data/h.csv"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert bash("csmodel fit retention ") == ["a.csv", "b.TSV", "c.txt", "data/"]
    assert bash("csmodel fit understaffing data/") == ["data/h.csv"]
    assert bash("csmodel fit retention a.csv --format ") == ["table", "json"]


# --- never a traceback, never a stray line --------------------------------------------------


BROKEN = {
    "bad-yaml.yaml": "segments: [unclosed\n",
    "not-a-mapping.yaml": "- 1\n- 2\n",
    "segments-list.yaml": "segments: [a, b]\nvariants: 3\n",
    "binary.yaml": b"\xff\xfe\x00garbage",
    "empty.yaml": "",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("option", ["--variant", "--set"])
def test_a_broken_file_completes_to_nothing(tmp_path, name, option):
    path = tmp_path / name
    content = BROKEN[name]
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    offered = bash(f"csmodel project {path} {option} ")
    if option == "--variant":
        assert offered == []
    else:  # nothing, or only the schema's keys: nothing read from the broken file
        assert all(o.endswith(("=", ".")) for o in offered)


@pytest.mark.parametrize(
    "target", ["missing.yaml", "-", "."], ids=["missing", "stdin", "directory"]
)
def test_no_file_to_read_completes_to_nothing(tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    assert bash(f"csmodel project {target} --variant ") == []
    assert bash(f"csmodel headcount {target} --set segments.") == []


def test_unreadable_directory_completes_to_nothing(tmp_path):
    assert complete.scenario_files(f"{tmp_path}/no/such/dir/x") == []
    assert complete.variant_names(object(), "") == []  # no params, no command line
    assert complete.set_paths(None, "zzz") == []


# --- install and show: bash, zsh, fish ------------------------------------------------------


def run_csmodel(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_CSMODEL", "_TYPER", "COMP_"))}
    env.update(HOME=str(home), _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    return subprocess.run(
        [sys.executable, "-m", "csmodel", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _csmodel_completion csmodel"),
        ("zsh", "compdef _csmodel_completion csmodel"),
        ("fish", "complete --command csmodel"),
    ],
)
def test_show_completion(tmp_path, shell, marker):
    done = run_csmodel(["--show-completion", shell], tmp_path)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
    assert "_CSMODEL_COMPLETE=complete_" in done.stdout


def test_install_completion_writes_into_home(tmp_path):
    done = run_csmodel(["--install-completion", "bash"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "bash completion installed" in done.stdout
    assert "_CSMODEL_COMPLETE" in (tmp_path / ".bash_completions" / "csmodel.sh").read_text()
    assert ".bash_completions/csmodel.sh" in (tmp_path / ".bashrc").read_text()


def test_help_offers_completion_and_stays_lazy():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from csmodel.cli import app\n"
        "out = CliRunner().invoke(app, ['--help']).stdout\n"
        "print('--install-completion' in out, '--show-completion' in out)\n"
        "print(sorted(m for m in ('csmodel.yamlsrc', 'csmodel.document', 'numpy', 'yaml')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.splitlines() == ["True True", "[]"]
