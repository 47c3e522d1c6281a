"""The CLI's output boundary under hostile conditions (issue 20 items 5, 7; issue 9 items 2, 9).

A table-driven corpus, one :class:`Case` per situation, each run as a real
``python -m csmodel`` subprocess (so the real stdout/stderr, their encodings,
pipes and devices are what is tested), asserting the exit code, a fragment of
stderr and what is left on disk:

- **clean writes**: an OS error on stdout or an ``--output`` file is one line
  ``csmodel: cannot write TARGET: REASON`` and exit 4, with no partial or
  temporary file left; a pipe closed by its reader ends quietly with exit 141
  (never 1, which ``check`` keeps for failed checks); ``-o`` onto a device,
  a FIFO, ``/dev/stdout`` or a symlink to one writes into it and never
  replaces the node; a symlink to a file is written through; a stale
  temporary file of a killed write is reclaimed;
- **encodings**: ``--help``, results and error messages survive ASCII-only and
  cp1252 streams (stand-ins such as ``->``; JSON and XML stay exact);
- **empty choices**: ``--variant ""`` and ``--disable ""`` are exit 2 naming the flag;
- **control characters** in a file name, ``--set`` text or a variant name are
  shown as ``\\x1b`` in messages, never written raw.

A second, in-process matrix runs every command in every ``--format`` on every
shipped scenario with ASCII and cp1252 streams (typer's ``CliRunner`` with that
charset), asserting exit 0 (or the exit the UTF-8 run gives), output that
decodes strictly in that encoding, and machine formats that parse to the same
data as the UTF-8 run.

No test sleeps; a subprocess timeout only guards against a hang.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import SCENARIOS

MIDMARKET = SCENARIOS / "midmarket.yaml"
SAAS = SCENARIOS / "saas-company.yaml"
TIMEOUT = 60  # seconds; a guard against hangs (a FIFO nobody reads), not a speed requirement
ESC = "\x1b"
LONG_NAME = "x" * 300 + ".json"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: bytes
    stderr: bytes
    tmp: Path

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def left(self) -> list[str]:
        """Everything in the working directory afterwards (partial or temporary files show)."""
        return sorted(p.name for p in self.tmp.iterdir())


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int | tuple[int, ...]
    """The exit code (or the codes allowed: `check` passes or fails as the scenario says)."""
    stderr: str | None = None
    """A fragment stderr must hold; ``""`` means stderr must be empty; None: not checked."""
    env: dict[str, str] = field(default_factory=dict)
    stdout: str = "pipe"
    """Where stdout goes: ``pipe`` (captured), ``closed`` (a pipe nobody reads), ``full``
    (``/dev/full``), ``file`` (a regular file ``stdout.txt`` in the working directory)."""
    stderr_to: str = "pipe"
    """``pipe`` or ``full``: stderr on /dev/full (nothing may be left to say; no crash)."""
    setup: Callable[[Path], None] | None = None
    after: Callable[[Run], None] | None = None
    patch: str = ""
    """Python run in the child before the CLI (to provoke an interrupt)."""
    fifo_reader: bool = False
    """Create ``fifo`` in the working directory and read it from a thread."""


def run_case(case: Case, tmp: Path) -> tuple[Run, bytes | None]:
    if case.setup:
        case.setup(tmp)
    args = [a.format(tmp=tmp, midmarket=MIDMARKET, saas=SAAS) for a in case.args]
    env = {k: v for k, v in os.environ.items() if k not in ("CSMODEL_DEBUG", "PYTHONIOENCODING")}
    env.update(case.env)
    code = "\n".join(
        [
            case.patch,
            "import sys",
            "from csmodel.cli import main",
            "sys.argv[0] = 'csmodel'",
            "main()",
        ]
    )
    fifo_data: list[bytes] = []
    reader = None
    if case.fifo_reader:
        os.mkfifo(tmp / "fifo")

        def read() -> None:
            with open(tmp / "fifo", "rb") as fh:
                fifo_data.append(fh.read())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
    closers = []
    if case.stdout == "closed":
        r, w = os.pipe()
        os.close(r)  # nobody will ever read: every write gets EPIPE
        stdout: object = w
        closers.append(lambda: os.close(w))
    elif case.stdout == "full":
        stdout = open("/dev/full", "wb")  # noqa: SIM115
        closers.append(stdout.close)
    elif case.stdout == "file":
        stdout = open(tmp / "stdout.txt", "wb")  # noqa: SIM115
        closers.append(stdout.close)
    else:
        stdout = subprocess.PIPE
    stderr: object = subprocess.PIPE
    if case.stderr_to == "full":
        stderr = open("/dev/full", "wb")  # noqa: SIM115
        closers.append(stderr.close)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            timeout=TIMEOUT,
            cwd=tmp,
            env=env,
        )
    finally:
        for close in closers:
            close()
    if reader is not None:
        reader.join(TIMEOUT)
    run = Run(proc.returncode, proc.stdout or b"", proc.stderr or b"", tmp)
    return run, (fifo_data[0] if fifo_data else None)


# --- helpers for setups and checks ------------------------------------------------------------


def is_json(data: bytes) -> bool:
    return json.loads(data)["schema_version"] >= 1


def only(*names: str) -> Callable[[Run], None]:
    """The working directory holds exactly ``names`` afterwards."""

    def check(run: Run) -> None:
        assert run.left() == sorted(names)

    return check


def symlink(name: str, to: str) -> Callable[[Path], None]:
    return lambda tmp: os.symlink(to, tmp / name)


def write(name: str, text: str) -> Callable[[Path], None]:
    return lambda tmp: (tmp / name).write_text(text, encoding="utf-8")


def link_to_null_survives(run: Run) -> None:
    assert os.path.islink(run.tmp / "out") and os.readlink(run.tmp / "out") == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert run.left() == ["out"]


def link_written_through(run: Run) -> None:
    assert os.path.islink(run.tmp / "link.json")  # the link stays a link
    assert is_json((run.tmp / "real.json").read_bytes())  # what it names was replaced
    assert run.left() == ["link.json", "real.json"]


def stdout_file_holds_json(run: Run) -> None:
    assert is_json((run.tmp / "stdout.txt").read_bytes())
    assert run.left() == ["stdout.txt"]


def stale_tmp_reclaimed(run: Run) -> None:
    assert run.left() == ["r.json"]
    assert is_json((run.tmp / "r.json").read_bytes())


def dev_null_is_still_a_device(run: Run) -> None:
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert run.left() == []


def stdout_holds_json(run: Run) -> None:
    assert is_json(run.stdout)


def stdout_is(encoding: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        run.stdout.decode(encoding)  # strict: every byte is a character of that encoding
        run.stderr.decode(encoding)
        assert run.stdout

    return check


def help_without_output_option(run: Run) -> None:
    assert "--output" not in run.stdout.decode()
    assert "--force" in run.stdout.decode()


def no_raw_control(run: Run) -> None:
    assert ESC not in run.err and "\x07" not in run.err
    assert "\\x1b" in run.err


def readonly_dir(tmp: Path) -> None:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o500)
    if os.access(tmp / "ro", os.W_OK):
        (tmp / "ro").chmod(0o700)
        pytest.skip("running with privileges that write anywhere (root)")


def readonly_dir_left(run: Run) -> None:
    assert list((run.tmp / "ro").iterdir()) == []
    (run.tmp / "ro").chmod(0o700)


INTERRUPT = (
    "import csmodel.engine\n"
    "def interrupt(*a, **k):\n"
    "    raise KeyboardInterrupt\n"
    "csmodel.engine.project = interrupt\n"
)

CANNOT = "csmodel: cannot write "

CASES = [
    # --- stdout refuses ---------------------------------------------------------------------
    Case("stdout-full-json", ("project", "{midmarket}", "-f", "json"), 4,
         CANNOT + "<stdout>: no space left on device", stdout="full", after=only()),
    Case("stdout-full-table", ("project", "{midmarket}"), 4,
         CANNOT + "<stdout>: no space left on device", stdout="full"),
    Case("stdout-full-check-is-not-a-failed-check", ("check", "{midmarket}"), 4,
         CANNOT + "<stdout>", stdout="full"),
    Case("stdout-full-validate", ("validate", "{midmarket}"), 4, CANNOT + "<stdout>",
         stdout="full"),
    # --- a closed pipe ends quietly ---------------------------------------------------------
    Case("closed-pipe-json", ("project", "{saas}", "-f", "json"), 141, "", stdout="closed"),
    Case("closed-pipe-table", ("project", "{saas}"), 141, "", stdout="closed"),
    Case("closed-pipe-csv", ("project", "{saas}", "-f", "csv", "--by", "month"), 141, "",
         stdout="closed"),
    Case("closed-pipe-check-text", ("check", "{saas}"), 141, "", stdout="closed"),
    Case("closed-pipe-check-junit", ("check", "{saas}", "-f", "junit"), 141, "",
         stdout="closed"),
    Case("closed-pipe-headcount", ("headcount", "{midmarket}"), 141, "", stdout="closed"),
    Case("closed-pipe-validate", ("validate", "{saas}"), 141, "", stdout="closed"),
    Case("closed-pipe-via-dev-stdout", ("project", "{saas}", "-f", "json", "-o", "/dev/stdout"),
         141, "", stdout="closed", after=only()),
    # --- --output the system refuses --------------------------------------------------------
    Case("output-name-too-long", ("project", "{midmarket}", "-f", "json", "-o", LONG_NAME), 4,
         CANNOT + LONG_NAME + ": file name too long", after=only()),
    Case("output-onto-dev-full", ("project", "{midmarket}", "-o", "/dev/full"), 4,
         CANNOT + "/dev/full: no space left on device", after=only()),
    Case("output-parent-is-a-file", ("project", "{midmarket}", "-o", "notes.txt/r.json"), 4,
         CANNOT + "notes.txt/r.json: not a directory", setup=write("notes.txt", "mine\n"),
         after=only("notes.txt")),
    Case("output-missing-directory", ("project", "{midmarket}", "-o", "nope/r.json"), 4,
         CANNOT + "nope/r.json: directory nope does not exist", after=only()),
    Case("output-in-read-only-directory", ("project", "{midmarket}", "-o", "ro/r.json"), 4,
         CANNOT + "ro/r.json: permission denied", setup=readonly_dir, after=readonly_dir_left),
    Case("output-onto-a-directory", ("project", "{midmarket}", "-o", "{tmp}"), 4,
         CANNOT + "{tmp}: it is a directory", after=only()),
    Case("output-existing-file-needs-force", ("project", "{midmarket}", "-o", "r.json"), 2,
         "csmodel: error: r.json already exists; use --force to overwrite it",
         setup=write("r.json", "mine\n"), after=only("r.json")),
    Case("init-into-a-file-as-directory", ("init", "notes.txt/csmodel.yaml"), 4,
         CANNOT + "notes.txt/csmodel.yaml: not a directory", setup=write("notes.txt", "x\n"),
         after=only("notes.txt")),
    # --- --output onto nodes that are not regular files: written into, never replaced --------
    Case("output-dev-stdout-pipe", ("project", "{midmarket}", "-f", "json", "-o", "/dev/stdout"),
         0, "", after=stdout_holds_json),
    Case("output-dev-stdout-file", ("project", "{midmarket}", "-f", "json", "-o", "/dev/stdout"),
         0, "", stdout="file", after=stdout_file_holds_json),
    Case("output-dev-null-no-force", ("project", "{midmarket}", "-o", os.devnull), 0, "",
         after=dev_null_is_still_a_device),
    Case("output-symlink-to-dev-null", ("project", "{midmarket}", "-o", "out"), 0, "",
         setup=symlink("out", os.devnull), after=link_to_null_survives),
    Case("output-fifo", ("project", "{midmarket}", "-f", "json", "-o", "fifo"), 0, "",
         fifo_reader=True),
    Case("init-onto-dev-null", ("init", os.devnull), 0, "wrote /dev/null",
         after=dev_null_is_still_a_device),
    # --- regular files: symlinks written through, stale temporaries reclaimed ---------------
    Case("output-symlink-to-file-force", ("project", "{midmarket}", "-f", "json", "-o",
         "link.json", "--force"), 0, "",
         setup=lambda t: (write("real.json", "old\n")(t), symlink("link.json", "real.json")(t)),
         after=link_written_through),
    Case("output-symlink-to-file-needs-force", ("project", "{midmarket}", "-o", "link.json"), 2,
         "link.json already exists; use --force",
         setup=lambda t: (write("real.json", "old\n")(t), symlink("link.json", "real.json")(t))),
    Case("output-dangling-symlink-creates-target", ("project", "{midmarket}", "-f", "json",
         "-o", "link.json"), 0, "", setup=symlink("link.json", "real.json"),
         after=link_written_through),
    Case("stale-temporary-reclaimed", ("project", "{midmarket}", "-f", "json", "-o", "r.json"),
         0, "", setup=write(".r.json.csmodel-tmp", "half a file"), after=stale_tmp_reclaimed),
    Case("stale-temporary-reclaimed-on-failure", ("project", "{midmarket}", "-o", "r.json"),
         2, "already exists", setup=lambda t: (write(".r.json.csmodel-tmp", "x")(t),
                                               write("r.json", "mine\n")(t)),
         after=only(".r.json.csmodel-tmp", "r.json")),
    # --- stderr refuses: no crash, the exit code still says what happened --------------------
    Case("stderr-full-keeps-exit-2", ("project", "missing.yaml"), 2, stderr_to="full"),
    Case("stderr-full-and-stdout-full", ("project", "{midmarket}"), 4, stdout="full",
         stderr_to="full"),
    # --- interrupts are unchanged -----------------------------------------------------------
    Case("interrupt-exit-130", ("project", "{midmarket}", "-o", "r.json"), 130,
         "csmodel: interrupted", patch=INTERRUPT, after=only()),
    # --- encodings --------------------------------------------------------------------------
    Case("help-ascii", ("--help",), 0, "", env={"PYTHONIOENCODING": "ascii"},
         after=stdout_is("ascii")),
    Case("help-cp1252", ("--help",), 0, "", env={"PYTHONIOENCODING": "cp1252"},
         after=stdout_is("cp1252")),
    Case("command-help-ascii", ("sensitivity", "--help"), 0, "",
         env={"PYTHONIOENCODING": "ascii"}, after=stdout_is("ascii")),
    Case("table-ascii", ("headcount", "{saas}"), 0, "", env={"PYTHONIOENCODING": "ascii"},
         after=stdout_is("ascii")),
    Case("table-cp1252", ("project", "{saas}"), 0, "", env={"PYTHONIOENCODING": "cp1252"},
         after=stdout_is("cp1252")),
    Case("check-ascii", ("check", "{saas}"), (0, 1), "", env={"PYTHONIOENCODING": "ascii"},
         after=stdout_is("ascii")),
    Case("error-on-ascii-stderr", ("project", "r\u00e9sum\u00e9\u2192.yaml"), 2,
         "r\\xe9sum\\xe9->.yaml: error: no such file", env={"PYTHONIOENCODING": "ascii"}),
    Case("error-on-cp1252-stderr", ("project", "\u2192.yaml"), 2, "->.yaml: error: no such file",
         env={"PYTHONIOENCODING": "cp1252"}),
    Case("user-chosen-error-handler-kept", ("project", "{saas}"), 0, "",
         env={"PYTHONIOENCODING": "ascii:replace"}, after=stdout_is("ascii")),
    # --- empty choices ----------------------------------------------------------------------
    Case("variant-empty", ("project", "{saas}", "--variant", ""), 2,
         "csmodel: error: --variant needs a variant name", after=only()),
    Case("variant-blank-headcount", ("headcount", "{saas}", "--variant", "  "), 2,
         "csmodel: error: --variant needs a variant name"),
    Case("variant-empty-sensitivity", ("sensitivity", "{saas}", "--variant", ""), 2,
         "csmodel: error: --variant needs a variant name"),
    Case("check-disable-empty", ("check", "{saas}", "--disable", ""), 2,
         "csmodel: error: --disable needs a lint id"),
    Case("check-set-empty", ("check", "{saas}", "--set", ""), 2, "--set : error: expected"),
    # --- control characters in messages are visible escapes ---------------------------------
    Case("file-name-with-esc", ("project", "a\x1b[2Jb\x1b]0;pwned\x07.yaml"), 2,
         "a\\x1b[2Jb\\x1b]0;pwned\\x07.yaml: error: no such file", after=no_raw_control),
    Case("set-text-with-esc", ("project", "{midmarket}", "--set", "a\x1b[2J=1"), 2,
         "a\\x1b[2J", after=no_raw_control),
    Case("variant-name-with-esc", ("project", "{midmarket}", "--variant", "v\x1b[2J"), 2,
         "v\\x1b[2J", after=no_raw_control),
    Case("output-name-with-esc", ("project", "{midmarket}", "-o", "d\x1b[2J/r.json"), 4,
         CANNOT + "d\\x1b[2J/r.json: directory d\\x1b[2J does not exist", after=no_raw_control),
    Case("check-file-name-with-newline", ("check", "bad\nname.yaml"), 2,
         "bad\\nname.yaml: error: no such file"),
    # --- help texts -------------------------------------------------------------------------
    Case("init-help-names-no-output-option", ("init", "--help"), 0, "",
         after=help_without_output_option),
    Case("exit-codes-documented", ("--help",), 0, "",
         after=lambda r: [f"{n} " in r.stdout.decode() for n in (4, 141)] == [True, True]
         or pytest.fail("exit codes 4 and 141 not in --help")),
]  # fmt: skip


def uses_dev_full(case: Case) -> bool:
    return "full" in (case.stdout, case.stderr_to) or "/dev/full" in case.args


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[tuple[Run, bytes | None]]]:
    """Every case started at once, a few subprocesses at a time; each test waits for its own."""
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    futures = {
        c.id: pool.submit(run_case, c, tmp_path_factory.mktemp(c.id))
        for c in CASES
        if os.path.exists("/dev/full") or not uses_dev_full(c)
    }
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_output(case: Case, runs: dict) -> None:
    if case.id not in runs:
        pytest.skip("no /dev/full on this system")
    run, fifo = runs[case.id].result()
    tmp_path = run.tmp
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    assert run.code in codes, run.err
    err = run.err
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert "bug in csmodel" not in err
    if case.stderr == "":
        assert err == ""
    elif case.stderr is not None:
        assert case.stderr.format(tmp=tmp_path) in err
        if 0 not in codes:
            assert len(err.splitlines()) == 1, err  # one line
    if case.fifo_reader:
        assert fifo is not None and is_json(fifo)
        assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)  # still a FIFO
        assert run.left() == ["fifo"]
    if case.after:
        case.after(run)


def test_every_case_has_a_distinct_id() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


# --- every command, every format, every shipped scenario, in ASCII and cp1252 --------------


def _commands() -> list[object]:
    from csmodel.render import CHECK, COMPARE, HEADCOUNT, PROJECT, SENSITIVITY

    registries = {
        "project": PROJECT,
        "headcount": HEADCOUNT,
        "compare": COMPARE,
        "sensitivity": SENSITIVITY,
        "check": CHECK,
    }
    # text formats only: a workbook is bytes (its hostile text: tests/test_xlsx.py)
    return [
        pytest.param(cmd, fmt, id=f"{cmd}-{fmt}")
        for cmd, reg in registries.items()
        for fmt in reg
        if fmt != "xlsx"
    ]


SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "examples").glob("*.yaml"))


def invoke(args: list[str], charset: str) -> tuple[int, bytes, bytes]:
    from typer.testing import CliRunner

    from csmodel.cli import app

    result = CliRunner(charset=charset).invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def same_data(fmt: str, ours: bytes, reference: bytes) -> None:
    """Machine formats parse, and to the same data as the UTF-8 run's."""
    if fmt == "json":
        assert json.loads(ours) == json.loads(reference)
    elif fmt == "junit":
        a, b = ET.fromstring(ours), ET.fromstring(reference)
        assert [(e.tag, sorted(e.attrib.items())) for e in a.iter()] == [
            (e.tag, sorted(e.attrib.items())) for e in b.iter()
        ]


def assert_encodes(args: list[object], fmt: str, charsets: tuple[str, ...]) -> None:
    """``args`` run with each charset: same exit as UTF-8, strict decoding, same machine data."""
    machine = fmt in ("json", "junit")
    expected, reference = 0, b""
    if machine or args[0] == "check":  # the UTF-8 run: the data to match, check's verdict
        expected, reference, _ = invoke(args, "utf-8")
        assert expected in ((0, 1) if args[0] == "check" else (0,))
    for charset in charsets:
        got, out, err = invoke(args, charset)
        assert got == expected, err.decode(charset, "replace")
        out.decode(charset)  # strict: every byte is a character of the stream's encoding
        err.decode(charset)
        if machine:
            assert out.isascii()  # machine documents on a non-UTF stream are pure ASCII
            same_data(fmt, out, reference)


@pytest.mark.parametrize(("command", "fmt"), _commands())
def test_every_format_in_ascii_and_cp1252(command: str, fmt: str) -> None:
    # the richest shipped scenario: three segments, variants, checks, charts
    assert_encodes([command, SAAS, "--format", fmt], fmt, ("ascii", "cp1252"))


@pytest.mark.parametrize("scenario", [p for p in SHIPPED if p != SAAS], ids=lambda p: p.stem)
@pytest.mark.parametrize("command", ["project", "headcount", "compare", "sensitivity", "check"])
def test_every_shipped_scenario_in_ascii(command: str, scenario: Path) -> None:
    # the human formats are where stand-ins are needed; machine formats are covered above
    assert_encodes([command, scenario], "table", ("ascii",))


def test_stand_ins_replace_what_the_stream_cannot_encode() -> None:
    from csmodel.cli.encoding import HANDLER, for_encoding

    text = (
        "ARR \u2192 exit \u2014 a \u00b7 b \u00d7 c \u2265 d \u2264 e \u00b1 1 \u20ac5 \u2588\u2502"
    )
    assert text.encode("ascii", HANDLER) == b"ARR -> exit - a * b x c >= d <= e +/- 1 EUR 5 #|"
    # cp1252 has the euro sign, the middle dot, the multiplication sign and the dash
    assert text.encode("cp1252", HANDLER).decode("cp1252") == (
        "ARR -> exit \u2014 a \u00b7 b \u00d7 c >= d <= e \u00b1 1 \u20ac5 #|"
    )
    # what has no stand-in becomes a visible escape, never an error
    assert "\u4e2d\U0001f600".encode("ascii", HANDLER) == b"\\u4e2d\\U0001f600"
    # the same, as a str for renderers that measure text before printing it
    assert for_encoding("a \u2192 b \u20ac", "ascii") == "a -> b EUR "
    assert for_encoding("a \u2192 b \u20ac", "cp1252") == "a -> b \u20ac"
    assert for_encoding("a \u2192 b", "utf-8") == "a \u2192 b"


def test_json_and_xml_keep_their_meaning_in_ascii() -> None:
    from csmodel.cli.encoding import ascii_document

    doc = json.dumps({"name": "caf\u00e9 \u2192 \U0001f600"}, ensure_ascii=False)
    assert json.loads(ascii_document(doc)) == json.loads(doc)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<a n="\u00e9\u2192">\u20ac</a>'
    assert ET.fromstring(ascii_document(xml).encode("ascii")).attrib["n"] == "\u00e9\u2192"
    assert ascii_document("| table \u2192 |") is None  # other text is left to the stand-ins


def test_visible_escapes_control_characters() -> None:
    from csmodel.cli.encoding import visible

    assert visible("a\x1b[2Jb\x07\x9b\n\t\u202e") == "a\\x1b[2Jb\\x07\\x9b\\n\\t\\u202e"
    assert visible("caf\u00e9 \u2192 ok") == "caf\u00e9 \u2192 ok"  # printable text untouched


def test_temporary_name_fits_any_target_name() -> None:
    from csmodel.cli.common import _tmp_name

    assert _tmp_name("r.json") == ".r.json.csmodel-tmp"
    long = "\u00e9" * 120 + ".json"  # 245 bytes: fine as a name, too long with the suffix
    tmp = _tmp_name(long)
    assert len(os.fsencode(tmp)) <= 255
    assert tmp == _tmp_name(long)  # fixed: the next write finds and reclaims it
    assert tmp != _tmp_name("\u00e9" * 120 + ".yaml")
