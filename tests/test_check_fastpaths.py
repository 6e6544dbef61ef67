"""The shape checker's and dialect detection's fast paths give what the
plain ways give.

* a name's stem (what the case rules look at) without a regex match, for
  the usual names ('x-' ones too), against _VALID_NAME's match, on
  generated names;
* a member or enum value with a plain name, made without the name
  checks, against what the checks make of it, by every release's rules;
* a top-level expression's era evidence, skipped where the text has no
  key 'if', 'features' or 'type' (nor an escape), against the full walk,
  on every expression of the corpora and on variants of them.
"""

from __future__ import annotations

import pathlib
import random
import re
import string

import pytest

from qapidoc.frontend import expressions
from qapidoc.frontend.dialect import RELEASES, Dialect, DialectEvidence
from qapidoc.frontend.expressions import Pragmas, check_definition
from qapidoc.frontend.parser import TopExpr, parse
from qapidoc.source import SourceFile


def test_stems_are_those_the_name_pattern_finds() -> None:
    rng = random.Random(7)
    # (and the two non-ASCII letters that match [a-z] case-blind: Kelvin, long s)
    alphabet = string.ascii_letters + string.digits + "-_.x" + "é \u212a\u017f"
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8))) for _ in range(50000)}
    names |= {"x-foo", "X-foo", "x-1a", "x--a", "x-_a", "x-\u212a", "X-x-a", "x-q_a", "q-x-a", "q_foo", "q-foo",
              "Q_foo", "__com.redhat_foo", "_a", "a", "A-b", "q", "q_", "x-", "xx-y", "a1", "1a", "a b"}
    fast_paths = 0
    for name in sorted(names):
        for table in expressions._STEMS:
            table.pop(name, None)
        m = re.match(expressions._VALID_NAME, name, re.IGNORECASE)
        expected = m.group(3) if m else None
        if expected is not None and expressions.c_name(name).startswith("q_"):
            expected = None
        assert expressions._stem(name, True) == expected, name
        fast_paths += expected == name
    assert fast_paths > 1000


def _expressions(text: str) -> list[TopExpr]:
    return [item for item in parse(SourceFile("x.json", text)).items if isinstance(item, TopExpr)]


def _state(evidence: DialectEvidence) -> tuple[object, ...]:
    return (evidence.low, evidence.low_reasons, evidence.high, evidence.high_reasons, evidence.strong_high,
            evidence.excluded)


def test_expression_evidence_skips_only_what_has_nothing_to_note(shared_dir: pathlib.Path) -> None:
    texts = [p.read_text(encoding="utf-8") for corpus in ("qemu-10.2", "qemu-7.2", "qemu-2.10-seed")
             for p in sorted((shared_dir / "corpus" / corpus).rglob("*.json"))]
    # Keys written with an escape (2.10 to 4.1 read them), and conditions
    # and features in places the corpora do not have them.
    texts.append("{ 'struct': 'A', 'data': { 'm': { 'typ\\u0065': 'int', 'i\\u0066': 'X' } } }\n"
                 "{ 'command': 'c', 'data': { 'a': 'int' }, 'features': [ 'f' ] }\n"
                 "{ 'enum': 'E', 'data': [ { 'name': 'v', 'features': [ 'g' ] } ] }\n"
                 "{ 'union': 'U', 'data': { 'a': 'A' } }\n"
                 "{ 'struct': 'C', 'data': { 'm': { 'type': 'int' } } }\n"
                 "{ 'struct': 'B', 'data': { 'n': 'int' }, 'if': 'defined(CONFIG_X) && 1' }\n")
    skipped = 0
    for text in texts:
        fast, full = DialectEvidence(), DialectEvidence()
        for expr in _expressions(text):
            expressions.gather_evidence(expr.node, fast, text)
            expressions.gather_evidence(expr.node, full)
            assert _state(fast) == _state(full)
            alone, alone_full = DialectEvidence(), DialectEvidence()
            expressions.gather_evidence(expr.node, alone, text)
            expressions.gather_evidence(expr.node, alone_full)
            assert _state(alone) == _state(alone_full)
            skipped += _state(alone) == _state(DialectEvidence())
    assert skipped > 500


def test_plain_parts_are_what_the_name_checks_make_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A member or enum value whose name is plain (``is_plain_name``) is made
    without the name checks: the same definition and findings as the checks
    give, by the rules of every release, with and without the pragmas that
    relax them, for generated names (plain or not)."""
    rng = random.Random(11)
    odd = string.ascii_letters + string.digits + "-_.x" + "é \u212a"
    usual = string.ascii_lowercase + string.digits + "-"
    names = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 7)))
                    for alphabet in (odd, usual) for _ in range(250)}
                   | {"u", "has-a", "has_a", "hasx", "q-a", "q_a", "x-q-a", "x-a", "x-1", "x-", "a-", "a--b", "1a"})
    # (each name as a member, an optional member and an enum value)
    text = "\n".join(f"{{ 'struct': 'S{i}', 'data': {{ '{n}': 'int', '*{n}': 'str' }} }}\n"
                     f"{{ 'enum': 'E{i}', 'data': [ '{n}' ] }}" for i, n in enumerate(names))
    nodes = [expr.node for expr in _expressions(text)]
    file = SourceFile("x.json", text)
    plain = sum(1 for name in names if expressions.is_plain_name(name))
    assert 100 < plain < len(names) - 100
    # (a plain member name is a plain name that is not reserved)
    assert {n for n in names if expressions.is_plain_member_name(n)} == {
        n for n in names if expressions.is_plain_name(n) and n != "u" and not n.startswith("has-")}
    for version in RELEASES:
        for pragmas in (Pragmas(), Pragmas(member_name_exceptions=frozenset(f"{m}{i}" for i in range(len(names))
                                                                           for m in "SE"))):
            dialect = Dialect(version)
            fast = [check_definition(node, None, file, dialect, pragmas) for node in nodes]
            with monkeypatch.context() as patched:
                patched.setattr(expressions, "is_plain_name", lambda name: None)
                patched.setattr(expressions, "is_plain_member_name", lambda name: None)
                full = [check_definition(node, None, file, dialect, pragmas) for node in nodes]
            assert fast == full, version
