"""`qapidoc lint` on every corpus root: each finding was read and is a real
documentation bug (see the notes below); the counts by rule and the full
output are pinned, so a regression (or a fix upstream) shows in the diff.

Regenerate the expected output after a reviewed change with
``QAPIDOC_UPDATE=1 pytest tests/test_lint_corpora.py``.

What the findings are (all checked by hand against the definitions):

* QD501: query-blockstats (missing ',', every era), BLOCK_JOB_READY and
  MEM_UNPLUG_ERROR (missing ','), NIC_RX_FILTER_CHANGED, the 2.10
  query-dump-guest-memory-capability and 10.2 query-machines (unbalanced
  brackets), query-balloon and query-rocker-of-dpa-flows (trailing ','),
  NETDEV_STREAM_DISCONNECTED and calc-dirty-rate in 7.2 (single quotes),
  query-hotpluggable-cpus before 10.2 (a stray quote after the message),
  dumpdtb and set-vcpu-dirty-limit (a '}' too early, arguments after it),
  cancel-vcpu-dirty-limit ('},' after the request).
* QD504: arguments that are not the command's: trace-event-set-state
  ("enable": "true" is a string), dump-guest-memory (no 'paging'),
  blockdev-add in 2.10 (the 'options' wrapper removed in 2.9), migrate in
  10.2 ("offset": "0x1000" is a string).
* QD505: replies that predate members added later (query-migrate,
  query-iothreads, query-pci 'irq_pin', query-block 'cache', query-vnc and
  the VNC events 'websocket', query-cpus-fast 'qom-type', query-sev
  'sev-type'), misspelt or removed members (ImageInfo 'backing_file',
  'disabled-legacy-check', sgx 'section', TraceEventInfo 'vcpu' in 10.2).
* QD506: events whose data misses a required member (BLOCK_IO_ERROR
  'reason', BLOCK_IMAGE_CORRUPTED 'fatal', RTC_CHANGE 'qom-path' since 7.x,
  ACPI_DEVICE_OST with its info members spelt out in 'data').
* QD507: 10.2 query-dirty-rate shows bare results without "return".
* QD508/QD510: 2017-era examples without arrows or timestamps.
* QD607: 10.2 acpi-hest.json still uses a 2017 '== Heading'.
"""

from __future__ import annotations

import os
import pathlib

import pytest
from conftest import CORPUS_ROOTS

from qapidoc.cli import main

DATA = pathlib.Path(__file__).parent / "data" / "lint"

COUNTS: dict[str, dict[str, int]] = {
    "2.10-seed": {"QD501": 8, "QD504": 5, "QD505": 19, "QD506": 10, "QD508": 4, "QD510": 3},
    "7.2-qapi": {"QD501": 8, "QD505": 18, "QD506": 1, "QD508": 4},
    "7.2-qga": {},
    "7.2-qsd": {"QD501": 1, "QD505": 4, "QD508": 2},
    "10.2-qapi": {"QD501": 5, "QD504": 1, "QD505": 20, "QD506": 1, "QD507": 2, "QD607": 1},
    "10.2-qga": {},
    "10.2-qsd": {"QD501": 1, "QD505": 4},
}


def _lint(shared: pathlib.Path, root: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    pytest.importorskip("qapidoc.backends.validate", reason="the JSON Schema validator is missing")
    here = os.getcwd()
    os.chdir(shared)
    try:
        code = main(["lint", "--no-config", root])
    finally:
        os.chdir(here)
    return code, capsys.readouterr().out


@pytest.mark.parametrize(("name", "root"), CORPUS_ROOTS, ids=[n for n, _ in CORPUS_ROOTS])
def test_corpus_findings(shared_dir: pathlib.Path, capsys: pytest.CaptureFixture[str], name: str, root: str) -> None:
    code, out = _lint(shared_dir, root, capsys)
    counts: dict[str, int] = {}
    for line in out.splitlines():
        if line.endswith("]") and "[QD" in line:
            rule = line.rsplit("[", 1)[1][:-1]
            counts[rule] = counts.get(rule, 0) + 1
    # The front end finds nothing in these schemas: every finding is QD5xx/QD6xx.
    assert all(rule[:3] in ("QD5", "QD6") for rule in counts), counts
    assert counts == COUNTS[name]
    assert code == (1 if any(r not in ("QD508", "QD510", "QD511", "QD512", "QD607") for r in counts) else 0)
    expected = DATA / f"{name}.txt"
    if os.environ.get("QAPIDOC_UPDATE"):
        DATA.mkdir(parents=True, exist_ok=True)
        expected.write_text(out)
    assert out == expected.read_text()
