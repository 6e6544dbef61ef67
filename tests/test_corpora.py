"""Every root of the three shared corpora (2017, QEMU 7.2, QEMU 10.2)
checks clean, and every ``##`` block in them is accounted for: bound to the
definition that follows it, or a free-form section."""

from __future__ import annotations

import pathlib

import pytest
from conftest import CORPUS_ROOTS

from qapidoc import LoadResult, load_schema

# (doc blocks, free-form blocks, definitions, dialect detected)
EXPECTED = {
    "2.10-seed": (487, 10, 477, "2.10"),
    "7.2-qapi": (929, 39, 890, "7.1"),
    "7.2-qga": (87, 2, 85, "6.2"),
    "7.2-qsd": (439, 13, 426, "6.2"),
    "10.2-qapi": (1059, 46, 1013, "10.2"),
    "10.2-qga": (92, 1, 91, "10.2"),
    "10.2-qsd": (473, 14, 459, "10.2"),
}

_cache: dict[str, LoadResult] = {}


def _load(shared: pathlib.Path, rel: str) -> LoadResult:
    if rel not in _cache:
        _cache[rel] = load_schema(str(shared / rel))
    return _cache[rel]


@pytest.mark.parametrize(("corpus", "rel"), CORPUS_ROOTS, ids=[c for c, _ in CORPUS_ROOTS])
def test_checks_clean(shared_dir: pathlib.Path, corpus: str, rel: str) -> None:
    result = _load(shared_dir, rel)
    assert [f"{d.span}: {d.message}" for d in result.diagnostics] == []
    assert str(result.dialect) == EXPECTED[corpus][3]


@pytest.mark.parametrize(("corpus", "rel"), CORPUS_ROOTS, ids=[c for c, _ in CORPUS_ROOTS])
def test_every_doc_block_is_accounted_for(shared_dir: pathlib.Path, corpus: str, rel: str) -> None:
    result = _load(shared_dir, rel)
    assert result.schema is not None
    # Count the blocks independently of the parser: a block is a pair of
    # lines that are exactly '##'.
    counted = 0
    for module in result.modules:
        lines = pathlib.Path(module.file.path).read_text().splitlines()
        markers = sum(1 for line in lines if line.strip() == "##")
        assert markers % 2 == 0, module.file.path
        counted += markers // 2
    blocks, freeform, definitions, _ = EXPECTED[corpus]
    assert counted == len(result.docs) == blocks
    assert sum(1 for doc in result.docs if doc.symbol is None) == freeform
    assert len(result.schema.definitions) == definitions
    for doc in result.docs:
        if doc.symbol is not None:
            assert result.doc_for.get(doc.symbol) is doc, f"{doc.span}: doc for {doc.symbol} is not bound"
    # ... and every definition has its doc (the corpora document everything).
    assert {d.name for d in result.schema.definitions} == set(result.doc_for)


def test_docs_keep_exact_source_lines(shared_dir: pathlib.Path) -> None:
    """Every line of every section points at its own text in the file."""
    for _, rel in CORPUS_ROOTS:
        result = _load(shared_dir, rel)
        for doc in result.docs:
            text = doc.raw.file.text
            for section in doc.all_sections:
                for line in section.lines:
                    assert text[line.offset:line.offset + len(line.text)] == line.text
            for example in doc.examples:
                for line in example.lines:
                    assert text[line.offset:line.offset + len(line.text)] == line.text


def test_example_counts(shared_dir: pathlib.Path) -> None:
    """Example sections of 2017 and '.. qmp-example::' blocks of today are
    found (160 sections in the 2017 seed schema; 255 blocks in
    10.2, 13 of them annotated)."""
    seed = _load(shared_dir, "corpus/qemu-2.10-seed/qapi-schema.json")
    sections = [e for d in seed.docs for e in d.examples]
    assert all(e.kind == "section" for e in sections)
    assert len(sections) == 160
    modern = _load(shared_dir, "corpus/qemu-10.2/qapi/qapi-schema.json")
    blocks = [e for d in modern.docs for e in d.examples]
    assert all(e.kind == "directive" for e in blocks)
    assert len(blocks) == 255
    assert sum(1 for e in blocks if e.annotated) == 13


def test_every_module_checked_alone(shared_dir: pathlib.Path) -> None:
    """Each module of the corpora, checked on its own with --module, has no
    error: types and pragmas of other modules are at most warnings, and the
    dialect is detected from the module alone.  Two modules give too little
    away for that (pass --dialect there):

    * QEMU 7.2's yank.json uses nothing newer than 2.12, whose rules wanted
      every union branch spelled out;
    * QEMU 7.2's job.json shows its age only by doc lines over 70 columns, a
      weak sign (a modern schema may have one by mistake), so it is checked
      by 10.1's rules, which read its '@id :' line as a member named 'id '.
    """
    from qapidoc import LoadOptions
    misdetected = {"corpus/qemu-7.2/qapi/yank.json", "corpus/qemu-7.2/qapi/job.json"}
    paths = sorted(shared_dir.glob("corpus/*/qapi/*.json")) + sorted(
        shared_dir.glob("corpus/*/storage-daemon/qapi/*.json"))
    assert len(paths) == 94
    failing = set()
    for path in paths:
        result = load_schema(str(path), LoadOptions(module_alone=True))
        if any(d.level.value == "error" for d in result.diagnostics):
            failing.add(str(path.relative_to(shared_dir)))
    assert failing == misdetected


def test_legacy_headings(shared_dir: pathlib.Path) -> None:
    """'= Title' lines of free-form blocks (the 2.10 to 9.x markup) are in the
    doc model; QEMU 10.2 still has one, which it renders as plain text."""
    seed = _load(shared_dir, "corpus/qemu-2.10-seed/qapi-schema.json")
    headings = [h for doc in seed.docs for h in doc.headings]
    assert len(headings) == 11
    assert (headings[0].level, headings[0].title) == (1, "Introduction")
    assert (headings[5].level, headings[5].title) == (2, "QAPI block core definitions (vm unrelated)")
    modern = _load(shared_dir, "corpus/qemu-10.2/qapi/qapi-schema.json")
    [legacy] = [h for doc in modern.docs for h in doc.headings]
    assert legacy.level == 2 and legacy.line.text.startswith("== ")
    assert all(not doc.headings for doc in modern.docs if doc.symbol is not None)
