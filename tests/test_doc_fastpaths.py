"""The doc pass's fast paths give what the plain ways give.

* DocTable (texts, lines made on demand) against doc_lines, on every doc
  block of the corpora, on variants of them in other layouts (CRLF,
  indented '#', no space after '#', trailing blanks, blank lines without
  '#') and on random blocks;
* gather_doc_evidence (a search in the block's text) against a reading of
  its lines, one at a time;
* a doc comment parsed without its lines (``qapidoc check``) against the
  same parsed with them: the same structure, spans and findings.
"""

from __future__ import annotations

import pathlib
import random

import pytest

from qapidoc.frontend import docs
from qapidoc.frontend.dialect import Dialect, DialectEvidence
from qapidoc.frontend.docs import DocParser, gather_doc_evidence
from qapidoc.frontend.lexer import DOC, DocBlock, DocTable, doc_lines, tokenize
from qapidoc.frontend.parser import RawDoc, _doc_symbol
from qapidoc.source import SourceFile

CORPORA = ("qemu-10.2", "qemu-7.2", "qemu-2.10-seed")


def _blocks(text: str, path: str = "x.json") -> list[RawDoc]:
    """Every doc block of ``text``, as the parser makes them."""
    source = SourceFile(path, text)
    out = []
    for token in tokenize(source).tokens:
        if token[0] == DOC:
            block = token[3]
            assert isinstance(block, DocBlock)
            symbol = None
            first = doc_lines(text, block.body_start, block.body_end, first_only=True)
            if first and first[0].text.startswith("@"):
                symbol = first[0].text.rstrip()[1:].rstrip(":")
            out.append(RawDoc(source, block.start, block.end, block.longest + 1, block.body_start,
                              block.body_end, symbol))
    return out


def _variants(text: str) -> list[str]:
    """``text`` in other layouts of its doc lines."""
    return [
        text,
        text.replace("\n", "\r\n"),
        text.replace("\n# ", "\n  # "),
        text.replace("\n# ", "\n#"),
        text.replace("\n#\n", "\n# \t\n"),
        text.replace("\n#\n", "\n\n#\n"),
    ]


def _random_schema(rng: random.Random) -> str:
    words = ["@arg:", "Errors:", "Example:", "Notes:", ".. qmp-example::", "Since: 1.0", "text", "#", "a # b",
             "   indented", "Features:", "@feat: x", "=== Title", "Returns: x", "", "Note: y", "x.  Y", "e.g. Z"]
    blocks = []
    for i in range(40):
        lines = [f"@Thing{i}:" if rng.random() < 0.7 else "free text"]
        lines += [rng.choice(words) for _ in range(rng.randrange(0, 12))]
        prefix = rng.choice(["# ", "#", " # ", "\t# "])
        body = "\n".join(("#" if not line else prefix + line) for line in lines)
        blocks.append(f"##\n{body}\n##\n{{ 'struct': 'Thing{i}', 'data': {{}} }}\n")
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def texts(shared_dir: pathlib.Path) -> list[str]:
    """The corpora's schema files, and random schemas."""
    out = [_random_schema(random.Random(seed)) for seed in range(5)]
    for corpus in CORPORA:
        for path in sorted((shared_dir / "corpus" / corpus).rglob("*.json")):
            out.append(path.read_text(encoding="utf-8"))
    return out


def test_doc_table_gives_the_lines_doc_lines_gives(texts: list[str]) -> None:
    checked = 0
    for text in texts:
        for variant in _variants(text):
            for raw in _blocks(variant):
                lines = doc_lines(variant, raw.body_start, raw.body_end)
                table = DocTable(variant, raw.body_start, raw.body_end)
                assert table.texts == [line.text for line in lines]
                assert [table.line(i) for i in range(len(lines))] == list(lines)
                for start in range(0, len(lines), 4):
                    assert table.lines(start, len(lines)) == list(lines[start:])
                # A parser may change a text (QEMU strips trailing blanks): the offsets stay.
                table.texts = [t.rstrip() for t in table.texts]
                assert [table.line(i) for i in range(len(lines))] == [
                    line._replace(text=line.text.rstrip()) for line in lines]
                checked += 1
    assert checked > 3000


def _evidence_by_lines(raw: RawDoc, evidence: DialectEvidence) -> None:
    """gather_doc_evidence as it was: the block's lines read one at a time."""
    import re

    find, start, end = raw.file.text.find, raw.start, raw.end
    if find("\n# Features:", start, end) >= 0:
        evidence.at_least("features", "a 'Features:' doc section")
    if raw.symbol is None and find("\n# ===", start, end) >= 0:
        docs._gather_section_titles(raw, evidence)
    for text in raw.texts():
        if text.startswith(".. qmp-example::"):
            evidence.at_least("qmp-example", "a '.. qmp-example::' directive")
            return
        if text.startswith("Errors:"):
            evidence.at_least("doc-errors-section", "an 'Errors:' doc section")
        elif re.match(r"(Example|Examples|Note|Notes):(\s|$)", text) and raw.symbol:
            evidence.before("qmp-example", f"a '{text.split(':')[0]}:' doc section")


def _state(evidence: DialectEvidence) -> tuple[object, ...]:
    return (evidence.low, evidence.low_reasons, evidence.high, evidence.high_reasons, evidence.strong_high)


@pytest.mark.slow
def test_doc_evidence_is_what_the_lines_say(texts: list[str]) -> None:
    reasons = set()
    for text in texts:
        for variant in [*_variants(text)[:3], text.replace("\n# Note", "\n# x #Note")]:
            fast, slow = DialectEvidence(), DialectEvidence()
            for raw in _blocks(variant):
                gather_doc_evidence(raw, fast)
                _evidence_by_lines(raw, slow)
                assert _state(fast) == _state(slow)
                alone = DialectEvidence()
                gather_doc_evidence(raw, alone)
                reasons.update((alone.low_reasons or []) + (alone.high_reasons or []))
    # The cases occur: a directive, an Errors section, old Example and Note sections.
    for what in ("a '.. qmp-example::' directive", "an 'Errors:' doc section", "a 'Example:' doc section",
                 "a 'Notes:' doc section", "a 'Note:' doc section"):
        assert what in reasons, (what, reasons)


@pytest.mark.parametrize("version", [(9, 0), (9, 1), (10, 0), (10, 1), (10, 2)])
def test_a_doc_parsed_without_its_lines_is_the_same_doc(texts: list[str], version: tuple[int, int]) -> None:
    dialect = Dialect(version)
    with_lines, without = DocParser(dialect), DocParser(dialect, keep_lines=False)
    broken = 0
    for text in texts:
        for variant in _variants(text)[:2]:
            for raw in _blocks(variant):
                kept, kept_findings = with_lines.parse(raw)
                bare, bare_findings = without.parse(raw)
                assert bare_findings == kept_findings
                assert (bare.symbol, bare.symbol_span, bare.broken) == (kept.symbol, kept.symbol_span, kept.broken)
                assert [(s.kind, s.name, s.tag, s.span) for s in bare.all_sections] == [
                    (s.kind, s.name, s.tag, s.span) for s in kept.all_sections]
                assert all(not s.lines for s in bare.all_sections)
                broken += kept.broken
    assert broken > 0       # (the random blocks break some rules)


def test_doc_symbols_are_what_the_first_line_says(texts: list[str]) -> None:
    """The ``@NAME`` of a block's first line, read without making the line."""
    symbols = 0
    for text in texts:
        for variant in [*_variants(text), text.replace(":\n#", ": \r\n#"), text.replace("\n# @", "\n#  @")]:
            for raw in _blocks(variant):
                first = doc_lines(variant, raw.body_start, raw.body_end, first_only=True)
                expected = None
                if first and first[0].text.startswith("@"):
                    name = first[0].text.rstrip()
                    expected = name[1:-1] if name.endswith(":") else name[1:]
                assert _doc_symbol(variant, raw.body_start, raw.body_end) == expected
                symbols += expected is not None
    assert symbols > 1000


@pytest.mark.parametrize("version", [(2, 10), (5, 2), (8, 1), (9, 0), (10, 2)])
def test_a_docs_descriptions_are_its_sections_of_their_kind(texts: list[str], version: tuple[int, int]) -> None:
    """DocBuilder.freeze slices the members, features and other sections
    out of the sections when they come in that order: they are what a pass
    over the sections by kind gives, in either grammar."""
    parser = DocParser(Dialect(version), keep_lines=False)
    in_order = 0
    for text in texts:
        for raw in _blocks(text):
            doc, _ = parser.parse(raw)
            rest = doc.all_sections[1:]
            assert doc.body is doc.all_sections[0]
            assert doc.args == tuple(s for s in rest if s.kind == "member")
            assert doc.features == tuple(s for s in rest if s.kind == "feature")
            assert doc.sections == tuple(s for s in rest if s.kind not in ("member", "feature"))
            in_order += bool(doc.args) and doc.args == rest[:len(doc.args)]
    assert in_order > 500


def test_line_style_findings_with_the_parsers_table(texts: list[str]) -> None:
    """line_style_findings reads the DocTable the parser made (its texts
    stripped of trailing blanks, as QEMU reads them) as it reads its own;
    and every sentence-spacing match has what the pre-test looks for."""
    import re

    found = 0
    for text in texts:
        for variant in (text, text.replace("\n#\n", "\n# \t\n").replace(".\n", ".  \n")):
            for raw in _blocks(variant):
                table = raw.table()
                table.texts = [t.rstrip() for t in table.texts]
                findings = docs.line_style_findings(raw)
                assert docs.line_style_findings(raw, table) == findings
                found += len(findings)
                for line in table.texts:
                    if docs._SINGLE_SPACE.search(line):
                        assert re.search(docs._ONE_SPACE, line)
    assert found > 100


def _usual_schema(rng: random.Random) -> str:
    """Definition blocks in the usual layout ('#' or '# ...' on every line)
    as the grammar of 9.0 wants them (body, members, features, other
    sections), with slips in some: what the one-match reading of a check
    takes, and what it leaves to the plain one."""
    def section(head: str) -> list[str]:
        lines = [""] * rng.randrange(0, 2) + [head]
        pad = rng.choice(["  ", "    ", "\t"])
        more = rng.randrange(0 if head[-1] != ":" else 1, 4)
        lines += [pad + "more"] * (more > 0) + [rng.choice([pad + "more", pad + "more", ""]) for _ in range(more - 1)]
        return lines

    slips = ["    more", "  less", "      deeper", "\tmore", "more", "@next: y", "", "@:", "@arg: again",
             "Features:", "Features: x", "Returns:", "Returns:: x", "Note: n", "Examples:", "= Title", "@arg",
             "Errors:y", "Since:", "   indented", "TODO: t", "Since: 1.0"]
    blocks = []
    for i in range(60):
        lines = [f"@Thing{i}:" if rng.random() < 0.95 else rng.choice(["@:", f"@Thing{i}: x", "free"])]
        for _ in range(rng.randrange(0, 3)):
            lines += ["", rng.choice(["Body text", "Body.  Text", "  quoted", ".. note:: n", "Errors:x"])]
            lines += [rng.choice(["more", "  more"]) for _ in range(rng.randrange(0, 3))]
        for name in rng.sample(["a", "b", "c", "d"], rng.randrange(0, 5)):
            lines += section(f"@{name}:" + rng.choice(["", " text", "  text"]))
        if rng.random() < 0.4:
            lines += ["", "Features:"]
            for name in rng.sample(["f", "g", "a"], rng.randrange(1, 4)):
                lines += section(f"@{name}:" + rng.choice(["", " text"]))
        for _ in range(rng.randrange(0, 4)):
            head = rng.choice(["Returns: x", "Errors: y", "Since: 9.0", "TODO: z", "Returns:", "plain text",
                               "plain text"])
            lines += section(head) if head != "plain text" else ["", head, "more"]
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(slips))
        lines += [""] * rng.randrange(0, 2)
        body = "\n".join(("#" if not line else "# " + line) for line in lines)
        if rng.random() < 0.05:
            body += " "
        blocks.append(f"##\n{body}\n##\n{{ 'struct': 'Thing{i}', 'data': {{}} }}\n")
    return "\n".join(blocks)


@pytest.mark.parametrize("version", [(9, 0), (9, 1), (10, 0), (10, 1), (10, 2)])
def test_a_definition_read_in_one_match_a_section_is_the_plain_reading(
        texts: list[str], version: tuple[int, int]) -> None:
    """A check reads a definition block in the usual layout with one regex
    match a section (BareDefinitionReader), and the other blocks the plain
    way: both give the same doc comment and findings, and the one-match
    reading takes what it meets most and leaves the rest."""
    dialect = Dialect(version)
    fast = DocParser(dialect, keep_lines=False)
    plain = DocParser(dialect, keep_lines=False)
    plain.bare = None
    taken = left = 0
    for text in texts + [_usual_schema(random.Random(seed)) for seed in range(40)]:
        for raw in _blocks(text) + _blocks(text.replace(".\n", ". \n").replace(":\n", ":\t\n")):
            assert fast.parse(raw) == plain.parse(raw)
            if raw.symbol is not None:
                if fast.bare is not None and fast.bare(raw) is not None:
                    taken += 1
                else:
                    left += 1
    assert taken > 2000 and left > 500, (taken, left)
