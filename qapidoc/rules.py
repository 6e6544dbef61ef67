"""The catalogue of every finding qapidoc can report.

Each rule has a stable code (``QD`` and three digits), a readable name, a
default severity and a What / Why / Example text that ``qapidoc rules``
prints.  Codes are grouped by the stage that reports them:

=====  =====================================================
QD1xx  syntax: lexing, parsing, ``include`` and ``pragma``
QD2xx  shape of each top-level expression
QD3xx  semantics: names, types, clashes, unions, alternates
QD4xx  doc comments: framing, binding, structure, coverage
QD5xx  QMP examples in doc comments
QD6xx  reStructuredText in doc comments
QD7xx  history: ``Since`` claims against the releases (``--history``)
QD9xx  the lint engine itself (configuration, suppressions)
=====  =====================================================

A diagnostic starts with its rule's severity; the lint configuration may
change it.  Rules are values: stages refer to them by name
(``rules.UNKNOWN_TYPE``), never by a bare code string.
"""

from __future__ import annotations

import enum

from .records import NamedTuple

__all__ = ["ALL_RULES", "MODEL_STAGES", "Rule", "Severity", "by_code_or_name"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str
    why: str
    example: str
    #: an error of this rule can leave the model incomplete (a definition,
    #: or part of one, left out), so nothing made from the model alone
    #: (JSON Schema, traffic validation, diff) can be trusted
    leaves_model_incomplete: bool = False


ALL_RULES: list[Rule] = []

#: The stages whose errors leave something out of the model, by code
#: prefix: syntax (a stretch of text skipped), shape (a definition left
#: out) and semantics (an entity left out).  Doc comments (QD4xx), examples
#: (QD5xx), their rST (QD6xx) and the engine (QD9xx) never change the model.
MODEL_STAGES = ("QD1", "QD2", "QD3")


def _rule(code: str, name: str, severity: str, summary: str, why: str, example: str,
          *, leaves_model_incomplete: bool | None = None) -> Rule:
    """A catalogue entry; ``leaves_model_incomplete`` defaults to whether
    the code belongs to one of :data:`MODEL_STAGES`."""
    if leaves_model_incomplete is None:
        leaves_model_incomplete = code.startswith(MODEL_STAGES)
    rule = Rule(code, name, Severity(severity), summary, why, example, leaves_model_incomplete)
    ALL_RULES.append(rule)
    return rule


# --- QD1xx: syntax ---------------------------------------------------------

SYNTAX_ERROR = _rule(
    "QD101", "syntax-error", "error",
    "The text is not valid QAPI schema syntax.",
    "QAPI is JSON with single-quoted strings and '#' comments; QEMU's "
    "generator refuses anything else.",
    "{ 'struct': 'Foo' 'data': {} }   # expected ',' or '}'",
)
DUPLICATE_KEY = _rule(
    "QD102", "duplicate-key", "error",
    "An object names the same key twice.",
    "The second value would silently replace the first.",
    "{ 'struct': 'Foo', 'data': {}, 'data': {} }",
)
NOT_QAPI = _rule(
    "QD103", "not-qapi", "error",
    "A stretch of the file is not QAPI at all (prose, a pasted header).",
    "Text outside '#' comments is a syntax error; qapidoc skips to the next "
    "line that starts a definition or a doc comment and goes on.",
    "Signed-off-by: A. U. Thor <a@example.org>",
)
INCLUDE_ERROR = _rule(
    "QD110", "include-error", "error",
    "An 'include' directive is malformed or names a file that cannot be read.",
    "The definitions of the included module would be missing.",
    "{ 'include': 'no-such-file.json' }",
)
INCLUDE_LOOP = _rule(
    "QD111", "include-loop", "error",
    "A module includes itself, directly or through other modules.",
    "QEMU's generator refuses inclusion loops.",
    "{ 'include': 'this-file.json' }",
    leaves_model_incomplete=False,      # the module is loaded already: nothing is lost
)
PRAGMA_ERROR = _rule(
    "QD120", "pragma-error", "error",
    "A 'pragma' directive is malformed, unknown in this dialect, or has a value of the wrong type.",
    "Pragmas switch checks on and off for the whole schema.",
    "{ 'pragma': { 'doc-required': 'yes' } }",
    leaves_model_incomplete=False,      # pragmas steer checks, never the wire
)
READ_ERROR = _rule(
    "QD130", "read-error", "error",
    "A schema file cannot be read, or is refused: it is not a regular file (a directory, a FIFO, "
    "a device), or the schema's files together exceed the input limit (--max-schema-size).",
    "Nothing can be checked without it; reading a device or a FIFO could never end.",
    "qapidoc check missing.json",
)
NESTING_TOO_DEEP = _rule(
    "QD131", "nesting-too-deep", "error",
    "Objects and lists are nested more than 100 levels deep.",
    "No real schema nests more than a handful of levels; every later stage walks the nesting, "
    "so the parser refuses it at the bracket that goes too deep instead of crashing further on.",
    "[[[[[[ ... 101 levels ... ]]]]]]",
)
NOT_UTF8 = _rule(
    "QD132", "not-utf8", "error",
    "A schema file holds bytes that are not UTF-8 (a Latin-1 'e' with an accent, say).",
    "QEMU reads schema files as UTF-8 and stops at such a byte; qapidoc reports each one at its "
    "line and column, reads it as U+FFFD and goes on.",
    "# caf\\xe9   (the byte 0xe9 alone)",
)

# --- QD2xx: expression shape -----------------------------------------------

EXPR_KEYS = _rule(
    "QD201", "expression-keys", "error",
    "A definition misses a required key, has an unknown key, or is not exactly one kind of definition.",
    "Unknown keys are ignored by nothing: QEMU refuses them, and a typo in a "
    "key name loses what it meant to say.",
    "{ 'struct': 'Foo', 'data': {}, 'bogus': true }",
)
EXPR_VALUE = _rule(
    "QD202", "expression-value", "error",
    "A key of a definition has a value of the wrong form.",
    "QEMU's generator refuses it.",
    "{ 'enum': 'Foo', 'data': 'bar' }   # 'data' must be an array",
)
INVALID_FLAG = _rule(
    "QD203", "invalid-flag", "error",
    "A command or event flag has a value it may not take, or flags conflict.",
    "Flags such as 'boxed' or 'gen' have only one meaningful value.",
    "{ 'command': 'foo', 'gen': true }",
)
INVALID_CONDITION = _rule(
    "QD204", "invalid-condition", "error",
    "An 'if' condition is malformed for this dialect.",
    "Conditions become C preprocessor tests; a malformed one cannot be generated.",
    "{ 'struct': 'Foo', 'data': {}, 'if': { 'and': [] } }",
)
INVALID_FEATURE = _rule(
    "QD205", "invalid-feature", "error",
    "A 'features' list or one of its entries is malformed.",
    "QEMU's generator refuses it.",
    "{ 'struct': 'Foo', 'data': {}, 'features': 'deprecated' }",
)

# --- QD3xx: semantics --------------------------------------------------------

INVALID_NAME = _rule(
    "QD301", "invalid-name", "error",
    "A name has characters or a prefix QAPI does not allow.",
    "Names become C identifiers; 'q_' is reserved for generated code.",
    "{ 'command': 'q-foo' }",
)
NAME_CASE = _rule(
    "QD302", "name-case", "error",
    "A name breaks the case convention for its kind (CamelCase types, "
    "lower-case commands and members, UPPER_CASE events).",
    "QAPI's naming conventions are checked by QEMU since 6.0.",
    "{ 'struct': 'foo_bar', 'data': {} }",
)
RESERVED_NAME = _rule(
    "QD303", "reserved-name", "error",
    "A name is reserved for generated code ('u', 'has-*', '*List', '*Kind').",
    "The generated C would clash.",
    "{ 'struct': 'Foo', 'data': { 'has-bar': 'int' } }",
)
REDEFINITION = _rule(
    "QD310", "redefinition", "error",
    "A name is defined twice.",
    "Only one definition can win.",
    "{ 'enum': 'Foo', 'data': [] }  { 'struct': 'Foo', 'data': {} }",
)
UNKNOWN_TYPE = _rule(
    "QD311", "unknown-type", "error",
    "A type name is not defined anywhere in the schema.",
    "The member, base or branch has no type.",
    "{ 'struct': 'Foo', 'data': { 'bar': 'NoSuchType' } }",
)
MEMBER_CLASH = _rule(
    "QD312", "member-clash", "error",
    "Two members, values, branches or features map to the same C name.",
    "'a-b', 'a_b' and 'a.b' are all 'a_b' in C.",
    "{ 'enum': 'Foo', 'data': [ 'one-two', 'one_two' ] }",
)
WRONG_TYPE_KIND = _rule(
    "QD313", "wrong-type-kind", "error",
    "A type is used where its kind is not allowed (a union as a base, a "
    "built-in as a branch, an array as 'returns' without the pragma).",
    "QEMU's generator refuses it; the wire format would be ambiguous.",
    "{ 'struct': 'Foo', 'base': 'int', 'data': {} }",
)
UNION_DISCRIMINATOR = _rule(
    "QD314", "union-discriminator", "error",
    "A union's discriminator is missing from its base, optional, conditional or not an enum.",
    "The discriminator selects the branch on the wire.",
    "{ 'union': 'U', 'base': { 'kind': 'str' }, 'discriminator': 'kind', 'data': {} }",
)
UNION_BRANCH = _rule(
    "QD315", "union-branch", "error",
    "A union branch does not match a value of the discriminator's enum, or the union has no branches.",
    "Every branch is selected by one enum value.",
    "{ 'union': 'U', 'base': 'B', 'discriminator': 'kind', 'data': { 'nope': 'S' } }",
)
ALTERNATE_CONFLICT = _rule(
    "QD316", "alternate-conflict", "error",
    "Two branches of an alternate have the same JSON type, so the wire value cannot choose between them.",
    "An alternate is decoded by looking at the JSON type of the value.",
    "{ 'alternate': 'A', 'data': { 'a': 'int', 'b': 'number' } }",
)
BASE_CYCLE = _rule(
    "QD317", "base-cycle", "error",
    "A struct is its own base, directly or indirectly.",
    "Its members would be infinite.",
    "{ 'struct': 'A', 'base': 'A', 'data': {} }",
)
FEATURE_USE = _rule(
    "QD318", "feature-use", "error",
    "A feature is used where it is not allowed, or the schema has too many features.",
    "Special features mean something only on some definitions; QEMU has room for 64 features.",
    "{ 'struct': 'Foo', 'data': {}, 'features': [ 'deprecated' ] }",
)
UNBOXED_CONDITION = _rule(
    "QD319", "unboxed-condition", "error",
    "A command's or event's arguments have 'if' conditions but the command is not 'boxed'.",
    "QEMU cannot generate a C function whose parameter list depends on a condition.",
    "{ 'command': 'c', 'data': { 'a': { 'type': 'int', 'if': 'X' } } }",
)

# --- QD4xx: doc comments -----------------------------------------------------

DOC_SYNTAX = _rule(
    "QD401", "doc-syntax", "error",
    "A doc comment is not framed by '##' lines, or a line lacks the space after '#'.",
    "QEMU's doc parser refuses it.",
    "#text without a space",
)
DOC_BINDING = _rule(
    "QD402", "doc-binding", "error",
    "A doc comment is for another definition, or is not followed by the definition it names.",
    "Documentation would be attached to the wrong definition or lost.",
    "##\n# @foo:\n##\n{ 'command': 'bar' }",
)
DOC_MISSING = _rule(
    "QD403", "doc-missing", "error",
    "A definition has no doc comment although the 'doc-required' pragma is set.",
    "The schema asked for every definition to be documented.",
    "{ 'pragma': { 'doc-required': true } }",
)
DOC_STRUCTURE = _rule(
    "QD404", "doc-structure", "error",
    "A doc comment's sections are malformed: duplicated, out of order, empty, or badly indented.",
    "QEMU's doc parser refuses it, or would read the text as something else.",
    "# Since: 2.0\n# Since: 3.0",
)
UNDOCUMENTED = _rule(
    "QD405", "undocumented", "error",
    "A member, value, branch or feature has no description.",
    "Since QEMU 9.1 every member must be documented unless the definition is "
    "listed in the 'documentation-exceptions' pragma; features since 4.2.",
    "##\n# @Foo:\n##\n{ 'struct': 'Foo', 'data': { 'bar': 'int' } }",
)
DOCUMENTED_NONEXISTENT = _rule(
    "QD406", "documented-nonexistent", "error",
    "A doc comment describes a member or feature the definition does not have.",
    "The text documents nothing, often a typo or a stale member.",
    "# @colour: ...   (the struct has 'color')",
)
DOC_SECTION_MISUSE = _rule(
    "QD407", "doc-section-misuse", "error",
    "A 'Returns' or 'Errors' section documents a definition that cannot return or fail.",
    "Only commands return and fail; a command without 'returns' returns nothing.",
    "'Returns' section on an event",
)
OBSOLETE_SECTION = _rule(
    "QD408", "obsolete-section", "error",
    "An 'Example:' or 'Note:' section in a dialect (9.1 and later) that replaced them by rST directives.",
    "QEMU 9.1 and later refuse them; use '.. qmp-example::' and '.. note::'.",
    "# Example:\n# -> { \"execute\": \"stop\" }",
)
DOC_LINE_LENGTH = _rule(
    "QD409", "doc-line-length", "error",
    "A doc comment line is longer than 70 characters (QEMU 10.2 and later).",
    "QEMU enforces it to keep the source readable.",
    "# a line that goes on and on and on ... past the seventieth column",
)
SENTENCE_SPACING = _rule(
    "QD410", "sentence-spacing", "error",
    "Sentences are separated by one space instead of two (QEMU 10.2 and later).",
    "QEMU's style; the check flags '. X' inside doc text.",
    "# First sentence. Second sentence.",
)

# --- QD5xx: QMP examples -----------------------------------------------------

EXAMPLE_JSON = _rule(
    "QD501", "example-invalid-json", "error",
    "A QMP message in an example is not valid JSON.",
    "Readers copy examples; a missing comma or brace makes them fail.",
    "<- { \"return\": { \"a\": 1 \"b\": 2 } }",
)
EXAMPLE_UNKNOWN_COMMAND = _rule(
    "QD502", "example-unknown-command", "error",
    "An example executes a command the schema does not define.",
    "A renamed or misspelled command.",
    "-> { \"execute\": \"query-stauts\" }",
)
EXAMPLE_UNKNOWN_EVENT = _rule(
    "QD503", "example-unknown-event", "error",
    "An example shows an event the schema does not define.",
    "A renamed or misspelled event.",
    "<- { \"event\": \"SHUTDOWNN\", ... }",
)
EXAMPLE_BAD_ARGUMENTS = _rule(
    "QD504", "example-bad-arguments", "error",
    "A request in an example does not match its command's arguments.",
    "A missing, unknown or mistyped argument would be refused by QEMU.",
    "-> { \"execute\": \"stop\", \"arguments\": { \"now\": true } }",
)
EXAMPLE_BAD_RETURN = _rule(
    "QD505", "example-bad-return", "error",
    "A reply in an example does not match what its command returns.",
    "The documented reply would not be what QEMU sends.",
    "<- { \"return\": { \"running\": \"yes\" } }",
)
EXAMPLE_BAD_EVENT = _rule(
    "QD506", "example-bad-event", "error",
    "An event in an example does not match the event's definition.",
    "The documented event would not be what QEMU sends.",
    "<- { \"event\": \"RESET\", \"data\": { \"guest\": 1 }, ... }",
)
EXAMPLE_BAD_MESSAGE = _rule(
    "QD507", "example-bad-message", "error",
    "A message is not a QMP message (no 'execute', 'return', 'error' or "
    "'event'), or an error reply or a message's envelope is malformed.",
    "QMP peers accept only these message shapes.",
    "<- { \"error\": { \"desc\": \"no class\" } }",
)
EXAMPLE_NO_DIRECTION = _rule(
    "QD508", "example-no-direction", "warning",
    "A message in an example has no '->' or '<-' arrow.",
    "The arrows say who sends what; QEMU's docs use them everywhere.",
    "{ \"event\": \"STOP\", ... }",
)
EXAMPLE_WRONG_DIRECTION = _rule(
    "QD509", "example-wrong-direction", "error",
    "A message has the arrow of the other peer: '->' on a reply or event, '<-' on a request.",
    "Clients send requests ('->'); the server sends replies and events ('<-').",
    "-> { \"return\": {} }",
)
EXAMPLE_NO_TIMESTAMP = _rule(
    "QD510", "example-no-timestamp", "warning",
    "An event in an example has no 'timestamp'.",
    "QEMU always sends one; clients may rely on it.",
    "<- { \"event\": \"STOP\" }",
)
EXAMPLE_ORPHAN_REPLY = _rule(
    "QD511", "example-orphan-reply", "warning",
    "A reply in an example follows no request.",
    "Without the request, the reply cannot be checked against a command.",
    "<- { \"return\": {} }   (no '->' before it)",
)
EXAMPLE_ELSEWHERE = _rule(
    "QD512", "example-other-definition", "info",
    "An example in one definition's doc shows no message of that definition.",
    "Often a copy-and-paste slip; sometimes intended.",
    "the example of BLOCK_JOB_PENDING shows BLOCK_JOB_WAITING",
)
EXAMPLE_PROSE_IN_CODE = _rule(
    "QD513", "example-prose-in-code", "warning",
    "A plain '.. qmp-example::' block holds a line that is neither a QMP message nor an elision.",
    "The whole block is one QMP code block: Sphinx cannot highlight it and warns (fatal with -W); "
    "prose belongs in an ':annotated:' example, outside its '::' blocks.",
    "# .. qmp-example::\n#\n#     Query the status first:\n#     -> { \"execute\": \"query-status\" }",
)

# --- QD6xx: reStructuredText -------------------------------------------------

RST_ERROR = _rule(
    "QD601", "rst-error", "warning",
    "docutils reports a problem in a doc comment's reStructuredText (only with 'qapidoc lint --rst-docutils').",
    "The rendered manual will show it wrongly or not at all.",
    "# *emphasis without end",
)
RST_UNKNOWN_DIRECTIVE = _rule(
    "QD602", "rst-unknown-directive", "error",
    "A doc comment uses a directive that the QMP manual does not know.",
    "Sphinx drops the directive's content, with a warning nobody reads.",
    "# .. qmp-exmaple::",
)
RST_UNKNOWN_ROLE = _rule(
    "QD603", "rst-unknown-role", "error",
    "A doc comment uses an interpreted-text role that is not known.",
    "The text renders as an error node.",
    "# :qmp:`query-status`",
)
RST_MALFORMED_DIRECTIVE = _rule(
    "QD604", "rst-malformed-directive", "error",
    "A line looks like a directive but is not one ('..qmp-example::' without the space).",
    "docutils reads it as a comment: the example disappears from the manual.",
    "# ..qmp-example::",
)
RST_EXAMPLE_AS_PROSE = _rule(
    "QD605", "rst-example-as-prose", "error",
    "An example's messages are not indented under their directive or '::' line, so they render as prose.",
    "The example disappears into a paragraph of JSON.",
    "# .. qmp-example::\n# -> { \"execute\": \"stop\" }",
)
RST_UNSAFE = _rule(
    "QD606", "rst-unsafe", "error",
    "A doc comment uses 'raw', 'include' or another directive that reads files or inserts markup "
    "(among them the Sphinx extension's 'qapi-doc' and 'qapi-definition').",
    "Doc comments are schema text; they must not read files or inject HTML at build time.",
    "# .. raw:: html",
)

RST_LEGACY_HEADING = _rule(
    "QD607", "rst-legacy-heading", "warning",
    "A '= Heading' line in a free-form doc comment of QEMU 10.1 or later, where it is no longer a heading.",
    "Since QEMU 10.1 headings are rST section titles; the old markup renders as a paragraph "
    "that starts with '=='.",
    "# == GHESv2 CPER Error Injection",
)
RST_DIRECTIVE_REFUSED = _rule(
    "QD608", "rst-directive-refused", "error",
    "A doc comment uses a directive that doc comments may not use: one of the Sphinx extension's own "
    "('qapi:command', 'qapi:namespace'...), 'toctree', 'only', 'math', another domain's description...",
    "The manual leaves it out (with this warning): its directives write the reference's structure, "
    "and the others change the whole page or run code in the reader's browser.  The list is "
    "qapidoc.rst_policy; a project adds to it with qapidoc_allowed_directives.",
    "# .. qapi:command:: fake-command",
)
RST_ROLE_REFUSED = _rule(
    "QD609", "rst-role-refused", "error",
    "A doc comment uses a role that doc comments may not use: 'download' (copies a file into the "
    "output), 'raw', 'math'.",
    "The manual shows the role's text as plain text (with this warning).",
    "# See :download:`the key </etc/ssh/ssh_host_rsa_key>`.",
)
RST_OPTION_TOO_LARGE = _rule(
    "QD610", "rst-option-too-large", "error",
    "A directive option asks for more than the manual allows (':emphasize-lines:' beyond line 10,000, "
    "':columns:' of 'hlist' beyond 12).",
    "The build would allocate in proportion to the number, not to the text: a few characters could "
    "exhaust its memory.  The manual leaves the directive out (with this warning).",
    "# .. code-block:: text\n#    :emphasize-lines: 1-300000000",
)
RST_UNSAFE_LINK = _rule(
    "QD611", "rst-unsafe-link", "error",
    "A doc comment links to a URL that is not http, https, mailto or a relative reference "
    "('javascript:', 'data:', 'file:', '//host'...), directly or through a link target.",
    "A click on it could run script in the reader's browser or open local files.  The manual shows "
    "the link's text without the link (with this warning).",
    "# Click `here`_.\n#\n# .. _here: javascript:alert(1)",
)

# --- QD7xx: history ----------------------------------------------------------

SINCE_TOO_LATE = _rule(
    "QD701", "since-too-late", "warning",
    "A 'Since:' line or '(since X.Y)' note names a release after the one in which the thing was already "
    "on the wire, everywhere it is used today (with 'qapidoc lint --history').",
    "Clients read it to know which QEMU they need: a late claim makes them refuse a release that has "
    "what they want.  The finding gives the release, file and line where it first appears.",
    "# @reason: ... (since 5.0)     but SHUTDOWN's 'reason' is in v4.0.0:qapi/run-state.json:159",
)
SINCE_TOO_EARLY = _rule(
    "QD702", "since-too-early", "warning",
    "A 'Since:' line or '(since X.Y)' note names a release whose schema does not have the thing yet: it "
    "first appears on the wire later (with 'qapidoc lint --history').",
    "A client that trusts it sends a command or member an older QEMU rejects.  Only releases that "
    "were read can disprove a claim: nothing is said of a claim older than the oldest; and a member "
    "of a type is not reported while a type of that name had it in the claimed release; a stable "
    "release ('since 2.12.1') agrees with the first release read after 2.12.",
    "# Since: 9.0       but the command is in no release before v9.1.0",
)
SINCE_UNRELEASED = _rule(
    "QD703", "since-unreleased", "warning",
    "A 'Since:' line or '(since X.Y)' note names a release that was read, and no release read has the "
    "thing: it was added after that release (with 'qapidoc lint --history').",
    "The usual slip of a patch written during one release cycle and merged in the next: the claim "
    "must name the release that will first ship it.",
    "# Since: 10.2      in a tree after v10.2.0, for a command v10.2.0 does not have",
)

SINCE_MISSING = _rule(
    "QD704", "since-missing", "warning",
    "A member, value or branch first appears on the wire in a release after the one its definition's "
    "'Since:' names, and its description says nothing of when (with 'qapidoc lint --history').",
    "A member without a note reads as old as its definition: clients send it to releases that reject "
    "it.  Said only when the definition itself was there in its release (the command on the wire, the "
    "type under that name) without this member.",
    "# @reason: The cause of the shutdown.      (no '(since 4.0)'; SHUTDOWN says 'Since: 0.12')",
)

# --- QD9xx: engine -----------------------------------------------------------

UNUSED_SUPPRESSION = _rule(
    "QD901", "unused-suppression", "warning",
    "A 'qapidoc: ignore' comment silences nothing.",
    "Stale suppressions hide future findings.",
    "# qapidoc: ignore[QD501]",
)
CONFIG_ERROR = _rule(
    "QD902", "config-error", "error",
    "The configuration names an unknown rule or has a value of the wrong type.",
    "A typo in a rule code would silently select nothing.",
    "[tool.qapidoc] ignore = ['QD999']",
)
BAD_SUPPRESSION = _rule(
    "QD903", "bad-suppression", "error",
    "A 'qapidoc: ignore[...]' comment is malformed, misplaced, or names no rule.",
    "A suppression that cannot be read silences nothing, and nobody notices.",
    "# .. qapidoc: ignore[QD5O5]   (letter O, not zero)",
)
INTERNAL_ERROR = _rule(
    "QD999", "internal-error", "error",
    "qapidoc failed on this input; please report a bug.",
    "A crash must never look like a clean run.",
    "",
)


_BY_KEY = {r.code: r for r in ALL_RULES} | {r.name: r for r in ALL_RULES}


def by_code_or_name(key: str) -> Rule | None:
    """The rule with this code (``QD311``) or name (``unknown-type``)."""
    return _BY_KEY.get(key.upper() if key[:2].lower() == "qd" else key)
