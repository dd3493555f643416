"""Mutation testing of the parts where a silent error costs most (issue 19), with mutmut.

    .venv/bin/pip install -e '.[test,mutation]'
    .venv/bin/python scripts/mutation.py domain            # one target
    .venv/bin/python scripts/mutation.py all --jobs 2      # every target, one after another
    .venv/bin/python scripts/mutation.py domain --survivors  # list what survived (after a run)

Each target runs in its own scratch directory ``.mutation/<target>/`` (git-ignored): the
repo's ``samad_desk`` and ``tests`` linked in, the repo's ``pyproject.toml`` with a
``[tool.mutmut]`` section for that target, so every target mutates only its modules and
runs only the fast tests that guard them (mutmut then runs, per mutant, only the tests that
reached the mutated function). Not part of CI: a full run takes tens of minutes on two
cores. Scores per module are written to ``docs/mutation.md`` by hand from ``--summary``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: where runs live; SAMAD_MUTATION_DIR points a worktree's --check at another tree's run
SCRATCH = Path(os.environ.get("SAMAD_MUTATION_DIR") or ROOT / ".mutation")

#: target -> (modules to mutate, pytest arguments that select the tests guarding them)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    # the workflow's transition and role rules, the permission table, tracking codes
    "domain": (
        ["samad_desk/domain/workflow.py", "samad_desk/domain/permissions.py", "samad_desk/domain/tracking.py"],
        ["tests/unit/domain", "--ignore=tests/unit/domain/test_demo_generator.py"],
    ),
    # the shared reducer (largest: run it on its own)
    "reducer": (
        ["samad_desk/domain/reducer/*"],
        ["tests/unit/domain", "--ignore=tests/unit/domain/test_demo_generator.py",
         # the store's readers and overlay read the reducer's events and changes
         "tests/unit/store/test_citizen_events.py", "tests/unit/store/test_overlay.py",
         "tests/unit/store/test_readers.py", "tests/unit/services/test_session_commit.py"],
    ),
    # the server's scope guard alone, with its two test files (the quick part of "authz")
    "reach": (
        ["samad_desk/central/reach.py"],
        ["tests/integration/central/test_scope.py", "tests/integration/central/test_trust.py",
         "tests/integration/central/test_reach_chain.py", "tests/integration/central/test_reach_merge_op_id.py",
         "-k", "sqlite"],
    ),
    # passwords and tokens alone: the unit tests and the HTTP auth tests on SQLite (minutes;
    # the whole "authz" target is over an hour)
    "auth": (
        ["samad_desk/central/auth.py"],
        ["tests/unit/central/test_auth_tokens.py", "tests/integration/central/test_auth.py", "-k", "not pg"],
    ),
    "national_id": (["samad_desk/text/national_id.py"], ["tests/unit/text"]),
    # the journal: its unit tests, and from the real-fault tests the ones that fail the
    # journal's own writes (a full or read-only disk, a failing fsync: the cut-back append)
    # or its status log's torn tail; the cache's fault tests there reach the journal only by
    # opening a store and are left out (they guard cache.py and would run for every mutant
    # of the journal's readers)
    "journal": (
        ["samad_desk/store/journal.py"],
        ["tests/unit/store", *(f"tests/integration/store/test_faults.py::{t}" for t in (
            "test_save_fails_loudly_and_damages_nothing", "test_read_only_data_dir_at_open",
            "test_real_full_disk_and_real_read_only_mount",
            "test_full_disk_then_read_only_through_the_io_seam",
            "test_torn_status_tail_is_trimmed_before_the_next_push_result"))],
    ),
    # the server's authorization: its scope, trust, auth, push and pull tests, in-process
    # (TestClient) on SQLite; tests that start a real server process would run the
    # unmutated code and are left out
    "authz": (
        ["samad_desk/central/reach.py", "samad_desk/central/auth.py"],
        ["tests/integration/central/test_scope.py", "tests/integration/central/test_trust.py",
         "tests/integration/central/test_reach_chain.py", "tests/integration/central/test_reach_merge_op_id.py",
         "tests/integration/central/test_auth.py",
         "tests/integration/central/test_push.py",
         "tests/integration/central/test_pull.py", "-k", "sqlite"],
    ),
}

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 37: "type check", -24: "timeout", 24: "timeout", 152: "timeout",
          255: "timeout", None: "not checked"}


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(target: str) -> Path:
    modules, test_args = TARGETS[target]
    work = SCRATCH / target
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("samad_desk", "tests"):
        (work / name).symlink_to(ROOT / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject)
    pyproject += (
        "\n[tool.mutmut]\n"
        'source_paths = ["samad_desk"]\n'
        f"only_mutate = {_toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(test_args)}\n"
        'pytest_add_cli_args = ["-q", "-x", "-p", "no:cacheprovider"]\n'
        "use_git_change_detection = false\n"
    )
    (work / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return work


def mutmut(work: Path, *args: str) -> int:
    exe = Path(sys.executable).with_name("mutmut")
    env = dict(os.environ, CI=os.environ.get("CI", "true"))
    return subprocess.call([str(exe), *args], cwd=work, env=env)


def results(work: Path) -> dict[str, Counter]:
    """module path -> Counter of statuses, read from mutmut's ``.meta`` files."""
    out: dict[str, Counter] = {}
    for meta in (work / "mutants").rglob("*.py.meta"):
        module = str(meta.relative_to(work / "mutants"))[: -len(".meta")]
        data = json.loads(meta.read_text())
        counts = Counter(STATUS.get(code, "suspicious") for code in data.get("exit_code_by_key", {}).values())
        if counts:
            out[module] = counts
    return out


def survivors(work: Path) -> list[str]:
    names = []
    for meta in (work / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        names += [k for k, code in data.get("exit_code_by_key", {}).items() if code == 0]
    return sorted(names)


def check(target: str, pattern: str, tests: list[str]) -> int:
    """Apply each surviving mutant of the last run whose name matches ``pattern`` (fnmatch)
    to the tests ``tests`` (copied into the run's directory first, so tests written after
    the run count): one line per mutant, killed or survived. Several of these may run at
    once (each pytest is its own process; the run's files are only read)."""
    import fnmatch

    mutants = SCRATCH / target / "mutants"
    for test in tests:
        dest = mutants / test
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / test if not Path(test).is_absolute() else test, dest)
    names = [n for n in survivors(SCRATCH / target) if fnmatch.fnmatch(n, pattern)]
    killed = 0
    for name in names:
        env = dict(os.environ, CI="true", MUTANT_UNDER_TEST=name)
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                "-p", "no:randomly", *tests], cwd=mutants, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        verdict = "killed" if code == 1 else "survived" if code == 0 else f"exit {code}"
        killed += code == 1
        print(f"{verdict:9} {name}", flush=True)
    print(f"{killed} of {len(names)} killed")
    return 0


def summary(target: str) -> str:
    lines = []
    for module, c in sorted(results(SCRATCH / target).items()):
        total = sum(c.values())
        decided = c["killed"] + c["survived"] + c["timeout"]
        score = 100.0 * (c["killed"] + c["timeout"]) / decided if decided else 0.0
        lines.append(f"| `{module}` | {total} | {c['killed']} | {c['timeout']} | {c['survived']} | "
                     f"{c['no tests']} | {score:.1f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=[*TARGETS, "all"])
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants of the last run")
    parser.add_argument("--summary", action="store_true", help="print the score table of the last run")
    parser.add_argument("--show", metavar="MUTANT", help="show the diff of one mutant")
    parser.add_argument("--check", metavar="PATTERN",
                        help="apply the last run's survivors matching PATTERN (fnmatch) to --tests")
    parser.add_argument("--tests", nargs="+", default=[], help="test files for --check (repo paths)")
    args = parser.parse_args(argv)
    targets = list(TARGETS) if args.target == "all" else [args.target]
    for target in targets:
        work = SCRATCH / target
        if args.show:
            return mutmut(work, "show", args.show)
        if args.check:
            return check(target, args.check, args.tests)
        if args.survivors:
            print("\n".join(survivors(work)))
            continue
        if not args.summary:
            work = prepare(target)
            mutmut(work, "run", "--max-children", str(args.jobs))
        print("| module | mutants | killed | timeout | survived | no tests | score |")
        print("|---|---|---|---|---|---|---|")
        print(summary(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
