"""Dialects: which QEMU release's rules a schema is checked by.

The QAPI language changed under its users.  Rather than one checker per era,
every rule that changed is named once in :data:`CHANGES` with the first
release that has the new behaviour (checked against that release's own
parser), and the stages ask ``dialect.has("if-objects")``.  A dialect is
set by configuration or the command line, else read from the ``VERSION`` of
the QEMU tree the schema sits in (:func:`from_tree_version`), else detected
from what the schema uses (:func:`detect`); see docs/dialects.rst.

Releases are given as ``(major, minor)``; :data:`RELEASES` lists the 26
that qapidoc knows, 2.10 to 10.2.
"""

from __future__ import annotations

import re

from ..records import NamedTuple

__all__ = [
    "CHANGES", "NEWEST", "OLDEST", "RELEASES", "Dialect", "DialectEvidence", "TreeVersion", "detect",
    "from_tree_version", "parse_dialect", "parse_tree_version", "release_after", "release_at_or_before",
    "release_before",
]

Version = tuple[int, int]

#: name -> (first release with the behaviour, what it is)
CHANGES: dict[str, tuple[Version, str]] = {
    "reserved-suffixes-types-only": ((6, 1), "only type names must not end in 'Kind' or 'List'; before, "
                                     "command and event names neither"),
    "top-level-value-parsed": ((6, 1), "a top-level value that is not an object is read, then refused "
                               "as a whole; before, refused at its first token"),
    "strict-strings": ((4, 2), "strings allow only printable ASCII and the escape \\\\; no null literal"),
    "lowercase-messages": ((4, 2), "error messages start lowercase"),
    "one-pass-definition-checks": ((4, 2), "each definition is checked in full, one after the other; before, "
                                   "the keys and names of all, then the types and rules of each, then the "
                                   "schema (the order the first error comes in)"),
    "name-case-by-definition": ((4, 2), "upper case in the names of members, values, branches and features "
                                "is refused where the definition is read, by the owner's name in "
                                "'name-case-whitelist' (members, values) or always (arguments, branches, "
                                "features); before, where clashes were checked, by the owning type"),
    "if": ((3, 0), "'if' conditions on definitions"),
    "if-inner": ((4, 0), "'if' conditions on members, enum values and branches; long member form"),
    "features": ((4, 1), "'features' on structs"),
    "features-everywhere": ((5, 0), "'features' on every definition and on struct members"),
    "allow-oob": ((2, 12), "the 'allow-oob' command flag"),
    "allow-preconfig": ((3, 0), "the 'allow-preconfig' command flag"),
    "coroutine": ((5, 2), "the 'coroutine' command flag"),
    "features-must-be-documented": ((4, 2), "every feature needs a description in a doc comment"),
    "doc-descriptions-checked-everywhere": ((4, 2), "'@name:' descriptions of members and features are "
                                            "checked for every definition; before, only those of "
                                            "structs, unions, alternates and inline arguments"),
    "doc-indentation": ((5, 2), "continuation lines of a doc section are indented at least as far as "
                        "the text after '@arg:' or 'Tag:'; the indent is stripped, and text is no longer"),
    "doc-indent-first-continuation": ((8, 1), "the first continuation line of a doc section sets its "
                                      "indentation (QEMU commit 08349786c8); '@arg:' and section tags "
                                      "are matched as patterns, not words"),
    "doc-bare-description-continues": ((2, 12), "a line right after a bare '@arg:' line continues the "
                                       "description (2.10 and 2.11 ended it at any unindented line)"),
    "optional-tag-allowed": ((2, 12), "'#optional' in a description is text again (2.10 and 2.11 refused it)"),
    "doc-features-section": ((4, 1), "doc comments are read in states: body, descriptions, a 'Features:' "
                             "section, then other sections; a description cannot follow those"),
    "doc-headings": ((5, 2), "'= Heading' lines are refused in a definition's doc comment"),
    "doc-indentation-kept": ((9, 1), "the indentation of a section's continuation lines stays in its text "
                             "(9.0 stripped it)"),
    "comment-after-doc-is-doc": ((9, 0), "a comment right after a doc comment is read as another doc "
                                 "comment (an error)"),
    "comment-after-doc-is-comment": ((9, 1), "a comment right after a doc comment is a comment again"),
    "doc-heading-first": ((9, 0), "a '= Heading' line must open its free-form doc comment"),
    "doc-headings-are-text": ((10, 1), "'= Heading' lines are plain text: free-form doc comments are rST, "
                              "with rST section titles"),
    "doc-section-kinds": ((10, 0), "doc sections have kinds: messages name them ('Member:'), and an untagged "
                          "section starts where its text does"),
    "uncovered-branches-empty": ((3, 0), "enum values without a union branch get an empty branch"),
    "alternate-single-branch": ((4, 2), "an alternate may have a single branch"),
    "no-boxed-alternate": ((4, 2), "commands and events cannot take an alternate as boxed 'data'"),
    "pragma-exceptions": ((6, 0), "pragma names '*-exceptions' replace '*-whitelist'"),
    "name-case-rules": ((6, 0), "case rules: CamelCase types, lower-case commands, upper-case events, "
                        "no '_' in member names"),
    "unboxed-conditions-rejected": ((8, 1), "conditional arguments need 'boxed': true"),
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
    "members-must-be-documented": ((9, 0), "every member, value and branch needs a description"),
    "feature-limit": ((10, 0), "at most 64 distinct features per schema"),
    "special-features-not-on-types": ((6, 2), "'unstable' like 'deprecated' is not allowed on types"),
    "doc-line-style": ((10, 2), "doc lines at most 70 columns; two spaces between sentences"),
    "returns-section-needs-returns": ((9, 0), "a 'Returns' section needs a command with 'returns'"),
    "feature-names-any-case": ((6, 1), "feature names may use upper case and '_' (as in 6.0's rule for "
                               "definitions, not members)"),
    "feature-names-lower-case": ((7, 1), "feature names must be lower case again, as in 6.0"),
    "doc-checks-after-schema": ((9, 0), "descriptions of what a definition does not have are checked once "
                                "the whole schema is; before (from 4.2), right after the definition"),
}

#: every QEMU release whose rules qapidoc knows, oldest first
RELEASES: tuple[Version, ...] = (
    (2, 10), (2, 11), (2, 12), (3, 0), (3, 1), (4, 0), (4, 1), (4, 2), (5, 0), (5, 1), (5, 2),
    (6, 0), (6, 1), (6, 2), (7, 0), (7, 1), (7, 2), (8, 0), (8, 1), (8, 2), (9, 0), (9, 1), (9, 2),
    (10, 0), (10, 1), (10, 2),
)
OLDEST: Version = RELEASES[0]
NEWEST: Version = RELEASES[-1]


def release_at_or_before(version: Version) -> Version:
    """The newest known release not newer than ``version`` (the oldest
    release for anything before it)."""
    return max((r for r in RELEASES if r <= version), default=OLDEST)


def release_before(version: Version) -> Version:
    """The newest known release before ``version`` (the oldest release for
    anything not after it)."""
    return max((r for r in RELEASES if r < version), default=OLDEST)


def release_after(version: Version) -> Version | None:
    """The oldest known release after ``version``, if there is one."""
    return min((r for r in RELEASES if r > version), default=None)


class Dialect(NamedTuple):
    """The rules of one QEMU release."""

    version: Version = NEWEST
    #: how it was chosen: "default", "detected", "configured", "version-file"
    origin: str = "default"
    #: the reasons for the choice (evidence, or what VERSION said)
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


class TreeVersion(NamedTuple):
    """What the ``VERSION`` file at the top of a QEMU tree says.

    QEMU numbers ``X.Y.Z``: ``Z`` below 50 is release X.Y or one of its
    stable updates; ``X.Y.50`` is the development cycle after X.Y; ``Z`` of
    90 and above is a release candidate of the next release.
    """

    major: int
    minor: int
    micro: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.micro}"

    @property
    def base(self) -> Version:
        """The release whose rules hold at least."""
        version = (self.major, self.minor)
        if self.micro >= 90:
            return release_after(version) or NEWEST
        return release_at_or_before(version)

    @property
    def in_development(self) -> bool:
        """Whether the tree may hold changes of the next release (a
        development snapshot, a release candidate, or a release newer than
        any qapidoc knows)."""
        return self.micro >= 50 or (self.major, self.minor) > NEWEST

    def describe(self) -> str:
        if self.micro >= 90:
            return f"a release candidate of {_str(self.base)}"
        if self.micro >= 50:
            return f"development after {self.major}.{self.minor}"
        if (self.major, self.minor) > NEWEST:
            return f"newer than {_str(NEWEST)}, the newest release qapidoc knows"
        return f"release {self.major}.{self.minor}"


def parse_tree_version(text: str) -> TreeVersion | None:
    """The content of a QEMU ``VERSION`` file (``8.2.0``, ``10.1.50``) ->
    its parts; None when it does not look like a QEMU version of 2.10 or
    later."""
    m = re.fullmatch(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*", text)
    if not m:
        return None
    version = TreeVersion(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return version if (version.major, version.minor) >= OLDEST else None


def _str(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


class DialectEvidence:
    """Bounds on the release a schema was written for, gathered while loading.

    ``low`` is raised by constructs that appeared in a release; ``high`` is
    lowered by constructs that a release removed.
    """

    __slots__ = ("excluded", "high", "high_reasons", "low", "low_reasons", "strong_high")

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
        #: releases that refuse something the schema has, which releases
        #: before and after them accept: (first, last, why)
        self.excluded: list[tuple[Version, Version, str]] | None = None

    def at_least(self, change: str, why: str) -> None:
        version = CHANGES[change][0]
        if version > self.low:
            self.low = version
            self.low_reasons = [why]

    def not_between(self, change: str, until: str, why: str) -> None:
        """The releases from ``change`` to the one before ``until`` refuse
        what the schema has."""
        first, last = CHANGES[change][0], release_before(CHANGES[until][0])
        if self.excluded is None:
            self.excluded = []
        if all(span[:2] != (first, last) for span in self.excluded):
            self.excluded.append((first, last, why))

    def allows(self, version: Version) -> bool:
        return not any(first <= version <= last for first, last, _ in self.excluded or ())

    def before(self, change: str, why: str, *, weak: bool = False) -> None:
        bound = release_before(CHANGES[change][0])
        if self.high is None or bound < self.high:
            self.high = bound
            self.high_reasons = [why]
        if not weak:
            self.strong_high = True


def from_tree_version(version: TreeVersion, where: str, evidence: DialectEvidence) -> Dialect:
    """The dialect of a schema in a QEMU tree whose ``VERSION`` (at
    ``where``) says ``version``.  A release's rules are its own.  A
    development snapshot (or a release candidate, or a release newer than
    qapidoc knows) has at least the rules of the release it follows, and
    those of a newer release where the schema uses what only that release
    allows (the evidence's lower bound), or has what its release refused
    and the next one allows again (the evidence's excluded releases)."""
    said = f"{where} says {version} ({version.describe()})"
    base = version.base
    if not version.in_development:
        return Dialect(base, "version-file", (said,))
    reasons: tuple[str, ...] = ()
    if evidence.low > base:
        base, reasons = evidence.low, tuple(evidence.low_reasons or ())
    # A snapshot may already hold what the next release changed back, as
    # 8.0.50 held the doc indentation of 8.1 that 5.2 to 8.0 refused.
    for first, last, why in evidence.excluded or ():
        after = release_after(last)
        if first <= base <= last and after is not None:
            base, reasons = after, (*reasons, why)
    return Dialect(base, "version-file", (said, *reasons))


def detect(evidence: DialectEvidence) -> Dialect:
    """Choose a dialect from the evidence.

    A schema that shows nothing of an older era is checked by the newest
    rules.  One that uses a construct a later release removed (a 2017
    ``Example:`` section, a ``returns-whitelist`` pragma) is checked by the
    oldest release consistent with everything else it uses: those are the
    rules its authors wrote against (a release that refuses what releases
    before and after it accept, as 5.2 to 8.0 refused continuation lines
    indented less than the text after ``@arg:``, is passed over).  When the
    evidence conflicts (a modern construct beside an old one), the old
    construct is the mistake, and the newest rules report it.
    """
    low_reasons = tuple(evidence.low_reasons or ())
    if evidence.high is None:
        version = max(NEWEST, evidence.low)
        return Dialect(version, "detected" if low_reasons else "default", low_reasons)
    high_reasons = tuple(evidence.high_reasons or ())
    if evidence.low > evidence.high:
        return Dialect(max(NEWEST, evidence.low), "detected", low_reasons + high_reasons)
    candidates = [r for r in RELEASES if evidence.low <= r <= evidence.high]
    allowed = [r for r in candidates if evidence.allows(r)]
    reasons = low_reasons + high_reasons
    if allowed != candidates and allowed:
        # Releases in between refuse something the schema has.
        reasons += tuple(why for first, last, why in evidence.excluded or ()
                         if any(first <= r <= last for r in candidates))
        candidates = allowed
    if not evidence.strong_high:
        # Only a weak sign of age (asked for only when nothing else speaks):
        # the newest release it allows.
        return Dialect(candidates[-1], "detected", reasons)
    return Dialect(candidates[0], "detected", reasons)
