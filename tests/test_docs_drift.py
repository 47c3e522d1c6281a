"""The documentation cannot drift from the code (issue 16, items 3 to 5).

- The reference pages (``docs/reference/*.md``) are what ``csmodel.docgen`` generates
  now from the CLI, the JSON Schema, the metric and lint registries and the commands'
  own JSON and CSV output; an edited page or key is reported.
- Every console sample marked ``<!-- sample: csmodel ... -->`` in README.md and
  docs/**/*.md is what its command prints now; an edited sample is reported.
- The site's navigation lists every page and only pages that exist, and every relative
  link between pages resolves (``make docs`` checks anchors too, with MkDocs in strict
  mode; these tests need no site toolchain).

When one fails: ``make docs-reference`` / ``make docs-samples`` regenerate, then review
the diff like any other change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from csmodel import docgen

DOCS = ROOT / "docs"
PAGES_ON_DISK = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docgen.reference_pages()


# --- the reference ------------------------------------------------------------------------


def test_the_committed_reference_is_what_the_code_generates(pages):
    drift = docgen.reference_drift(pages=pages)
    assert not drift, "docs/reference is stale: run `make docs-reference`\n" + "".join(
        drift.values()
    )


def test_an_edited_reference_page_is_reported(pages, tmp_path):
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert docgen.reference_drift(tmp_path, pages) == {}

    page = tmp_path / "output.md"  # a JSON key typed by hand
    page.write_text(page.read_text().replace("| `schema_version` |", "| `version` |", 1))
    (tmp_path / "metrics.md").unlink()  # and a page gone
    drift = docgen.reference_drift(tmp_path, pages)
    assert sorted(drift) == ["metrics.md", "output.md"]
    assert "-| `version` |" in drift["output.md"]
    assert "+| `schema_version` |" in drift["output.md"]


def test_the_reference_names_every_command_option_key_metric_and_lint(pages):
    import typer

    from csmodel.cli import app
    from csmodel.ids import HEADCOUNT_METRICS, METRICS
    from csmodel.jsonschema import scenario_json_schema
    from csmodel.lints import LINTS

    root = typer.main.get_command(app)
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None) or {"": cmd}
        for sub_name, sub in subs.items():
            title = " ".join(filter(None, ["## csmodel", name, sub_name]))
            assert title in pages["cli.md"], title
            for p in sub.params:
                for opt in p.opts if p.param_type_name == "option" else ():
                    assert f"`{opt}`" in pages["cli.md"], (title, opt)
    schema = scenario_json_schema()
    for obj in [schema, *schema["$defs"].values()]:
        for key in obj.get("properties", {}):
            assert f"| `{key}`" in pages["scenario.md"], key
    for metric in [*METRICS, *HEADCOUNT_METRICS]:
        assert f"| `{metric}` |" in pages["metrics.md"], metric
    for lint_id, lint in LINTS.items():
        assert f"## {lint_id}" in pages["lints.md"]
        assert lint.rationale in pages["lints.md"]


def test_json_keys_are_read_from_the_documents():
    docs = [
        {"metrics": {"nrr": 1.0, "grr": 0.9, "contribution": 5.0}, "segments": {"a": {"x": 1}}},
        {
            "metrics": {"nrr": None, "grr": 0.9, "contribution": 5.0},
            "segments": {"a": {}},
            "rows": [{"k": "v"}],
            "staffed": {"1": 3, "7": 4},
        },
    ]
    tree = docgen.key_tree(docs, {"segment": {"a"}})
    rows = {path: list(info.types) for path, info in tree.items()}
    assert rows["metrics.<metric>"] == ["number", "null"]
    assert rows["segments.<segment>.x"] == ["integer", "absent"]
    assert rows["rows"] == ["list", "absent"]
    assert rows["rows[].k"] == ["text"]
    assert rows["staffed.<month>"] == ["integer"]
    assert list(tree)[:2] == ["metrics", "metrics.<metric>"]  # parents before children


def test_every_command_with_machine_output_has_runs_to_read_its_keys_from():
    for command, formats in docgen.machine_formats().items():
        if {"json", "csv"} & set(formats):
            assert command in docgen.MACHINE_RUNS, command


# --- samples ------------------------------------------------------------------------------

MARKED = docgen.marked_files()


def test_the_tutorial_and_guides_have_samples():
    names = {p.relative_to(ROOT).as_posix() for p in MARKED}
    assert {"docs/tutorial.md", "docs/how-to/goal-seek.md", "docs/how-to/ci.md"} <= names


@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_sample_is_what_its_command_prints_now(path):
    drift = docgen.sample_drift([path])
    assert not drift, f"{path.name}: stale samples, run `make docs-samples`\n" + "".join(
        drift.values()
    )


def test_an_edited_sample_is_reported_and_rewritten(tmp_path):
    original = (DOCS / "how-to" / "goal-seek.md").read_text(encoding="utf-8")
    line = next(x for x in original.splitlines() if x.startswith("nrr = "))
    copy = tmp_path / "goal-seek.md"
    copy.write_text(original.replace(line, line.replace("105", "106", 1)), encoding="utf-8")

    drift = docgen.sample_drift([copy])
    assert list(drift) == [copy]
    assert f"+{line}" in drift[copy]
    assert docgen.write_samples([copy]) == [copy]
    assert copy.read_text(encoding="utf-8") == original
    assert docgen.sample_drift([copy]) == {}


def test_an_included_file_is_shown_whole(tmp_path):
    text = "<!-- include: docs/ci/gitlab-ci.yml -->\n```yaml\nstale\n```\n"
    new = docgen.update_samples(text)
    assert new == (
        "<!-- include: docs/ci/gitlab-ci.yml -->\n```yaml\n"
        + (DOCS / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8")
        + "```\n"
    )


def test_a_sample_shows_a_failing_exit_code():
    with docgen.scratch():
        out = docgen.sample_output("csmodel check scenarios/examples/failing-plan.yaml | tail -1")
    assert out.startswith("$ csmodel check scenarios/examples/failing-plan.yaml | tail -1\n")
    assert out.endswith("$ echo $?\n1\n")


def test_a_sample_section_is_found_by_its_title():
    with docgen.scratch():
        out = docgen.sample_output(
            "csmodel project scenarios/midmarket.yaml | sed -n '/bridge by year/,+1p'"
        )
    assert out.splitlines()[1].startswith("Revenue and ARR bridge by year")
    assert len(out.splitlines()) == 3


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("csmodel project scenarios/midmarket.yaml --simulate 10", "--seed"),
        ("ls scenarios", "runs csmodel"),
        ("csmodel project scenarios/midmarket.yaml | grep NRR", "may end in"),
    ],
)
def test_a_sample_that_cannot_be_repeated_is_refused(command, why):
    with pytest.raises(ValueError, match=why):
        docgen.sample_output(command)


def test_a_crash_is_never_kept_as_a_sample(monkeypatch):
    crash = docgen.Run(3, "", "csmodel: internal error: KeyError: 'x'\n")
    monkeypatch.setattr(docgen, "run_csmodel", lambda args, env=None: crash)
    with pytest.raises(RuntimeError, match="internal error"):
        docgen.sample_output("csmodel project")


def test_samples_never_touch_the_checkout():
    before = sorted(p.name for p in ROOT.iterdir())
    with docgen.scratch() as where:
        docgen.sample_output("csmodel init")
        assert (where / "csmodel.yaml").exists()
    assert sorted(p.name for p in ROOT.iterdir()) == before


# --- the site -----------------------------------------------------------------------------


def nav_pages(nav: list) -> list[str]:
    out = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        out.extend(nav_pages(value) if isinstance(value, list) else [value])
    return out


def test_the_site_lists_every_page_and_only_pages_that_exist():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    assert sorted(nav_pages(config["nav"])) == PAGES_ON_DISK


@pytest.mark.parametrize("page", PAGES_ON_DISK)
def test_links_between_pages_resolve(page):
    path = DOCS / page
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file = target.split("#")[0]
        assert (path.parent / file).resolve().is_file(), f"{page}: broken link {target}"
        assert Path(file).suffix == ".md", f"{page}: {target} leaves the docs"
