#!/usr/bin/env node
// ajv_check.mjs - ask ajv (strict mode) for JSON Schema verdicts in one batch.
//
// Test-suite harness, driven by tests/support/ajv.py.  One Node process
// handles a whole batch: every schema is added to a single Ajv instance, each
// requested schema is compiled once, and then every instance is validated.
//
// Usage:
//   node ajv_check.mjs [REQUEST.json]      (no argument or "-": read stdin)
//
// Request (one JSON object):
//   {
//     "draft":     "2020-12" | "7",
//     "schemas":   [ {"$id": "...", ...}, ... ],   each with a unique "$id"
//     "compile":   [ "<$id>", ... ],               compile these and report
//     "instances": [ {"schema": "<$id>" | "<$id>#/json/pointer",
//                     "data": <any JSON>}, ... ]
//     "options":   { ... }                        optional, see below
//     "keywords":  [ "x-...", ... ]               optional, see below
//   }
//
// Response on stdout (one JSON object):
//   {
//     "compile":  { "<key>": null | "error text", ... },
//     "verdicts": [ true | false | null, ... ],      same order as "instances"
//     "ajv_version": "8.x.y",
//     "x_keywords": [ "x-...", ... ]                 keywords registered
//   }
//   "compile" has one entry per "compile" id and, in addition, one entry per
//   distinct "schema" key used by the instances.  A key whose schema failed to
//   add, compile or resolve maps to the error text, and its instances get the
//   verdict null.  Invalid instances are a verdict (false), never an error.
//
// Exit status: 0 whenever a response was written (whatever the verdicts and
// compile errors); 2 for a bad request (unreadable/malformed JSON, wrong
// shape, unknown draft, missing or duplicate "$id"); 3 for any other harness
// failure.  Diagnostics for non-zero exits go to stderr.
//
// Strict mode.  The Ajv instance is created with `strict: true`, which per the
// ajv documentation (docs/options.md, docs/strict-mode.md) turns every strict
// option from its default ("log" or false) into a hard compile error:
//   strictSchema   unknown keywords, ignored "additionalItems", unknown
//                  formats, keywords placed where they are ignored, ...
//   strictNumbers  NaN / Infinity as numbers
//   strictTypes    keywords applying to a type that "type" does not allow
//                  (e.g. "properties" without "type": "object" in scope),
//                  union types ("type": [a, b] other than [x, "null"]),
//                  and "type" values not allowed by the surrounding context
//   strictTuples   "prefixItems"/array "items" without the matching
//                  "minItems" and "items"/"additionalItems" closure
//   strictRequired "required" naming a property not defined in the same
//                  schema object's "properties" (or an enclosing one that ajv
//                  tracks)
// allowUnionTypes stays at its default (false): strict types in full.
// allErrors is false (stop at the first error): only the verdict matters.
// No formats are registered: a "format" keyword is an unknown-format error.
//
// "x-" annotations.  Every object key beginning with "x-" anywhere in the
// request's schemas is registered with ajv.addKeyword() as an annotation-only
// keyword (no validation), so strict mode accepts e.g. "x-qapi-if" and
// "x-qapi-features".  The walk is deliberately schema-agnostic: property or
// $defs names that begin with "x-" get registered as well, which is harmless.
// Keys that ajv cannot take as a keyword name (/^[a-z_$][a-z0-9_$:-]*$/i) are
// not registered; if such a key sits where a keyword goes, strict mode reports
// it as an unknown keyword, as it should.
//
// "keywords": when given, exactly these are registered (as annotations) and
// nothing is collected from the schemas: a keyword the schemas use and the
// list lacks is then an unknown keyword, as it is for a consumer who registers
// only what the documentation names.
//
// "options" (escape hatch, explicit only): an object merged over the options
// above, e.g. {"allowUnionTypes": true}.  The harness itself never loosens
// anything; a caller that passes options owns that decision.
//
// Numbers.  The request is read with JSON.parse, so every number becomes an
// IEEE-754 double, in the schemas ("maximum": 18446744073709551615) and in the
// instances alike.  Integers of magnitude <= 2^53 are exact; above that they
// round to the nearest double (ties to even): 2^63 - 1 reads as 2^63 and
// 2^64 - 1 reads as 2^64.  ajv then compares doubles, so a bound and an
// instance that differ as integers but round to the same double compare as
// equal (2^64 <= "maximum": 2^64 - 1 is "valid" here).  ajv has no BigInt
// mode; tests/support/ajv.py exposes a predicate for these collisions.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

class RequestError extends Error {}

const DRAFTS = {
  "2020-12": "ajv/dist/2020",
  "7": "ajv",
};

// Same pattern ajv uses to vet keyword names (core.ts, KEYWORD_NAME).
const KEYWORD_NAME = /^[a-z_$][a-z0-9_$:-]*$/i;

async function readRequestText(argv) {
  const path = argv[2];
  if (path !== undefined && path !== "-") {
    try {
      return readFileSync(path, "utf8");
    } catch (e) {
      throw new RequestError(`cannot read request file ${path}: ${e.message}`);
    }
  }
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function parseRequest(text) {
  let req;
  try {
    req = JSON.parse(text);
  } catch (e) {
    throw new RequestError(`request is not valid JSON: ${e.message}`);
  }
  if (!isPlainObject(req)) throw new RequestError("request must be a JSON object");
  const draft = req.draft === undefined ? "2020-12" : String(req.draft);
  if (!Object.hasOwn(DRAFTS, draft)) {
    throw new RequestError(`unknown draft ${JSON.stringify(req.draft)}; expected "2020-12" or "7"`);
  }
  const schemas = req.schemas ?? [];
  const compile = req.compile ?? [];
  const instances = req.instances ?? [];
  const options = req.options ?? {};
  const keywords = req.keywords ?? null;
  if (keywords !== null && !(Array.isArray(keywords) && keywords.every((k) => typeof k === "string"))) {
    throw new RequestError('"keywords" must be an array of strings');
  }
  if (!Array.isArray(schemas)) throw new RequestError('"schemas" must be an array');
  if (!Array.isArray(compile)) throw new RequestError('"compile" must be an array');
  if (!Array.isArray(instances)) throw new RequestError('"instances" must be an array');
  if (!isPlainObject(options)) throw new RequestError('"options" must be an object');
  const ids = new Set();
  schemas.forEach((s, i) => {
    if (!isPlainObject(s)) throw new RequestError(`schemas[${i}] is not an object`);
    if (typeof s.$id !== "string" || s.$id === "") {
      throw new RequestError(`schemas[${i}] has no string "$id"`);
    }
    if (ids.has(s.$id)) throw new RequestError(`duplicate "$id" ${JSON.stringify(s.$id)}`);
    ids.add(s.$id);
  });
  compile.forEach((c, i) => {
    if (typeof c !== "string") throw new RequestError(`compile[${i}] is not a string`);
  });
  instances.forEach((inst, i) => {
    if (!isPlainObject(inst) || typeof inst.schema !== "string" || !Object.hasOwn(inst, "data")) {
      throw new RequestError(`instances[${i}] must be {"schema": string, "data": any}`);
    }
  });
  return { draft, schemas, compile, instances, options, keywords, ids };
}

function collectXKeys(value, out) {
  // Iterative walk: schemas can be deep, the call stack should not matter.
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === "object") stack.push(item);
    } else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        if (k.startsWith("x-")) out.add(k);
        if (item !== null && typeof item === "object") stack.push(item);
      }
    }
  }
  return out;
}

function errorText(e) {
  if (e === null || e === undefined) return "unknown error";
  return e.message ? String(e.message) : String(e);
}

async function main() {
  const req = parseRequest(await readRequestText(process.argv));
  const AjvClass = require(DRAFTS[req.draft]);
  const Ajv = AjvClass.default ?? AjvClass;
  const ajvVersion = require("ajv/package.json").version;

  const ajv = new Ajv({
    strict: true,
    allErrors: false,
    ...req.options,
  });

  const xKeys = req.keywords !== null ? [...req.keywords] : [...collectXKeys(req.schemas, new Set())].sort();
  const registered = [];
  for (const k of xKeys) {
    if (!KEYWORD_NAME.test(k)) continue;
    ajv.addKeyword({ keyword: k });
    registered.push(k);
  }

  // Add every schema first, so $refs between them resolve regardless of order.
  const addErrors = new Map();
  for (const s of req.schemas) {
    try {
      ajv.addSchema(s);
    } catch (e) {
      addErrors.set(s.$id, `schema ${JSON.stringify(s.$id)} was rejected: ${errorText(e)}`);
    }
  }

  const validators = new Map(); // key -> validate function | error string
  function validatorFor(key) {
    if (validators.has(key)) return validators.get(key);
    let result;
    const hash = key.indexOf("#");
    const base = hash < 0 ? key : key.slice(0, hash);
    const fragment = hash < 0 ? "" : key.slice(hash + 1);
    if (!req.ids.has(base)) {
      result = `no schema with "$id" ${JSON.stringify(base)} in the request`;
    } else if (addErrors.has(base)) {
      result = addErrors.get(base);
    } else {
      try {
        // A whole schema compiles as itself; a fragment through a one-line
        // wrapper, so ajv resolves the JSON pointer exactly as a $ref would.
        const v = fragment === "" ? ajv.getSchema(base) : ajv.compile({ $ref: key });
        result = typeof v === "function" ? v : `cannot resolve ${JSON.stringify(key)}`;
      } catch (e) {
        result = errorText(e);
      }
    }
    validators.set(key, result);
    return result;
  }

  const compileReport = {};
  for (const key of req.compile) {
    const v = validatorFor(key);
    compileReport[key] = typeof v === "function" ? null : v;
  }
  const verdicts = new Array(req.instances.length);
  req.instances.forEach((inst, i) => {
    const v = validatorFor(inst.schema);
    if (!Object.hasOwn(compileReport, inst.schema)) {
      compileReport[inst.schema] = typeof v === "function" ? null : v;
    }
    verdicts[i] = typeof v === "function" ? v(inst.data) === true : null;
  });

  process.stdout.write(
    JSON.stringify({
      compile: compileReport,
      verdicts,
      ajv_version: ajvVersion,
      x_keywords: registered,
    }) + "\n",
  );
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (e) => {
    if (e instanceof RequestError) {
      process.stderr.write(`ajv_check: bad request: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`ajv_check: internal error: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 3;
    }
  },
);
