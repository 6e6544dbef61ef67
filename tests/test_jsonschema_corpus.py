"""Every file generated for every corpus root: metaschema, ajv, jsonschema-rs,
and cross-validator agreement on generated and mutated instances.

For each root of ``CORPUS_ROOTS`` the four outputs (named and inline view,
draft 2020-12 and draft 7) are generated.  Every file must pass its draft's
metaschema (jsonschema-rs's meta-validator for all of them, python-jsonschema
for the named view), load in jsonschema-rs and compile in ajv's strict mode.

Agreement: at least 10,000 instances per root (valid messages and values
generated from the *model* by ``support.qapi_instances``, and mutants of
them) get one verdict from python-jsonschema, ajv and jsonschema-rs; every
generated-valid instance must be valid.  ajv runs in Node processes started
when a root's fixture is built, so they work while Python does, and
registers only the keywords and options docs/jsonschema.rst tells consumers
to register.

The codegen profile (one ``qmp.json`` per root) must give the validation
profile's verdict on the first ``CODEGEN_SAMPLE`` instances of each root
(10,196 in all: values of built-in types are left out, the codegen profile
has no definition for them), by python-jsonschema and by ajv; its documents pass the
metaschema, load in jsonschema-rs and compile in ajv; and its shape is what
generators need (no boolean schema, no ``$ref`` beside other keywords,
only local ``$ref``, distinct names).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import CORPUS_ROOTS
from support.ajv import (
    AjvResult,
    AjvUnavailableError,
    ajv_available,
    ajv_number_collision,
    defs_keys,
    documented_setup,
    ensure_installed,
    run_ajv,
)
from support.jsonschema_rs_check import rs_available
from support.qapi_instances import NUMBER_BOUNDS, InstanceFactory, numbers_in
from support.verdicts import PyVerdicts, meta_errors

from qapidoc import load_schema
from qapidoc.backends.jsonschema import (
    GeneratedSchemas,
    GenerateOptions,
    event_file,
    generate,
    reply_file,
    request_file,
)
from qapidoc.backends.jsonschema_codegen import CodegenSchema, generate_codegen, message_key
from qapidoc.frontend.model import BuiltinType

pytestmark = pytest.mark.slow

#: instances per root: at least 10,000 per corpus (2.10-seed, 7.2, 10.2)
MIN_INSTANCES = {"2.10-seed": 10_000, "7.2-qapi": 4_000, "7.2-qga": 3_000, "7.2-qsd": 3_000,
                 "10.2-qapi": 4_000, "10.2-qga": 3_000, "10.2-qsd": 3_000}
DRAFT7_SAMPLE = 1_000
INLINE_SAMPLE = 1_000
ANY_SAMPLE = 1_000
#: the first instances of each root that are checked on the codegen profile too
#: (10,196 in all, built-in values being left out)
CODEGEN_SAMPLE = {"2.10-seed": 3_000, "7.2-qapi": 2_000, "7.2-qga": 1_000, "7.2-qsd": 1_000,
                  "10.2-qapi": 2_000, "10.2-qga": 1_000, "10.2-qsd": 1_000}


@dataclass
class Item:
    key: str                    # schema key in the named 2020-12 output
    instance: Any
    generated_valid: bool       # True: made valid by the generator; False: a mutant
    inline_key: str | None = None
    draft7_key: str | None = None
    any_key: str | None = None  # the "any message" schema, for requests and events
    codegen_key: str | None = None  # in the codegen profile (None: a type it has no definition for)
    ajv: bool = True            # False: a number ajv cannot see exactly


@dataclass
class CorpusRun:
    root: str
    variants: dict[tuple[str, bool], GeneratedSchemas]
    codegen: dict[str, CodegenSchema]
    items: list[Item]
    ajv: dict[str, concurrent.futures.Future[AjvResult]] = field(default_factory=dict)
    ajv_skip: str | None = None
    schema: Any = None


_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2)


def _variants(result: Any, root: str) -> dict[tuple[str, bool], GeneratedSchemas]:
    out = {}
    for draft in ("2020-12", "7"):
        for inline in (False, True):
            base = f"urn:qapidoc:test:{root}:{'inline' if inline else 'named'}:"
            out[(draft, inline)] = generate(result.schema, GenerateOptions(draft=draft, base_uri=base, inline=inline),
                                            result.doc_for)
    return out


def _codegen(result: Any, root: str) -> dict[str, CodegenSchema]:
    return {draft: generate_codegen(result.schema, GenerateOptions(
        draft=draft, profile="codegen", base_uri=f"urn:qapidoc:test:{root}:codegen:"), result.doc_for)
        for draft in ("2020-12", "7")}


def _codegen_key(codegen: CodegenSchema, schema: Any, file: str | None, type_name: str | None) -> str | None:
    if file is not None:
        name = file.split("/", 1)[1].removesuffix(".json")
        if file.startswith("events/"):
            return codegen.key_of(message_key("event", name))
        name, kind = name.rsplit(".", 1)
        return codegen.key_of(message_key(kind, name))
    assert type_name is not None
    defs = codegen.document["$defs"]
    if (isinstance(schema.type(type_name), BuiltinType) or type_name not in defs
            or type_name in codegen.index["branches"]):
        return None      # built-ins are inline; a branch-only struct is its whole branch
    return codegen.key_of(type_name)


def _items(result: Any, variants: dict[tuple[str, bool], GeneratedSchemas], codegen: CodegenSchema,
           seed: int, count: int) -> list[Item]:
    schema = result.schema
    named, inline, d7 = variants[("2020-12", False)], variants[("2020-12", True)], variants[("7", False)]
    factory = InstanceFactory(schema, seed)
    commands = sorted(schema.commands(), key=lambda c: c.name)
    events = sorted(schema.events(), key=lambda e: e.name)
    assert named.bundle is not None and d7.bundle is not None
    types = sorted(named.bundle["$defs"])
    items: list[Item] = []

    def add(file: str | None, type_name: str | None, instance: Any) -> None:
        any_key = None
        if file is not None:
            keys = (named.id_of(file), inline.id_of(file), d7.id_of(file))
            if file.startswith("events/"):
                any_key = named.id_of("messages/server.json")
            elif file.endswith(".request.json"):
                any_key = named.id_of("messages/client.json")
        else:
            keys = (f"{named.bundle['$id']}#/$defs/{type_name}", None,  # type: ignore[index]
                    f"{d7.bundle['$id']}#/definitions/{type_name}")   # type: ignore[index]
        codegen_key = _codegen_key(codegen, schema, file, type_name)
        for valid, value in ((True, instance), (False, factory.mutate(instance))):
            items.append(Item(keys[0], value, valid, keys[1], keys[2], any_key, codegen_key))

    for round_ in itertools.count():
        for cmd in commands:
            add(request_file(cmd.name), None, factory.request(cmd))
            if cmd.success_response:
                add(reply_file(cmd.name), None, factory.reply(cmd))
        for ev in events:
            add(event_file(ev.name), None, factory.event(ev))
        for name in types[round_ % 3::3]:
            add(None, name, factory.value(name))
        if len(items) >= count:
            break
    for item in items:
        item.ajv = not any(ajv_number_collision(n, b) for n in numbers_in(item.instance) for b in NUMBER_BOUNDS)
    return items


_RUNS: dict[str, CorpusRun] = {}


def _prepare(root: str, rel: str, shared_dir: pathlib.Path, ajv_skip: str | None) -> CorpusRun:
    result = load_schema(str(shared_dir / rel))
    assert result.ok and result.schema is not None
    variants = _variants(result, root)
    codegen = _codegen(result, root)
    items = _items(result, variants, codegen["2020-12"], seed=len(root), count=MIN_INSTANCES[root])
    run = CorpusRun(root, variants, codegen, items, ajv_skip=ajv_skip, schema=result.schema)
    if ajv_skip is None:
        for draft in ("2020-12", "7"):
            run.ajv[draft] = _POOL.submit(_ajv_request, run, draft)
    return run


@pytest.fixture(scope="module", params=CORPUS_ROOTS, ids=[r for r, _ in CORPUS_ROOTS])
def corpus(request: pytest.FixtureRequest, shared_dir: pathlib.Path) -> CorpusRun:
    if not _RUNS:
        # Prepare every selected root now, so that ajv (one Node process at
        # a time, in the background) works through all of them while Python
        # runs the other checks.
        ajv_skip = None
        if ajv_available() is not None:
            try:
                ensure_installed()
            except AjvUnavailableError as exc:
                ajv_skip = f"ajv cannot be installed: {exc}"
        selected = {item.callspec.params["corpus"][0] for item in request.session.items
                    if item.module is request.module and hasattr(item, "callspec")
                    and "corpus" in item.callspec.params}
        for root, rel in CORPUS_ROOTS:
            if root in selected:
                _RUNS[root] = _prepare(root, rel, shared_dir, ajv_skip)
    root, rel = request.param
    if root not in _RUNS:
        _RUNS[root] = _prepare(root, rel, shared_dir, None)
    return _RUNS[root]


def _ajv_request(run: CorpusRun, draft: str) -> AjvResult:
    schemas: list[dict[str, Any]] = []
    ids: list[str] = []
    for inline in (False, True):
        gen = run.variants[(draft, inline)]
        schemas += gen.schemas()
        ids += [d["$id"] for d in gen.schemas()]
        if gen.bundle is not None:
            ids += defs_keys(gen.bundle)
    codegen = run.codegen[draft].document
    schemas.append(codegen)
    ids += [codegen["$id"], *defs_keys(codegen)]
    options, keywords = documented_setup()
    return run_ajv(schemas, ids, _ajv_instances(run, draft), draft=draft, options=options, keywords=keywords)


def _codegen_sample(run: CorpusRun) -> list[Item]:
    return [i for i in run.items[:CODEGEN_SAMPLE[run.root]] if i.codegen_key is not None]


def _ajv_instances(run: CorpusRun, draft: str) -> list[tuple[str, Any]]:
    if draft == "7":
        return [(i.draft7_key, i.instance) for i in run.items[:DRAFT7_SAMPLE] if i.ajv and i.draft7_key]
    out = [(i.key, i.instance) for i in run.items if i.ajv]
    out += [(i.inline_key, i.instance) for i in run.items[:INLINE_SAMPLE] if i.ajv and i.inline_key]
    out += [(i.any_key, i.instance) for i in run.items[:ANY_SAMPLE] if i.ajv and i.any_key]
    out += [(str(i.codegen_key), i.instance) for i in _codegen_sample(run) if i.ajv]
    return out


def test_enough_instances(corpus: CorpusRun) -> None:
    items = corpus.items
    assert len(items) >= MIN_INSTANCES[corpus.root]
    per_corpus: dict[str, int] = {}
    for root, count in MIN_INSTANCES.items():
        per_corpus[root.split("-")[0]] = per_corpus.get(root.split("-")[0], 0) + count
    assert min(per_corpus.values()) >= 10_000
    assert sum(i.generated_valid for i in items) == len(items) // 2
    assert sum(not i.ajv for i in items) < len(items) // 20


def test_metaschema(corpus: CorpusRun) -> None:
    import jsonschema_rs

    for (draft, inline), gen in corpus.variants.items():
        for name, doc in gen.files().items():
            assert jsonschema_rs.meta.is_valid(doc), (draft, inline, name)
            if not inline:
                assert meta_errors(doc, draft) == [], (draft, name)


def test_jsonschema_rs_loads_every_file(corpus: CorpusRun) -> None:
    reason = rs_available()
    if reason is not None:
        pytest.skip(reason)
    from support.jsonschema_rs_check import RsCompileError, _build, _registry

    for (draft, inline), gen in corpus.variants.items():
        schemas = gen.schemas()
        registry = _registry(schemas, draft)
        keys = [d["$id"] for d in schemas] + (defs_keys(gen.bundle) if gen.bundle is not None else [])
        for key in keys:
            try:
                _build({"$ref": key}, registry, draft)
            except RsCompileError as exc:
                pytest.fail(f"{draft} {'inline' if inline else 'named'}: {key}: {exc}")


def _python_verdicts(corpus: CorpusRun) -> list[bool]:
    cache = getattr(corpus, "_py_verdicts", None)
    if cache is None:
        named = PyVerdicts(corpus.variants[("2020-12", False)].schemas(), "2020-12")
        cache = [named.is_valid(i.key, i.instance) for i in corpus.items]
        corpus._py_verdicts = cache  # type: ignore[attr-defined]
    return cache


def test_generated_instances_are_valid_and_most_mutants_not(corpus: CorpusRun) -> None:
    verdicts = _python_verdicts(corpus)
    rejected = [(i.key, i.instance) for i, v in zip(corpus.items, verdicts, strict=True) if i.generated_valid and not v]
    assert rejected[:5] == []
    mutants = [v for i, v in zip(corpus.items, verdicts, strict=True) if not i.generated_valid]
    assert sum(not v for v in mutants) > 0.6 * len(mutants)


def _draft7_verdicts(corpus: CorpusRun) -> list[bool | None]:
    cache = getattr(corpus, "_d7_verdicts", None)
    if cache is None:
        d7 = PyVerdicts(corpus.variants[("7", False)].schemas(), "7")
        cache = [None if i.draft7_key is None else d7.is_valid(i.draft7_key, i.instance)
                 for i in corpus.items[:DRAFT7_SAMPLE]]
        corpus._d7_verdicts = cache  # type: ignore[attr-defined]
    return cache


def test_inline_view_and_draft7_agree_with_named_view(corpus: CorpusRun) -> None:
    verdicts = _python_verdicts(corpus)
    inline = PyVerdicts(corpus.variants[("2020-12", True)].schemas(), "2020-12")
    wrong = []
    for item, verdict in zip(corpus.items[:INLINE_SAMPLE], verdicts[:INLINE_SAMPLE], strict=True):
        if item.inline_key is not None and inline.is_valid(item.inline_key, item.instance) is not verdict:
            wrong.append(("inline", item.inline_key, item.instance))
    for item, verdict, d7 in zip(corpus.items, verdicts, _draft7_verdicts(corpus), strict=False):
        if d7 is not None and d7 is not verdict:
            wrong.append(("draft 7", item.draft7_key, item.instance))
    assert wrong[:5] == []


def test_any_message_schemas_select_the_message_s_own_schema(corpus: CorpusRun) -> None:
    """A request is valid for messages/client.json exactly when it is valid for
    its command's request schema; an event likewise with messages/server.json."""
    verdicts = _python_verdicts(corpus)
    named = PyVerdicts(corpus.variants[("2020-12", False)].schemas(), "2020-12")
    checked = [(i, v) for i, v in zip(corpus.items[:ANY_SAMPLE], verdicts[:ANY_SAMPLE], strict=True) if i.any_key]
    assert len(checked) > ANY_SAMPLE // 3
    wrong = [(i.any_key, i.instance, v) for i, v in checked if named.is_valid(str(i.any_key), i.instance) is not v]
    assert wrong[:5] == []


def test_jsonschema_rs_agrees_with_python(corpus: CorpusRun) -> None:
    reason = rs_available()
    if reason is not None:
        pytest.skip(reason)
    from support.jsonschema_rs_check import rs_verdicts

    verdicts = _python_verdicts(corpus)
    rs = rs_verdicts(corpus.variants[("2020-12", False)].schemas(), [(i.key, i.instance) for i in corpus.items])
    wrong = [(i.key, i.instance, v) for i, v, r in zip(corpus.items, verdicts, rs, strict=True) if r is not v]
    assert wrong[:5] == []


@pytest.mark.parametrize("draft", ["2020-12", "7"])
def test_ajv_compiles_strict_and_agrees(corpus: CorpusRun, draft: str) -> None:
    if corpus.ajv_skip is not None:
        pytest.skip(corpus.ajv_skip)
    result = corpus.ajv[draft].result()
    assert result.errors == {}
    expected: list[bool] = []
    if draft == "2020-12":
        verdicts = _python_verdicts(corpus)
        expected = [v for i, v in zip(corpus.items, verdicts, strict=True) if i.ajv]
        expected += [v for i, v in zip(corpus.items[:INLINE_SAMPLE], verdicts[:INLINE_SAMPLE], strict=True)
                     if i.ajv and i.inline_key]
        expected += [v for i, v in zip(corpus.items[:ANY_SAMPLE], verdicts[:ANY_SAMPLE], strict=True)
                     if i.ajv and i.any_key]
        sample = CODEGEN_SAMPLE[corpus.root]
        expected += [v for i, v in zip(corpus.items[:sample], verdicts[:sample], strict=True)
                     if i.ajv and i.codegen_key is not None]
        instances = _ajv_instances(corpus, draft)
    else:
        instances = _ajv_instances(corpus, draft)
        expected = [bool(v) for i, v in zip(corpus.items, _draft7_verdicts(corpus), strict=False)
                    if i.ajv and i.draft7_key]
    assert len(result.verdicts) == len(expected) == len(instances)
    wrong = [inst for inst, got, want in zip(instances, result.verdicts, expected, strict=True) if got is not want]
    assert wrong[:5] == []


# --- the codegen profile -------------------------------------------------------------------

def test_codegen_profile_gives_the_validation_profile_s_verdicts(corpus: CorpusRun) -> None:
    verdicts = dict(zip(map(id, corpus.items), _python_verdicts(corpus), strict=True))
    codegen = PyVerdicts([corpus.codegen["2020-12"].document], "2020-12")
    sample = _codegen_sample(corpus)
    assert len(sample) > CODEGEN_SAMPLE[corpus.root] * 0.8
    if len(_RUNS) == len(CORPUS_ROOTS):
        assert sum(len(_codegen_sample(run)) for run in _RUNS.values()) >= 10_000
    wrong = [(i.codegen_key, i.instance, verdicts[id(i)]) for i in sample
             if codegen.is_valid(str(i.codegen_key), i.instance) is not verdicts[id(i)]]
    assert wrong[:5] == []


def test_codegen_documents_pass_the_metaschema_and_load(corpus: CorpusRun) -> None:
    import jsonschema_rs

    for draft, codegen in corpus.codegen.items():
        assert meta_errors(codegen.document, draft) == []
        assert jsonschema_rs.meta.is_valid(codegen.document)
    reason = rs_available()
    if reason is not None:
        pytest.skip(reason)
    from support.jsonschema_rs_check import _build, _registry

    document = corpus.codegen["2020-12"].document
    registry = _registry([document], "2020-12")
    for key in defs_keys(document):
        _build({"$ref": key}, registry, "2020-12")


def _nodes(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _nodes(sub, f"{path}/{key}")
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _nodes(sub, f"{path}/{index}")


_SCHEMA_PLACES = ("items", "additionalProperties", "not", "if", "then", "else")


def test_codegen_shape_is_what_generators_need(corpus: CorpusRun) -> None:
    document = corpus.codegen["2020-12"].document
    defs = document["$defs"]
    problems = []
    for path, node in _nodes(defs, "#/$defs"):
        if not isinstance(node, dict):
            continue
        for key in _SCHEMA_PLACES:
            if isinstance(node.get(key), bool) and not (key == "additionalProperties" and node[key] is False):
                problems.append(f"{path}/{key}: boolean schema")
        for key in ("oneOf", "anyOf", "allOf"):
            if any(isinstance(sub, bool) for sub in node.get(key, [])):
                problems.append(f"{path}/{key}: boolean schema")
        if isinstance(node.get("properties"), dict) and not path.endswith("/properties"):
            problems += [f"{path}/properties/{k}: boolean schema"
                         for k, v in node["properties"].items() if isinstance(v, bool)]
        ref = node.get("$ref")
        if isinstance(ref, str) and not path.endswith(("/properties", "/x-qapi-values")):
            if len(node) > 1:
                problems.append(f"{path}: $ref beside {sorted(set(node) - {'$ref'})}")
            if not ref.startswith("#/$defs/") or ref.removeprefix("#/$defs/") not in defs:
                problems.append(f"{path}: $ref {ref} is not a local definition")
            if isinstance(corpus.schema.type(ref.removeprefix("#/$defs/")), BuiltinType):
                problems.append(f"{path}: $ref to the built-in {ref}")
    assert problems[:10] == []
    # generators name types by the key with case and punctuation dropped
    plain: dict[str, list[str]] = {}
    for key in defs:
        plain.setdefault("".join(c for c in key.lower() if c.isalnum()), []).append(key)
    assert [keys for keys in plain.values() if len(keys) > 1] == []


def test_every_keyword_outside_the_vocabulary_is_documented(corpus: CorpusRun) -> None:
    _, keywords = documented_setup()
    documented = {*keywords, "discriminator"}
    used: set[str] = set()
    documents = [d for gen in corpus.variants.values() for d in gen.schemas()]
    documents += [c.document for c in corpus.codegen.values()]
    for document in documents:
        for path, node in _nodes(document):
            if isinstance(node, dict) and not path.endswith(("/properties", "/$defs", "/definitions",
                                                             "/x-qapi-values", "/x-qapi-features-if")):
                used.update(k for k in node if k.startswith("x-") or k == "discriminator")
    assert used <= documented, used - documented
