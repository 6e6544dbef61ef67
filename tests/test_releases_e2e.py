"""Every QEMU release from 2.10 to 10.2, end to end.

One pass over a clone of ``../shared/corpus/qemu-qapi-history.bundle``
(``tests/support/bundle.py``): for every tag and every root (QMP, QGA,
QSD; 70 roots), as a user runs the commands on the root file alone:

* ``qapidoc check`` exits 0 and prints nothing;
* ``qapidoc jsonschema`` writes its files (exit 0);
* ``qapidoc lint`` finds what ``tests/data/releases/lint.json`` pins, by
  release, root and rule; every finding was read (notes below);

and for every release's QMP root, in one Sphinx project (text builder,
``-j 2``): the build succeeds with no warning, every doc comment line is in
the output (``support/doc_coverage.py``), and the text is not shorter than
the previous release's by more than the schema's doc text shrank.

The roots run two at a time in worker processes while Sphinx builds.
Regenerate the pinned counts after a reviewed change with
``QAPIDOC_UPDATE=1 pytest tests/test_releases.py``.

What the lint findings are: 1,386 findings, 192 distinct ones (listed in
``tests/data/releases/lint.txt`` with the releases they are found in), each
read against the release's own definitions; all are documentation bugs that
QEMU's build never checked:

* QD501: examples that are not JSON: missing ',' between
  members (query-blockstats in every release, BLOCK_JOB_READY, the event
  examples whose "timestamp" follows "data" without a comma), trailing
  commas (query-rocker-of-dpa-flows, query-balloon), single-quoted names
  (calc-dirty-rate, NETDEV_STREAM_DISCONNECTED), unquoted names
  ('fdname'), unbalanced brackets, a '}' or ',' too early with arguments
  after it (dumpdtb, set-vcpu-dirty-limit, cancel-vcpu-dirty-limit).
* QD502/QD503: names that do not exist: 'block-latency-histogram-set'
  (x- prefixed since 2.12) and the event 'BLOCK_JOB_WAITING' (named
  BLOCK_JOB_PENDING).
* QD504: arguments that are not the command's: trace-event-set-state
  ("enable": "true"), dump-guest-memory without 'paging', netdev_add with a
  string 'dnssearch', replay-break/replay-seek and snapshot-save/-load/
  -delete with "data" instead of "arguments" (each also QD507: unknown
  member 'data'), migrate in 8.2 without its then required 'uri', and
  "offset": "0x1000" as a string since 8.2.
* QD505: replies that predate members added later or keep removed
  ones (query-migrate's MigrationStats, query-iothreads' poll members,
  query-block 'cache', 'active', 'children', query-pci 'irq_pin', query-vnc
  and query-spice, query-colo-status, query-memdev 'share', query-sev
  'sev-type', query-cpus-fast 'arch' after its removal and 'qom-type'), and
  misspellings (ImageInfo 'backing_file', 'disabled-legacy-check', sgx
  'section', TraceEventInfo 'vcpu' after its removal).
* QD506: event data missing required members (BLOCK_IO_ERROR
  'reason', BLOCK_IMAGE_CORRUPTED 'fatal', SHUTDOWN and RESET 'reason'
  4.0 to 6.2, the VNC events 'websocket', RTC_CHANGE and
  MEMORY_DEVICE_SIZE_CHANGE 'qom-path'), ACPI_DEVICE_OST with its info
  members spelt out in 'data', COMMAND_DROPPED with 'result',
  FAILOVER_NEGOTIATED with a bare string as data.
* QD507: the request shapes above, query-dirty-rate's bare results
  without "return" (8.1 on), calc-dirty-rate's {"command": ...} in 5.2/6.0.
* QD508/QD510: 2017-era examples without arrows or timestamps (to 8.0).
* QD607: 10.2's acpi-hest.json still writes a '== Heading'.
"""

from __future__ import annotations

import json
import os
import pathlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pytest
from support.bundle import RELEASES, release_roots, release_tree
from support.doc_coverage import uncovered_lines
from support.release_runs import RootRun, run_root, write_manuals
from support.sphinx_projects import build

from qapidoc.frontend.loader import load_schema

pytestmark = pytest.mark.slow

PINNED = pathlib.Path(__file__).parent / "data" / "releases" / "lint.json"

#: how much more (as a share of the previous release's length) the manual
#: may shrink than the schema's doc text did: rendering changed between
#: eras (texinfo-era markup, examples, rows), never by this much
SHRINK_TOLERANCE = 0.05


@dataclass(frozen=True)
class Releases:
    runs: dict[tuple[str, str], RootRun]
    manual_code: int
    manual_warnings: tuple[str, ...]
    #: tag -> the text of its QMP manual
    manual_text: dict[str, pathlib.Path]
    qmp_roots: dict[str, pathlib.Path]


@pytest.fixture(scope="module")
def releases(history_repo: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Releases:
    base = tmp_path_factory.mktemp("releases")
    roots = {tag: release_roots(history_repo, tag) for tag in RELEASES}
    qmp = {tag: found["qmp"] for tag, found in roots.items()}
    pages = write_manuals(base / "manuals", qmp)
    outdir = base / "text"
    jobs = [(tag, kind, str(path), str(release_tree(history_repo, tag)), str(base / "json"))
            for tag, found in roots.items() for kind, path in found.items()]
    # the longest jobs first, so that the two workers finish together
    jobs.sort(key=lambda job: (job[1] != "qmp", -RELEASES.index(job[0])))
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_root, *job) for job in jobs]
        manual = build(base / "manuals", outdir, "text", extra=["-j", "2"])
        runs = {(r.tag, r.kind): r for r in (f.result() for f in futures)}
    texts = {tag: outdir / f"{page}.txt" for tag, page in pages.items()}
    return Releases(runs, manual.returncode, manual.warnings, texts, qmp)


def _pinned() -> dict[str, dict[str, dict[str, int]]]:
    data: dict[str, dict[str, dict[str, int]]] = json.loads(PINNED.read_text()) if PINNED.exists() else {}
    return data


@pytest.fixture(scope="module")
def pinned(releases: Releases) -> dict[str, dict[str, dict[str, int]]]:
    if os.environ.get("QAPIDOC_UPDATE"):
        data: dict[str, dict[str, dict[str, int]]] = {}
        for (tag, kind), run in sorted(releases.runs.items(), key=lambda kv: (RELEASES.index(kv[0][0]), kv[0][1])):
            data.setdefault(tag, {})[kind] = run.lint_counts
        PINNED.parent.mkdir(parents=True, exist_ok=True)
        PINNED.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
        PINNED.with_suffix(".txt").write_text(_listing(releases))
    return _pinned()


def _listing(releases: Releases) -> str:
    """Each distinct finding once (by rule, file and message), with the
    releases it is found in: what was read by hand."""
    spans: dict[tuple[str, str, str], list[str]] = {}
    order = sorted(releases.runs.items(), key=lambda kv: (RELEASES.index(kv[0][0]), kv[0][1]))
    for (tag, kind), run in order:
        for line in run.lint_findings:
            where, _, rest = line.partition(": [")
            code, _, message = rest.partition("] ")
            spans.setdefault((code, f"{kind} {where.rsplit(':', 1)[0]}", message), []).append(tag)
    out = []
    for (code, where, message), tags in sorted(spans.items()):
        first, last = tags[0], tags[-1]
        out.append(f"{code} {where}: {message} [{first}{'' if first == last else ' to ' + last}: {len(tags)}]\n")
    return "".join(out)


def test_every_release_and_root_was_run(releases: Releases) -> None:
    assert len(releases.runs) == 70
    assert {tag for tag, _ in releases.runs} == set(RELEASES)


@pytest.mark.parametrize("tag", RELEASES)
def test_check_is_clean(releases: Releases, tag: str) -> None:
    for (run_tag, kind), run in releases.runs.items():
        if run_tag == tag:
            assert (kind, run.check_code, run.check_output[:2000]) == (kind, 0, "")


@pytest.mark.parametrize("tag", RELEASES)
def test_jsonschema_writes(releases: Releases, tag: str) -> None:
    for (run_tag, kind), run in releases.runs.items():
        if run_tag == tag:
            assert (kind, run.jsonschema_code, run.jsonschema_error[:2000]) == (kind, 0, "")
            assert run.json_files > (100 if kind == "qmp" else 20), kind


@pytest.mark.parametrize("tag", RELEASES)
def test_lint_findings_are_the_pinned_ones(releases: Releases, pinned: dict[str, dict[str, dict[str, int]]],
                                           tag: str) -> None:
    found = {kind: run.lint_counts for (run_tag, kind), run in releases.runs.items() if run_tag == tag}
    assert found == pinned.get(tag), "\n".join(
        line for (run_tag, _), run in releases.runs.items() if run_tag == tag for line in run.lint_findings)
    # only examples and rST: the front end finds nothing in a release
    assert all(rule[:3] in ("QD5", "QD6") for counts in found.values() for rule in counts), found


def test_the_manuals_build_without_a_warning(releases: Releases) -> None:
    assert releases.manual_code == 0
    assert list(releases.manual_warnings) == []


@pytest.mark.parametrize("tag", RELEASES)
def test_every_doc_line_is_in_the_manual(releases: Releases, tag: str) -> None:
    result = load_schema(str(releases.qmp_roots[tag]))
    coverage = uncovered_lines(result, [releases.manual_text[tag]], set())
    assert coverage.checked > 3000
    assert coverage.missing == [], coverage.missing[:10]


@pytest.mark.parametrize("tag", RELEASES[1:])
def test_the_manual_shrinks_no_more_than_the_schema(releases: Releases, tag: str) -> None:
    previous = RELEASES[RELEASES.index(tag) - 1]
    text_ratio = _length(releases.manual_text[tag]) / _length(releases.manual_text[previous])
    schema_ratio = releases.runs[(tag, "qmp")].doc_chars / releases.runs[(previous, "qmp")].doc_chars
    assert text_ratio >= min(schema_ratio, 1.0) - SHRINK_TOLERANCE, (text_ratio, schema_ratio)


def _length(path: pathlib.Path) -> int:
    return len(path.read_text(encoding="utf-8"))

