"""Mutants of QAPI schema text, for differential tests against QEMU's own
front ends: the same edits drawn by hypothesis (tests) or by a seeded
``random.Random`` (scripts/release_agreement.py).

Both drive one set of edit functions through :class:`Picks`, which asks for
an integer, an index, an element or a yes/no; :class:`RandomPicks` answers
from a ``random.Random`` and :class:`DrawPicks` from hypothesis's ``draw``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from hypothesis import strategies as st

__all__ = ["INSERTS", "TAGS", "WORDS", "DrawPicks", "Picks", "RandomPicks", "mutate", "mutate_docs"]

T = TypeVar("T")

#: what a character edit may insert: JSON punctuation, doc markup, keywords
INSERTS = [*"{}[]:,'\"#@\\ \n\tx*-_A", "##", "true", "null", "@a:", "# ", "Since:", "Returns:", "Example:",
           "Features:", "\n#\n", "    ", "'if'", "'data'", "'base'", "'type'", "Kind", "List"]
#: what a doc line edit may add: section tags of every era, and near misses
TAGS = ["Since: 1.0", "Returns: x", "Note: y", "Example:", "Features:", "@foo: bar", "= Head", "TODO: z",
        "Errors: e", ".. qmp-example::", "Notes:", "@:", "#"]


class Picks(Protocol):
    def integer(self, low: int, high: int) -> int: ...       # low..high, both included
    def index(self, size: int) -> int: ...                   # 0..size-1
    def element(self, items: Sequence[T]) -> T: ...
    def chance(self, p: float) -> bool: ...                  # yes with probability p (random only)


class RandomPicks:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def index(self, size: int) -> int:
        return self.rng.randrange(size)

    def element(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class DrawPicks:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def index(self, size: int) -> int:
        return self.draw(st.integers(0, size - 1))

    def element(self, items: Sequence[T]) -> T:
        return self.draw(st.sampled_from(items))

    def chance(self, p: float) -> bool:
        return self.draw(st.booleans())


#: what a string edit may put in place of a string: built-in types, keys,
#: flags, special features, names of the language's own
WORDS = ["int", "str", "bool", "number", "any", "null", "size", "uint8", "int64", "QType", "*opt", "data",
         "base", "discriminator", "type", "if", "features", "boxed", "deprecated", "unstable", "all", "not",
         "returns", "gen", "prefix", "name", "q_x", "has-x", "u", "xList", "XKind", "Q", "*"]
_STRING = re.compile(r"'[^'\n\\]*'")


def mutate(picks: Picks, text: str) -> str:
    """One to three edits: lines deleted, duplicated, swapped, indented or
    dedented; characters deleted or inserted; a string replaced by another
    of the text's own or by a word of the language (which reaches the
    checks of names, types and references rather than the syntax)."""
    for _ in range(picks.integer(1, 3)):
        lines = text.split("\n")
        strings = _STRING.findall(text)
        if strings and picks.chance(0.25):
            spans = [m.span() for m in _STRING.finditer(text)]
            start, end = spans[picks.index(len(spans))]
            word = picks.element(strings) if picks.chance(0.6) else f"'{picks.element(WORDS)}'"
            text = text[:start] + word + text[end:]
        elif len(lines) > 1 and picks.chance(0.5):
            i, j = picks.index(len(lines)), picks.index(len(lines))
            op = picks.element(["delete", "duplicate", "swap", "indent", "dedent"])
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[j])
            elif op == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "indent":
                lines[i] = lines[i][:1] + " " * picks.integer(1, 4) + lines[i][1:]
            else:
                lines[i] = lines[i][:1] + lines[i][1:].lstrip(" ") if lines[i].startswith("#") else lines[i].lstrip()
            text = "\n".join(lines)
        elif text:
            i = picks.index(len(text))
            text = text[:i] + text[i + 1:] if picks.chance(0.3) else text[:i] + picks.element(INSERTS) + text[i:]
    return text


def mutate_docs(picks: Picks, text: str) -> str:
    """``text`` with one to three of its doc comment lines changed."""
    lines = text.split("\n")
    doc_lines = [i for i, line in enumerate(lines) if line.startswith("#")]
    for _ in range(picks.integer(1, 3)):
        i = picks.element(doc_lines)
        line = lines[i]
        op = picks.element(["delete", "duplicate", "indent", "dedent", "blank", "join", "tag"])
        if op == "delete":
            lines[i] = ""
        elif op == "duplicate":
            lines[i] = f"{line}\n{line}"
        elif op == "indent" and line.startswith("# "):
            lines[i] = "# " + " " * picks.integer(1, 6) + line[2:]
        elif op == "dedent" and line.startswith("# "):
            lines[i] = "# " + line[2:].lstrip()
        elif op == "blank":
            lines[i] = f"#\n{line}"
        elif op == "join" and i + 1 < len(lines) and lines[i + 1].startswith("# ") and line.startswith("# "):
            lines[i], lines[i + 1] = f"{line} {lines[i + 1][2:]}", ""
        elif op == "tag":
            tag = picks.element(TAGS)
            lines[i] = f"# {tag}\n{line}" if picks.chance(0.5) else f"# {tag}"
    return "\n".join(lines)
