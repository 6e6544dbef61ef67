#!/usr/bin/env python3
"""How qapidoc agrees with each QEMU release, 2.10 to 10.2: the table of README's correctness section.

    .venv/bin/python scripts/release_agreement.py [--mutants N] [--qga-mutants M] [--tree-mutants T]
                                                  [--seed S] [--keep DIR]

Clones ``../shared/corpus/qemu-qapi-history.bundle`` into a temporary
directory and, for each release:

* roots: how many of its root schemas ``qapidoc check`` accepts, by the
  rules its ``VERSION`` names (and by detection alone, without it);
* suite: how many cases of the release's own QAPI test suite agree (first
  error at QEMU's place; valid cases accepted, their dump equal to
  ``.out``);
* differential (2.12 on, where the release's front end runs on today's
  Python): its roots, N mutants of its test cases, M mutants of the doc
  comments of its QGA schema and T copies of its QMP schema with one module
  mutated, read by QEMU's front end and by qapidoc:
  verdicts that agree (accept, or reject with QEMU's error among qapidoc's)
  and, of the rejected, those whose first error is QEMU's.

Mutants are drawn with a seeded random generator (``--seed``), so a run is
reproducible.  It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.agreement import disagreement  # noqa: E402
from support.bundle import RELEASES, release_roots, release_tree, release_version  # noqa: E402
from support.mutants import RandomPicks, mutate, mutate_docs  # noqa: E402
from support.qemu_frontend import QemuFrontend, parse_error_text  # noqa: E402

from qapidoc import LoadOptions, load_schema  # noqa: E402
from qapidoc.cli.common import exit_code  # noqa: E402
from qapidoc.frontend.dump import dump_docs, dump_entities  # noqa: E402


def suite_agreement(tree: pathlib.Path, tag: str) -> tuple[int, int]:
    suite = tree / "tests" / "qapi-schema"
    os.chdir(suite)
    options = LoadOptions(dialect=release_version(tag))
    cases = sorted(p.stem for p in suite.glob("*.err") if p.with_suffix(".json").exists())
    agree = 0
    for case in cases:
        expected = (suite / f"{case}.err").read_text()
        verdict = parse_error_text(expected) if expected.strip() else {"verdict": "ok"}
        result = load_schema(f"{case}.json", options)
        if disagreement(result, verdict) is not None:
            continue
        if verdict["verdict"] == "ok" and \
                dump_entities(result) + dump_docs(result) != (suite / f"{case}.out").read_text():
            continue
        agree += 1
    return agree, len(cases)


def tree_mutants(tree: pathlib.Path, root: pathlib.Path, rng: random.Random, count: int) -> list[pathlib.Path]:
    """``count`` copies of the modules of ``root`` inside ``tree`` (so that
    its ``VERSION`` still holds), each with one module mutated; their roots."""
    modules = [pathlib.Path(m.file.path).resolve().relative_to(tree.resolve())
               for m in load_schema(str(root), LoadOptions(docs=False)).modules]
    out = []
    for k in range(count):
        copy = tree / f"zz-tree-{k}"
        for relative in modules:
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree / relative, copy / relative)
        victim = copy / rng.choice(modules)
        victim.write_text(mutate(RandomPicks(rng), victim.read_text()))
        out.append(copy / root.relative_to(tree))
    return out


def differential(tree: pathlib.Path, tag: str, roots: dict[str, pathlib.Path], rng: random.Random,
                 mutants: int, qga_mutants: int, keep: pathlib.Path | None = None,
                 trees: tuple[random.Random, int] | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    suite = tree / "tests" / "qapi-schema"
    cases = sorted(p for p in suite.glob("*.json") if p.with_suffix(".err").exists())
    dialect = LoadOptions(dialect=release_version(tag))
    with QemuFrontend(tree) as qemu:
        inputs: list[tuple[pathlib.Path, LoadOptions]] = [(root, LoadOptions()) for root in roots.values()]
        for k in range(mutants):
            path = suite / f"zz-mutant-{k}.json"
            path.write_text(mutate(RandomPicks(rng), rng.choice(cases).read_text()))
            inputs.append((path, dialect))
        verdicts = qemu.verdicts(path for path, _ in inputs)
        qga = roots["qga"]
        original = qga.read_text()
        for k in range(qga_mutants):
            path = qga.with_name(f"zz-mutant-{k}.json")
            path.write_text(mutate_docs(RandomPicks(rng), original))
            inputs.append((path, LoadOptions()))
        if trees is not None:
            inputs += [(path, LoadOptions()) for path in tree_mutants(tree, roots["qmp"], *trees)]
        verdicts += qemu.verdicts(path for path, _ in inputs[len(verdicts):])
    for (path, options), verdict in zip(inputs, verdicts, strict=True):
        if verdict["verdict"] == "crash":
            counts["qemu-crash"] += 1
            continue
        result = load_schema(str(path), options)
        counts["inputs"] += 1
        counts["rejected"] += verdict["verdict"] == "error"
        if disagreement(result, verdict, first_only=False) is None:
            counts["agree"] += 1
            first = disagreement(result, verdict) if verdict["verdict"] == "error" else None
            counts["first"] += verdict["verdict"] == "error" and first is None
            if first is not None:
                print(f"  {tag} {path.name}: first error elsewhere: {first}", file=sys.stderr)
                _keep(keep, tag, path)
        else:
            print(f"  {tag} {path.name}: {disagreement(result, verdict, first_only=False)}", file=sys.stderr)
            _keep(keep, tag, path)
    return counts


def _keep(keep: pathlib.Path | None, tag: str, path: pathlib.Path) -> None:
    """Copy an input on which the two differ into ``keep`` (when given)."""
    if keep is None:
        return
    keep.mkdir(parents=True, exist_ok=True)
    if path.name.startswith("zz-mutant-"):
        (keep / f"{tag}-{path.name}").write_bytes(path.read_bytes())
    for parent in path.parents:
        if parent.name.startswith("zz-tree-"):
            shutil.copytree(parent, keep / f"{tag}-{parent.name}", dirs_exist_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", type=int, default=500, help="mutants of test cases per release")
    parser.add_argument("--qga-mutants", type=int, default=40, help="mutants of the QGA schema per release")
    parser.add_argument("--tree-mutants", type=int, default=20,
                        help="copies of the QMP schema per release, one module of each mutated")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--keep", type=pathlib.Path, metavar="DIR",
                        help="copy each mutant on which qapidoc and QEMU differ into DIR")
    args = parser.parse_args()
    shared = pathlib.Path(os.environ.get("QAPIDOC_SHARED", ROOT.parent / "shared"))
    bundle = shared / "corpus" / "qemu-qapi-history.bundle"
    if not bundle.is_file():
        print(f"the history bundle is not there: {bundle}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    # (its own generator, so that the other mutants do not change with its count)
    tree_rng = random.Random(f"trees-{args.seed}")
    print("| release | roots clean (VERSION / detected) | own suite agrees | differential: verdicts agree "
          "| first error is QEMU's |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        repo = pathlib.Path(tmp) / "qemu-history"
        subprocess.run(["git", "clone", "--quiet", str(bundle), str(repo)], check=True)
        for tag in RELEASES:
            tree = release_tree(repo, tag)
            roots = release_roots(repo, tag)
            by_version = sum(exit_code(load_schema(str(r)).diagnostics) == 0 for r in roots.values())
            detected = sum(exit_code(load_schema(str(r), LoadOptions(tree_version=False)).diagnostics) == 0
                           for r in roots.values())
            agree, cases = suite_agreement(tree, tag)
            if release_version(tag) >= (2, 12):
                c = differential(tree, tag, roots, rng, args.mutants, args.qga_mutants, args.keep,
                                 (tree_rng, args.tree_mutants))
                diff = f"{c['agree']} / {c['inputs']}"
                first = f"{c['first']} / {c['rejected']}"
            else:
                diff = first = "(no front end on Python 3)"
            print(f"| {tag[1:-2]} | {by_version} / {detected} of {len(roots)} | {agree} / {cases} | {diff} | {first} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
