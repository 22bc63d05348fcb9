#!/usr/bin/env python3
"""Generate (or check) the dbt-core "oracle" goldens for the example projects.

For every example project under ``examples/`` this script

1. copies the project (and ``examples/packages/``, which holds the local
   packages the examples install) into a temporary directory, so that no dbt
   artifact is ever written inside the repository;
2. runs ``dbt deps`` when the project has a ``packages.yml``;
3. runs ``dbt compile --profiles-dir . --target-path target`` in that
   temporary copy;
4. writes ``tests/goldens/<example>/manifest.json``: dbt's manifest with the
   volatile values normalised (see ``normalize_manifest``), pretty-printed
   with sorted keys and a trailing newline;
5. writes ``tests/goldens/<example>/compiled/``: a copy of the
   ``target/compiled/`` tree dbt produced.

With ``--check`` the goldens are regenerated into a temporary directory and
compared with the committed ones; the script exits with status 1 and prints a
summary of the differences when they do not match.

The environment dbt runs in is fixed: ``TZ=UTC``, ``PYTHONHASHSEED=0``,
anonymous usage statistics off, every inherited ``DBT_*`` and ``TRELLIS_*``
variable removed and the variables in ``tests/oracle/env.json`` set.

Usage:
    python3 tests/oracle/goldens.py                 # regenerate all goldens
    python3 tests/oracle/goldens.py --check         # verify committed goldens
    python3 tests/oracle/goldens.py --example shop  # only one example
    python3 tests/oracle/goldens.py --normalize MANIFEST --root DIR [--out FILE]
        # apply the golden normalisation to any manifest.json (for example one
        # written by another implementation) whose project lived at DIR
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "examples"
LS_CASES = REPO_ROOT / "tests" / "oracle" / "ls_cases.json"
GOLDENS_DIR = REPO_ROOT / "tests" / "goldens"

# Example projects, in the order they are generated.
EXAMPLES = ["shop", "kitchen_sink"]

# Directories under examples/ that are copied next to every project, so that
# `local: ../packages/<name>` entries in packages.yml resolve.
SHARED_DIRS = ["packages"]

# The dbt-core version the committed goldens were produced with.
EXPECTED_DBT_VERSION = "1.11.16"

# Environment variables the examples read with env_var(), shared with the
# Rust conformance tests through tests/oracle/env.json. TRELLIS_REGION is set
# to a value different from its default; TRELLIS_X is deliberately left unset
# so that its default is used.
ENV_FILE = Path(__file__).resolve().parent / "env.json"
DEFAULT_FIXED_ENV = {
    "TRELLIS_REGION": "amer",
}


def load_fixed_env() -> dict[str, str]:
    if ENV_FILE.is_file():
        data = json.loads(ENV_FILE.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}
    return dict(DEFAULT_FIXED_ENV)


FIXED_ENV = load_fixed_env()

# What the script owns inside tests/goldens/<example>/; anything else there
# is left alone when regenerating and ignored when checking.
GENERATED = ("manifest.json", "compiled", "ls.json", "unit_tests.json", "catalog.json")

# Fixed stand-ins for the metadata values that change on every invocation.
# They keep dbt's formats, so a normalised manifest still loads in dbt-core
# (e.g. as --state), and match Trellis's fixed invocation values.
FIXED_METADATA = {
    "generated_at": "2000-01-01T00:00:00.000000Z",
    "invocation_id": "00000000-0000-0000-0000-000000000000",
    "invocation_started_at": "2000-01-01T00:00:00.000000+00:00",
    "run_started_at": "2000-01-01T00:00:00.000000+00:00",
}
# Replacement for the absolute directory of the project being compiled.
ROOT_PLACEHOLDER = "<root>"

# Directories dbt creates inside a project; never copied into the temp dir.
IGNORED_NAMES = {"target", "logs", "dbt_packages", "package-lock.yml", ".user.yml"}


def ignore_artifacts(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n in IGNORED_NAMES or n.endswith((".duckdb", ".duckdb.wal"))}


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------

def _replace_prefixes(value: str, prefixes: list[tuple[str, str]]) -> str:
    for old, new in prefixes:
        if old and old in value:
            value = value.replace(old, new)
    return value


def _normalize(obj: Any, prefixes: list[tuple[str, str]]) -> Any:
    if isinstance(obj, dict):
        out = {}
        is_resource = "unique_id" in obj or "resource_type" in obj
        for key, value in obj.items():
            if key == "created_at" and is_resource and isinstance(value, (int, float)):
                # creation time of the in-memory node object
                out[key] = 0
            else:
                out[key] = _normalize(value, prefixes)
        return out
    if isinstance(obj, list):
        return [_normalize(v, prefixes) for v in obj]
    if isinstance(obj, str):
        return _replace_prefixes(obj, prefixes)
    return obj


def normalize_manifest(manifest: dict, root_dirs: list[str]) -> dict:
    """Return a copy of ``manifest`` with the volatile values normalised.

    * ``metadata.generated_at``, ``invocation_id``, ``invocation_started_at``
      and ``run_started_at`` get the fixed values in ``FIXED_METADATA``;
      ``metadata.env`` becomes ``{}``;
    * every ``created_at`` number of a resource (a dict with ``unique_id`` or
      ``resource_type``) becomes ``0``;
    * in every string, each directory in ``root_dirs`` is replaced with
      ``<root>`` (the longest first), so ``root_path`` and any other absolute
      path become ``<root>``-relative;
    * any ``.../site-packages`` or ``.../dist-packages`` prefix becomes
      ``<site-packages>``.

    Everything else is kept as dbt wrote it.
    """
    prefixes: list[tuple[str, str]] = []
    for d in sorted({str(d) for d in root_dirs if d}, key=len, reverse=True):
        prefixes.append((d, ROOT_PLACEHOLDER))
    out = _normalize(manifest, prefixes)
    meta = out.get("metadata", {})
    for key, value in FIXED_METADATA.items():
        if key in meta:
            meta[key] = value
    if "env" in meta:
        meta["env"] = {}
    text = json.dumps(out, sort_keys=True)
    text = re.sub(r'(?<=")(/[^"]*?/(?:site|dist)-packages)(?=/)', "<site-packages>", text)
    return json.loads(text)


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------
# running dbt
# --------------------------------------------------------------------------

def dbt_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBT_", "TRELLIS_"))
    }
    env.update(
        {
            "TZ": "UTC",
            "PYTHONHASHSEED": "0",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
            "DBT_PARTIAL_PARSE": "false",
            "DBT_PRINTER_WIDTH": "80",
        }
    )
    env.update(FIXED_ENV)
    return env


def run_dbt(dbt: str, args: list[str], cwd: Path, log_file: Path) -> None:
    cmd = [dbt, *args]
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(cmd)}  (cwd={cwd})\n")
        log.flush()
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=dbt_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if proc.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
        raise SystemExit(
            f"error: `{' '.join(cmd)}` failed with exit code {proc.returncode} in {cwd}\n"
            + "\n".join(tail)
        )


def run_dbt_ls(dbt: str, args: list[str], cwd: Path, log_file: Path) -> list[str]:
    """The lines `dbt -q ls ARGS` prints on stdout."""
    cmd = [dbt, "-q", "ls", *args]
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(cmd)}  (cwd={cwd})\n")
    proc = subprocess.run(cmd, cwd=cwd, env=dbt_env(), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"error: `{' '.join(cmd)}` failed with exit code {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


def dbt_version(dbt: str) -> str | None:
    try:
        out = subprocess.run(
            [dbt, "--version"],
            env=dbt_env(),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        ).stdout
    except FileNotFoundError:
        raise SystemExit(f"error: dbt executable not found: {dbt}")
    m = re.search(r"installed:\s*([0-9][^\s]*)", out)
    return m.group(1) if m else None


def generate_example(example: str, out_dir: Path, dbt: str, work: Path) -> None:
    """Compile ``examples/<example>`` in ``work`` and write goldens to ``out_dir``."""
    src = EXAMPLES_DIR / example
    if not (src / "dbt_project.yml").is_file():
        raise SystemExit(f"error: {src} is not a dbt project")

    sandbox = work / example
    sandbox.mkdir(parents=True)
    project = sandbox / example
    shutil.copytree(src, project, ignore=ignore_artifacts)
    for shared in SHARED_DIRS:
        if (EXAMPLES_DIR / shared).is_dir():
            shutil.copytree(EXAMPLES_DIR / shared, sandbox / shared, ignore=ignore_artifacts)
    # A relative target path inside the temporary copy keeps the recorded
    # compiled_path values as dbt writes them by default (target/compiled/...).
    target = project / "target"
    log_file = sandbox / "dbt.log"

    common = ["--profiles-dir", ".", "--no-send-anonymous-usage-stats", "--no-use-colors"]
    if (project / "packages.yml").is_file() or (project / "dependencies.yml").is_file():
        run_dbt(dbt, ["deps", *common], project, log_file)
    run_dbt(
        dbt,
        ["compile", *common, "--target-path", "target", "--log-path", str(sandbox / "logs")],
        project,
        log_file,
    )

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    roots = [str(project), os.path.realpath(project)]
    normalized = normalize_manifest(manifest, roots)

    # Paths outside the project (e.g. the sandbox itself) must not leak.
    text = dump_json(normalized)
    for leaked in {str(sandbox), os.path.realpath(sandbox)}:
        if leaked in text:
            raise SystemExit(f"error: temporary path {leaked} still present in the normalised manifest")

    dest = out_dir / example
    dest.mkdir(parents=True, exist_ok=True)
    for name in GENERATED:
        old = dest / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    (dest / "manifest.json").write_text(text, encoding="utf-8")
    compiled = target / "compiled"
    if compiled.is_dir():
        shutil.copytree(compiled, dest / "compiled")

    # `dbt ls` for every case in ls_cases.json: the selector oracle.
    cases = json.loads(LS_CASES.read_text(encoding="utf-8")).get(example, [])
    listings = {}
    for args in cases:
        listings[" ".join(args)] = run_dbt_ls(dbt, [*args, *common, "--target-path", "target", "--log-path", str(sandbox / "logs")], project, log_file)
    (dest / "ls.json").write_text(dump_json(listings), encoding="utf-8")

    if manifest.get("unit_tests"):
        generate_unit_tests(dbt, project, sandbox, common, dest, log_file)


def generate_unit_tests(dbt: str, project: Path, sandbox: Path, common: list[str], dest: Path, log_file: Path) -> None:
    """The SQL `dbt test` runs for each unit test, and the catalog it ran with.

    Unit test SQL casts fixture rows to the columns of the relations the
    inputs stand for, so dbt needs them built: seeds, then every model the
    unit tests read (``+test_type:unit``). ``dbt docs generate`` then records
    those relations' columns in ``catalog.json``, which Trellis reads in
    place of a warehouse to produce the same SQL.
    """
    logs = ["--target-path", "target", "--log-path", str(sandbox / "logs")]
    run_dbt(dbt, ["seed", *common, *logs], project, log_file)
    run_dbt(dbt, ["run", "--select", "+test_type:unit", *common, *logs], project, log_file)
    run_dbt(dbt, ["test", "--select", "test_type:unit", *common, *logs], project, log_file)
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    sql = {
        r["unique_id"]: r.get("compiled_code")
        for r in results.get("results", [])
        if r["unique_id"].startswith("unit_test.")
    }
    (dest / "unit_tests.json").write_text(dump_json(sql), encoding="utf-8")
    run_dbt(dbt, ["docs", "generate", *common, *logs], project, log_file)
    catalog = json.loads((project / "target" / "catalog.json").read_text(encoding="utf-8"))
    meta = catalog.get("metadata", {})
    for key in ("generated_at", "invocation_id", "invocation_started_at"):
        if key in meta:
            meta[key] = FIXED_METADATA.get(key, FIXED_METADATA["generated_at"])
    meta["env"] = {}
    (dest / "catalog.json").write_text(dump_json(catalog), encoding="utf-8")


def generate_all(examples: list[str], out_dir: Path, dbt: str, keep_temp: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="trellis-goldens-"))
    try:
        for example in examples:
            print(f"compiling {example} ...", file=sys.stderr)
            generate_example(example, out_dir, dbt, work)
    finally:
        if keep_temp:
            print(f"kept temporary directory {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------

def list_files(root: Path) -> set[str]:
    """Files under ``root`` that the script generates (see GENERATED)."""
    if not root.is_dir():
        return set()
    files = set()
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and rel.parts[0] in GENERATED:
            files.add(rel.as_posix())
    return files


def compare_trees(expected: Path, actual: Path, max_diff_lines: int = 40) -> list[str]:
    """Return human-readable differences between two golden trees."""
    problems: list[str] = []
    exp_files = list_files(expected)
    act_files = list_files(actual)
    for rel in sorted(exp_files - act_files):
        problems.append(f"stale: {rel} is committed but no longer generated")
    for rel in sorted(act_files - exp_files):
        problems.append(f"missing: {rel} is generated but not committed")
    for rel in sorted(exp_files & act_files):
        e, a = expected / rel, actual / rel
        if filecmp.cmp(e, a, shallow=False):
            continue
        e_lines = e.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        a_lines = a.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        diff = list(
            difflib.unified_diff(e_lines, a_lines, f"committed/{rel}", f"regenerated/{rel}", n=2)
        )
        changed = sum(1 for d in diff if d[:1] in "+-" and not d.startswith(("+++", "---")))
        shown = "".join(diff[:max_diff_lines])
        more = f"  ... ({len(diff) - max_diff_lines} more diff lines)\n" if len(diff) > max_diff_lines else ""
        problems.append(f"changed: {rel} ({changed} lines differ)\n{shown}{more}")
    return problems


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary directory and compare with tests/goldens")
    parser.add_argument("--example", action="append", choices=EXAMPLES,
                        help="only this example (may be repeated)")
    parser.add_argument("--dbt", default=os.environ.get("TRELLIS_DBT", "dbt"),
                        help="dbt executable (default: $TRELLIS_DBT or `dbt`)")
    parser.add_argument("--keep-temp", action="store_true",
                        help="keep the temporary project copies for inspection")
    parser.add_argument("--normalize", metavar="MANIFEST",
                        help="normalise MANIFEST like the goldens and print it (or write --out)")
    parser.add_argument("--root", action="append", default=[],
                        help="with --normalize: the project directory to replace with <root>")
    parser.add_argument("--out", help="with --normalize: write here instead of stdout")
    args = parser.parse_args(argv)

    if args.normalize:
        manifest = json.loads(Path(args.normalize).read_text(encoding="utf-8"))
        roots = args.root + [os.path.realpath(r) for r in args.root]
        text = dump_json(normalize_manifest(manifest, roots))
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    examples = args.example or EXAMPLES

    version = dbt_version(args.dbt)
    if version != EXPECTED_DBT_VERSION:
        print(
            f"warning: goldens are produced with dbt-core {EXPECTED_DBT_VERSION}, "
            f"found {version or 'an unknown version'}; output may differ",
            file=sys.stderr,
        )

    if not args.check:
        generate_all(examples, GOLDENS_DIR, args.dbt, args.keep_temp)
        print(f"wrote goldens for {', '.join(examples)} to {GOLDENS_DIR.relative_to(REPO_ROOT)}",
              file=sys.stderr)
        return 0

    fresh = Path(tempfile.mkdtemp(prefix="trellis-goldens-check-"))
    try:
        generate_all(examples, fresh, args.dbt, args.keep_temp)
        problems: list[str] = []
        for example in examples:
            for p in compare_trees(GOLDENS_DIR / example, fresh / example):
                problems.append(f"[{example}] {p}")
        if problems:
            stale = sum(p.split("] ", 1)[1].startswith("stale") for p in problems)
            missing = sum(p.split("] ", 1)[1].startswith("missing") for p in problems)
            changed = len(problems) - stale - missing
            print("goldens are out of date:", file=sys.stderr)
            for p in problems:
                print(p, file=sys.stderr)
            print(
                f"\n{changed} changed, {missing} missing, {stale} stale file(s). "
                "Regenerate with `cargo xtask goldens` "
                "(python3 tests/oracle/goldens.py) and review the changes.",
                file=sys.stderr,
            )
            return 1
        print(f"goldens up to date for {', '.join(examples)}", file=sys.stderr)
        return 0
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
