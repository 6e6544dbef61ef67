"""Dialects: which QEMU release's rules a schema is checked by.

The QAPI language changed under its users.  Rather than one checker per era,
every rule that changed is named once in :data:`CHANGES` with the first
release that has the new behaviour, and the stages ask
``dialect.has("if-objects")``.  A dialect is detected from the schema where
the schema gives it away (:func:`detect`), set by configuration or the
command line, and defaults to the newest release.

Releases are given as ``(major, minor)``; the dates are approximate for
changes after 2021 (see docs/dialects.rst).
"""

# Annotations are evaluated at import (no ``from __future__ import
# annotations``): typing.NamedTuple compiles every field annotation given as
# a string, and the first compile() of a process alone costs as much as
# checking a small schema.  Names used before their definition are quoted.

import re
from typing import NamedTuple

__all__ = ["CHANGES", "NEWEST", "OLDEST", "Dialect", "DialectEvidence", "detect", "parse_dialect"]

Version = tuple[int, int]

#: name -> (first release with the behaviour, what it is)
CHANGES: dict[str, tuple[Version, str]] = {
    "strict-strings": ((4, 2), "strings allow only printable ASCII and the escape \\\\; no null literal"),
    "lowercase-messages": ((4, 2), "error messages start lowercase"),
    "if": ((3, 0), "'if' conditions on definitions"),
    "if-inner": ((4, 0), "'if' conditions on members, enum values and branches; long member form"),
    "features": ((4, 1), "'features' on structs"),
    "features-everywhere": ((5, 0), "'features' on every definition and on struct members"),
    "allow-oob": ((2, 12), "the 'allow-oob' command flag"),
    "allow-preconfig": ((3, 0), "the 'allow-preconfig' command flag"),
    "coroutine": ((5, 2), "the 'coroutine' command flag"),
    "features-must-be-documented": ((4, 2), "every feature needs a description in a doc comment"),
    "doc-indentation": ((5, 2), "continuation lines of a doc section are indented at least as far as "
                        "the text after '@arg:' or 'Tag:'; the indent is stripped"),
    "uncovered-branches-empty": ((3, 0), "enum values without a union branch get an empty branch"),
    "alternate-single-branch": ((4, 2), "an alternate may have a single branch"),
    "no-boxed-alternate": ((4, 2), "commands and events cannot take an alternate as boxed 'data'"),
    "pragma-exceptions": ((6, 0), "pragma names '*-exceptions' replace '*-whitelist'"),
    "name-case-rules": ((6, 0), "case rules: CamelCase types, lower-case commands, upper-case events, "
                        "no '_' in member names"),
    "unboxed-conditions-rejected": ((6, 0), "conditional arguments need 'boxed': true"),
    "if-objects": ((6, 2), "'if' is an identifier or {'all'|'any'|'not': ...}; C expressions gone"),
    "no-simple-unions": ((6, 2), "simple unions removed; 'Kind' suffix no longer reserved"),
    "enum-value-features": ((6, 2), "'features' on enum values"),
    "unstable-feature": ((6, 2), "the special feature 'unstable'"),
    "alternate-arrays": ((7, 1), "alternate branches may be arrays"),
    "union-branch-unions": ((8, 1), "union branches may themselves be unions"),
    "doc-paragraphs": ((9, 0), "doc comments parsed by paragraphs; sections start only after a blank line"),
    "doc-errors-section": ((9, 0), "the 'Errors:' doc section"),
    "documentation-exceptions": ((9, 0), "the 'documentation-exceptions' pragma"),
    "qmp-example": ((9, 1), "'.. qmp-example::' replaces 'Example:'; 'Note:' sections rejected"),
    "members-must-be-documented": ((9, 1), "every member, value and branch needs a description"),
    "feature-limit": ((10, 0), "at most 64 distinct features per schema"),
    "special-features-not-on-types": ((6, 2), "'unstable' like 'deprecated' is not allowed on types"),
    "doc-line-style": ((10, 2), "doc lines at most 70 columns; two spaces between sentences"),
    "returns-section-needs-returns": ((9, 0), "a 'Returns' section needs a command with 'returns'"),
}

OLDEST: Version = (2, 10)
NEWEST: Version = (10, 2)


class Dialect(NamedTuple):
    """The rules of one QEMU release."""

    version: Version = NEWEST
    #: how it was chosen: "default", "detected", "configured"
    origin: str = "default"
    #: for detected dialects, the evidence that bounded it
    evidence: tuple[str, ...] = ()

    def has(self, change: str) -> bool:
        return self.version >= CHANGES[change][0]

    def __str__(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def parse_dialect(text: str) -> Version | None:
    """``"7.2"`` -> ``(7, 2)``; None when ``text`` is not a release."""
    m = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text)
    if not m:
        return None
    version = (int(m.group(1)), int(m.group(2)))
    return version if OLDEST <= version <= (99, 99) else None


class DialectEvidence:
    """Bounds on the release a schema was written for, gathered while loading.

    ``low`` is raised by constructs that appeared in a release; ``high`` is
    lowered by constructs that a release removed.
    """

    __slots__ = ("high", "high_reasons", "low", "low_reasons", "strong_high")

    def __init__(self) -> None:
        self.low: Version = OLDEST
        self.high: Version | None = None
        self.low_reasons: list[str] | None = None
        self.high_reasons: list[str] | None = None
        #: whether something that later releases refuse set ``high`` (a
        #: simple union, an 'Example:' section); a weak bound (doc lines
        #: over 70 columns, which may just be a slip) only says the schema
        #: is not newer
        self.strong_high = False

    def at_least(self, change: str, why: str) -> None:
        version = CHANGES[change][0]
        if version > self.low:
            self.low = version
            self.low_reasons = [why]

    def before(self, change: str, why: str, *, weak: bool = False) -> None:
        version = CHANGES[change][0]
        bound = _previous(version)
        if self.high is None or bound < self.high:
            self.high = bound
            self.high_reasons = [why]
        if not weak:
            self.strong_high = True


def _previous(version: Version) -> Version:
    """The last release before ``version`` (close enough for bounds)."""
    major, minor = version
    if minor > 0:
        return (major, minor - 1)
    # QEMU x.0 follows (x-1).2 since 2.0 (4.x had .2 as last; 2.x went to .12)
    return (major - 1, 12 if major == 3 else 2)


def detect(evidence: DialectEvidence) -> Dialect:
    """Choose a dialect from the evidence.

    A schema that shows nothing of an older era is checked by the newest
    rules.  One that uses a construct a later release removed (a 2017
    ``Example:`` section, a ``returns-whitelist`` pragma) is checked by the
    oldest release consistent with everything else it uses: those are the
    rules its authors wrote against.  When the evidence conflicts (a modern
    construct beside an old one), the old construct is the mistake, and the
    newest rules report it.
    """
    low_reasons = tuple(evidence.low_reasons or ())
    if evidence.high is None:
        version = max(NEWEST, evidence.low)
        return Dialect(version, "detected" if low_reasons else "default", low_reasons)
    high_reasons = tuple(evidence.high_reasons or ())
    if evidence.low > evidence.high:
        return Dialect(max(NEWEST, evidence.low), "detected", low_reasons + high_reasons)
    if not evidence.strong_high:
        # Only a weak sign of age (asked for only when nothing else speaks):
        # the newest release it allows.
        return Dialect(evidence.high, "detected", low_reasons + high_reasons)
    return Dialect(evidence.low, "detected", low_reasons + high_reasons)
