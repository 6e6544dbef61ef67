"""Ask ajv (Node.js, strict mode) for JSON Schema verdicts from Python tests.

The JavaScript side lives in ``tests/support/ajv/`` (``ajv_check.mjs`` plus a
``package.json``/``package-lock.json`` that pin ajv).  One call of
:func:`run_ajv` starts one Node process for a whole batch: every schema is added
to a single Ajv instance, each schema key is compiled once, then every
instance is validated.  See the header of ``ajv_check.mjs`` for the request
format and for what "strict mode" turns on.

Typical use from a test::

    reason = ajv_available()
    if reason is not None:
        pytest.skip(reason)
    result = run_ajv(schemas, [BUNDLE_ID], [(f"{BUNDLE_ID}#/$defs/Foo", {...})])
    assert result.compile_errors[BUNDLE_ID] is None
    assert result.verdicts == [True]

Numbers: ajv reads every number as an IEEE-754 double, so integers beyond
2**53 are rounded (2**63 - 1 becomes 2**63, 2**64 - 1 becomes 2**64) before ajv
compares them.  Use :func:`ajv_number_collision` to find the instance/bound
pairs on which ajv cannot agree with an exact-integer validator.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = [
    "AJV_DIR",
    "CHECK_SCRIPT",
    "DRAFTS",
    "AjvError",
    "AjvResult",
    "AjvUnavailableError",
    "ajv_available",
    "ajv_number_collision",
    "defs_keys",
    "documented_setup",
    "ensure_installed",
    "normalize_draft",
    "pinned_ajv_version",
    "run_ajv",
]

AJV_DIR = Path(__file__).resolve().with_name("ajv")
CHECK_SCRIPT = AJV_DIR / "ajv_check.mjs"
_NODE_MODULES = AJV_DIR / "node_modules"
_INSTALLED_AJV_PACKAGE = _NODE_MODULES / "ajv" / "package.json"

#: Accepted spellings of the two drafts, mapped to the request's ``draft``.
DRAFTS: Mapping[str, str] = {
    "2020-12": "2020-12",
    "draft2020-12": "2020-12",
    "draft-2020-12": "2020-12",
    "7": "7",
    "07": "7",
    "draft7": "7",
    "draft-07": "7",
}

_MIN_NODE_MAJOR = 18
_DEFAULT_TIMEOUT = 900.0


class AjvError(RuntimeError):
    """The harness itself failed (bad request, crash, unparsable output)."""


class AjvUnavailableError(AjvError):
    """Node.js, npm or the pinned ajv install is missing or unusable."""


@dataclass(frozen=True)
class AjvResult:
    """What ``ajv_check.mjs`` answered for one batch.

    ``compile_errors`` has one entry per requested compile id and one per
    distinct schema key used by the instances: ``None`` when it compiled in
    strict mode, else ajv's error text.  ``verdicts`` follows the order of the
    instances: ``True``/``False``, or ``None`` when the instance's schema did
    not compile.
    """

    compile_errors: dict[str, str | None]
    verdicts: list[bool | None]
    ajv_version: str = ""
    x_keywords: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> dict[str, str]:
        """Only the keys that failed to compile, with their error text."""
        return {k: v for k, v in self.compile_errors.items() if v is not None}


def normalize_draft(draft: str | int) -> str:
    """Map ``"2020-12"``, ``7``, ``"draft-07"``... to ``"2020-12"`` or ``"7"``."""
    key = str(draft).strip().lower()
    try:
        return DRAFTS[key]
    except KeyError:
        raise ValueError(
            f"unsupported JSON Schema draft {draft!r}; use '2020-12' or '7'"
        ) from None


def pinned_ajv_version() -> str:
    """The exact ajv version pinned in ``tests/support/ajv/package.json``."""
    manifest = json.loads((AJV_DIR / "package.json").read_text(encoding="utf-8"))
    version = manifest["dependencies"]["ajv"]
    assert isinstance(version, str)
    return version


def _installed_ajv_version() -> str | None:
    try:
        manifest = json.loads(_INSTALLED_AJV_PACKAGE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) else None


def _node_problem() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "Node.js ('node') is not on PATH; the ajv cross-check needs Node >= 18"
    try:
        proc = subprocess.run(
            [node, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {node} --version: {exc}"
    text = proc.stdout.strip()
    try:
        major = int(text.lstrip("v").split(".")[0])
    except ValueError:
        return f"cannot parse Node.js version {text!r} from {node}"
    if major < _MIN_NODE_MAJOR:
        return f"Node.js {text} at {node} is too old; the ajv cross-check needs >= 18"
    return None


def ajv_available() -> str | None:
    """``None`` when ajv can be run, else a reason fit for ``pytest.skip``."""
    problem = _node_problem()
    if problem is not None:
        return problem
    installed = _installed_ajv_version()
    if installed is None:
        return (
            f"ajv is not installed in {_NODE_MODULES}; run "
            f"'npm ci --no-audit --no-fund' in {AJV_DIR} (or call ensure_installed())"
        )
    pinned = pinned_ajv_version()
    if installed != pinned:
        return (
            f"installed ajv {installed} differs from the pinned {pinned}; run "
            f"'npm ci --no-audit --no-fund' in {AJV_DIR} (or call ensure_installed())"
        )
    return None


def ensure_installed(*, timeout: float = 600.0) -> None:
    """Install the pinned ajv with ``npm ci`` unless it is already there.

    Returns quietly when ajv is usable.  Raises :class:`AjvUnavailableError`
    with a readable reason when Node.js or npm is missing or ``npm ci`` fails,
    so a session-scoped fixture can turn it into ``pytest.skip``/``fail``.
    Concurrent callers (e.g. pytest-xdist workers) are serialised by a lock
    file, since ``npm ci`` first deletes ``node_modules``.
    """
    if ajv_available() is None:
        return
    problem = _node_problem()
    if problem is not None:
        raise AjvUnavailableError(problem)
    npm = shutil.which("npm")
    if npm is None:
        raise AjvUnavailableError(
            "npm is not on PATH; cannot install ajv into tests/support/ajv"
        )
    with _install_lock():
        if ajv_available() is None:  # another process installed it meanwhile
            return
        try:
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=AJV_DIR,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AjvUnavailableError(f"npm ci in {AJV_DIR} failed: {exc}") from exc
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
            raise AjvUnavailableError(
                f"npm ci in {AJV_DIR} exited {proc.returncode}:\n{tail}"
            )
    reason = ajv_available()
    if reason is not None:
        raise AjvUnavailableError(
            f"npm ci succeeded but ajv is still unusable: {reason}"
        )


@contextmanager
def _install_lock() -> Iterator[None]:
    """Exclusive advisory lock on ``tests/support/ajv/.install.lock`` (POSIX)."""
    fd = os.open(AJV_DIR / ".install.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX: no locking
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _escape_pointer_token(token: str) -> str:
    escaped = token.replace("~", "~0").replace("/", "~1")
    # URI-fragment encoding on top of JSON-pointer escaping (RFC 6901 sec. 6).
    return quote(escaped, safe="~!$&'()*+,;=:@-._")


def defs_keys(schema: Mapping[str, Any]) -> list[str]:
    """Schema keys ``"<$id>#/$defs/<name>"`` for every definition in *schema*.

    Neither ajv nor jsonschema-rs compiles a definition that nothing reachable
    from the compiled root ``$ref``\\s, so compiling a bundle by its ``$id``
    alone does not strict-check its ``$defs``.  Pass these keys as extra
    compile ids to check every definition.  Covers ``$defs`` and draft-07's
    ``definitions``.
    """
    schema_id = schema.get("$id")
    if not isinstance(schema_id, str):
        raise TypeError("schema has no string '$id'")
    base = schema_id.split("#", 1)[0]
    keys: list[str] = []
    for container in ("$defs", "definitions"):
        defs = schema.get(container)
        if isinstance(defs, Mapping):
            keys.extend(
                f"{base}#/{container}/{_escape_pointer_token(name)}" for name in defs
            )
    return keys


_DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "jsonschema.rst"
_AJV_SETUP = re.compile(r"new Ajv2020\((\{[^)]*\})\)")
_ADD_KEYWORDS = re.compile(r"for \(const keyword of (\[[^\]]*\])\)")


def documented_setup(page: Path = _DOCS_PAGE) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The ajv options and the keywords that docs/jsonschema.rst tells a
    consumer to use (its ``new Ajv2020({...})`` and ``for (const keyword of
    [...])`` lines), so the tests register nothing the documentation does not
    name.  ``strict`` is left out of the options: the harness always sets it."""
    text = page.read_text(encoding="utf-8")
    setup, keywords = _AJV_SETUP.search(text), _ADD_KEYWORDS.search(text)
    if setup is None or keywords is None:
        raise AjvError(f"{page} shows no 'new Ajv2020({{...}})' or no 'for (const keyword of [...])'")
    options = json.loads(re.sub(r"(\w+):", r'"\1":', setup.group(1)))
    options.pop("strict", None)
    return options, tuple(json.loads(keywords.group(1)))


def ajv_number_collision(instance: object, bound: object) -> bool:
    """True when ajv cannot tell *instance* and *bound* apart.

    ajv (JavaScript) parses both as IEEE-754 doubles; correctly rounded
    (ties-to-even), just like Python's ``float()``.  Rounding is monotonic, so
    it never reverses an order, it can only merge two different numbers into
    one: ``instance > maximum`` then looks like ``instance == maximum`` to ajv
    (verdict "valid" where an exact validator says "invalid"), and
    ``instance < exclusiveMaximum`` looks like equality ("invalid" instead of
    "valid"); likewise for the minimums, ``const``, ``enum`` and
    ``multipleOf``.  Exactly on such pairs the Python side must not assert
    agreement with ajv.  Non-numbers and bools never collide.
    """
    if not _is_number(instance) or not _is_number(bound):
        return False
    assert isinstance(instance, (int, float)) and isinstance(bound, (int, float))
    if instance == bound:
        return False
    try:
        return float(instance) == float(bound)
    except OverflowError:  # beyond ~1.8e308: JSON.parse gives +/-Infinity
        return _sign_inf(instance) == _sign_inf(bound)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sign_inf(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


_Instance = tuple[str, Any] | Mapping[str, Any]


def _normalize_instances(instances: Iterable[_Instance]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, inst in enumerate(instances):
        if isinstance(inst, Mapping):
            if "schema" not in inst or "data" not in inst:
                raise ValueError(f"instances[{i}] needs 'schema' and 'data' keys")
            key, data = inst["schema"], inst["data"]
        else:
            key, data = inst
        if not isinstance(key, str):
            raise TypeError(f"instances[{i}]: schema key must be a str, not {key!r}")
        out.append({"schema": key, "data": data})
    return out


def run_ajv(
    schemas: Sequence[Mapping[str, Any]],
    compile_ids: Sequence[str],
    instances: Iterable[_Instance],
    draft: str | int = "2020-12",
    *,
    options: Mapping[str, Any] | None = None,
    keywords: Sequence[str] | None = None,
    timeout: float | None = _DEFAULT_TIMEOUT,
) -> AjvResult:
    """Compile *compile_ids* and validate *instances* with ajv in one Node run.

    *schemas*: schema objects, each with a unique ``"$id"``; all are added to
    one Ajv instance, so they can ``$ref`` each other by ``$id``.
    *compile_ids*: ``$id``\\s (or ``$id#/json/pointer`` keys) to compile and
    report.  *instances*: ``(schema_key, data)`` pairs or
    ``{"schema": key, "data": data}`` mappings.  *draft*: ``"2020-12"`` (ajv's
    ``Ajv2020``) or ``"7"`` (plain ``Ajv``).  *options*: extra Ajv options
    merged over ``strict: true, allErrors: false`` - an explicit opt-out, never
    used by default.  *keywords*: the only keywords to register (as
    annotations); by default every ``x-`` key in the schemas is.

    Raises :class:`AjvUnavailableError` when ajv is not installed and
    :class:`AjvError` on any harness failure; invalid instances and schemas
    that fail to compile are results, not exceptions.
    """
    reason = ajv_available()
    if reason is not None:
        raise AjvUnavailableError(reason)
    node = shutil.which("node")
    assert node is not None  # ajv_available() checked it
    items = _normalize_instances(instances)
    request: dict[str, Any] = {
        "draft": normalize_draft(draft),
        "schemas": list(schemas),
        "compile": list(compile_ids),
        "instances": items,
    }
    if options:
        request["options"] = dict(options)
    if keywords is not None:
        request["keywords"] = list(keywords)

    with tempfile.TemporaryDirectory(prefix="qapidoc-ajv-") as tmp:
        request_path = Path(tmp) / "request.json"
        with request_path.open("w", encoding="utf-8") as fh:
            try:
                json.dump(request, fh, allow_nan=False, separators=(",", ":"))
            except (TypeError, ValueError) as exc:
                raise AjvError(
                    f"request is not serialisable as strict JSON: {exc}"
                ) from exc
        try:
            proc = subprocess.run(
                [node, str(CHECK_SCRIPT), str(request_path)],
                cwd=AJV_DIR,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AjvError(f"ajv_check.mjs timed out after {timeout} s") from exc
        except OSError as exc:
            raise AjvError(f"cannot start {node}: {exc}") from exc

    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise AjvError(f"ajv_check.mjs exited {proc.returncode}: {stderr}")
    try:
        reply = json.loads(proc.stdout)
    except ValueError as exc:
        raise AjvError(
            f"ajv_check.mjs printed no JSON ({exc}); stderr: {stderr}"
        ) from exc
    return _parse_reply(reply, len(items))


def _parse_reply(reply: object, n_instances: int) -> AjvResult:
    if not isinstance(reply, dict):
        raise AjvError(f"unexpected reply from ajv_check.mjs: {reply!r:.200}")
    compile_map = reply.get("compile")
    verdicts = reply.get("verdicts")
    if not isinstance(compile_map, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str))
        for k, v in compile_map.items()
    ):
        raise AjvError("reply's 'compile' is not a map of key -> null | text")
    if not isinstance(verdicts, list) or not all(
        v is None or isinstance(v, bool) for v in verdicts
    ):
        raise AjvError("reply's 'verdicts' is not a list of true | false | null")
    if len(verdicts) != n_instances:
        raise AjvError(f"got {len(verdicts)} verdicts for {n_instances} instances")
    version = reply.get("ajv_version", "")
    keywords = reply.get("x_keywords", [])
    return AjvResult(
        compile_errors=dict(compile_map),
        verdicts=list(verdicts),
        ajv_version=version if isinstance(version, str) else "",
        x_keywords=tuple(k for k in keywords if isinstance(k, str))
        if isinstance(keywords, list)
        else (),
    )
