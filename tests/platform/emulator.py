#!/usr/bin/env python3
"""A local Heroku Platform API v3 emulator for slugc's tests.

    emulator.py --port 0 --port-file FILE --state-dir DIR [--config FILE]

Serves on 127.0.0.1 the part of the Platform API that `slugc publish`,
`promote` and `releases` use (app info, slug create/info, release
create/info/list) and the S3-style blob URL slugs are uploaded to. Request
bodies are validated against the Platform API's own JSON schema (schema.json
beside this file). A control API under /__emulator/ inspects and resets the
state and injects faults. README.md beside this file documents all of it.

Invariants:
 1. Every request outside /__emulator/ is appended to STATE_DIR/requests.jsonl
    as one JSON line, flushed, before the client can see the answer (or the
    dropped connection): a client that reads the log next finds its request.
 2. One lock guards config, state, faults and the log; it is never held while
    a body is read, a response written or a delay slept.
 3. Blob bytes never sit in memory: an upload streams into a temporary file
    in STATE_DIR/blobs and is renamed to <slug id> only when complete.
 4. Every response carries Request-Id and Content-Length; a response sent
    before the request body was read closes the connection.
"""
import argparse
import base64
import copy
import functools
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json")
HEROKU_MEDIA_TYPE = "application/vnd.heroku+json"
MAX_API_BODY = 1024 * 1024          # larger API and control bodies get 413
IO_CHUNK = 1024 * 1024              # read/write granularity of bodies and streams
DROP_READ_MAX = 64 * 1024           # a "drop" fault reads at most this much body
LINGER_SECONDS = 2                  # see Handler.linger
RANGE_DEFAULT_MAX, RANGE_CAP = 200, 1000
BLOB_URL_TTL = 3600                 # seconds; Expires= is informational only
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation example key
# Ids derived from names (apps, stacks, users) are uuid5s in this namespace;
# slug and release ids come from a generator seeded with ID_SEED at each reset,
# so the same requests after a reset get the same ids.
ID_NAMESPACE = uuid.UUID("6f1c0b5e-2d0a-4d7e-9a55-3c1e5f0d8b21")
ID_SEED = "slugc-platform-emulator"
CHECKSUM_RE = re.compile(r"SHA256:[0-9a-f]{64}")  # stricter than Heroku: see README
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
NO_ROUTE = ("The requested API endpoint was not found. Are you using the right HTTP verb "
            "(i.e. `GET` vs. `POST`), and did you specify your intended version with the "
            "`Accept` header?")
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature "
                      "you provided. Check your key and signing method.")
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"

DEFAULT_CONFIG = {
    "tokens": {"test-token": ["staging", "prod"], "other-token": ["other"]},
    "apps": ["staging", "prod", "other"],
    "stacks": ["heroku-24", "heroku-22"],
    "release_phase": None,
    "faults": [],
}

# Platform API routes: (method, path pattern, Handler method "api_<name>").
# The first group is always the app identity (name or id).
API_ROUTES = [(method, re.compile(pattern), name) for method, pattern, name in [
    ("GET", r"/apps/([^/]+)", "app_info"),
    ("POST", r"/apps/([^/]+)/slugs", "slug_create"),
    ("GET", r"/apps/([^/]+)/slugs/([^/]+)", "slug_info"),
    ("POST", r"/apps/([^/]+)/releases", "release_create"),
    ("GET", r"/apps/([^/]+)/releases", "release_list"),
    ("GET", r"/apps/([^/]+)/releases/([^/]+)", "release_info"),
]]

# Control routes: (method, path) -> Handler method "control_<name>".
CONTROL_ROUTES = {
    ("GET", "/__emulator/state"): "state",
    ("GET", "/__emulator/requests"): "requests",
    ("GET", "/__emulator/faults"): "faults",
    ("POST", "/__emulator/faults"): "set_faults",
    ("POST", "/__emulator/config"): "config",
    ("POST", "/__emulator/reset"): "reset",
}

# Fault rules: fields every rule may have, and those each action adds.
FAULT_COMMON = {"action", "method", "path", "path_prefix", "times"}
FAULT_ACTIONS = {
    "error": {"status", "id", "message", "url", "retry_after"},
    "drop": set(),
    "delay": {"seconds"},
    "garbage": set(),
    "huge": {"bytes"},
}
# Heroku's documented error ids; other statuses get the reason phrase in snake_case.
HEROKU_ERROR_IDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                    404: "not_found", 406: "not_acceptable", 409: "conflict", 410: "gone",
                    416: "requested_range_not_satisfiable", 422: "invalid_params",
                    429: "rate_limit"}
# S3's codes for the statuses it commonly answers; others get the phrase in CamelCase.
S3_ERROR_CODES = {403: "AccessDenied", 404: "NoSuchKey", 500: "InternalError", 503: "SlowDown"}


class ApiError(Exception):
    """An error response in the Platform API's shape: {"id", "message"[, "url"]}."""

    def __init__(self, status, error_id, message, headers=(), url=None):
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message
        self.headers, self.url = list(headers), url

    def render(self, request_id):
        """(content type, body) of the response."""
        doc = {"id": self.error_id, "message": self.message}
        if self.url:
            doc["url"] = self.url
        return "application/json", json_bytes(doc)


class S3Error(ApiError):
    """An error response in S3's XML shape, as the blob URLs answer."""

    def render(self, request_id):
        return "application/xml", (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.error_id}</Code><Message>{self.message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>\n").encode()


def json_bytes(doc):
    return json.dumps(doc).encode()


def invalid(message):
    return ApiError(422, "invalid_params", message)


def too_large(limit):
    return ApiError(413, "payload_too_large", f"Request bodies are limited to {limit} bytes.")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def name_id(kind, name):
    """The stable id of the KIND object called NAME."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{name}"))


def user_of(token):
    """The user a token authenticates; the email does not contain the token."""
    user_id = name_id("user", token)
    return {"id": user_id, "email": f"user-{user_id[:8]}@example.com"}


def stack_view(name):
    return {"id": name_id("stack", name), "name": name}


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_decimal(text):
    """TEXT is ASCII digits only (str.isdigit also takes "²", which int() refuses)."""
    return text.isascii() and text.isdigit()


# --- JSON schema ------------------------------------------------------------

JSON_TYPES = {  # draft-04 type name -> test; the order names a value's type
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": is_int,
    "number": lambda v: is_int(v) or isinstance(v, float),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
FORMATS = {"uuid": UUID_RE.fullmatch}  # the only format the request schemas use


def json_type(value):
    return next(name for name, test in JSON_TYPES.items() if test(value))


@functools.lru_cache(maxsize=None)
def ecma_regex(pattern):
    """PATTERN compiled as ECMA 262 reads it: \\w is ASCII, and `$` does not
    match before a final newline (Python's does)."""
    return re.compile(re.sub(r"(?<!\\)\$", lambda m: r"\Z", pattern), re.ASCII)


class Schema:
    """The draft-04 hyper-schema subset the Platform API's link schemas use."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)

    def create_link(self, definition, required):
        """The request schema of DEFINITION's create link that requires REQUIRED,
        closed: the emulator rejects attributes the schema does not name."""
        for link in self.doc["definitions"][definition]["links"]:
            schema = link.get("schema", {})
            if link["rel"] == "create" and required in schema.get("required", ()):
                return dict(schema, additionalProperties=False)
        raise KeyError(f"no create link of {definition} requires {required}")

    def resolve(self, ref):
        """The node a "#/..." JSON pointer names, or None when it dangles."""
        node = self.doc
        for part in ref.lstrip("#").split("/")[1:]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def check(self, schema, value, path=()):
        """The first way VALUE breaks SCHEMA as an API error message, or None."""
        if "$ref" in schema:
            target = self.resolve(schema["$ref"])
            # Upstream has one dangling $ref (#/definitions/dyno_size/..., the
            # definition is dyno-size); a dangling $ref constrains nothing.
            return None if target is None else self.check(target, value, path)
        name = ".".join(path) or "the request body"
        types = schema.get("type")
        if types is not None:
            types = [types] if isinstance(types, str) else types
            if not any(JSON_TYPES[t](value) for t in types):
                return (f"Invalid params: {name} must be {' or '.join(types)}, "
                        f"not {json_type(value)}.")
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(json.dumps(v) for v in schema["enum"])
            return f"Invalid params: {name} must be one of {allowed}."
        if isinstance(value, str):
            if "pattern" in schema and not ecma_regex(schema["pattern"]).search(value):
                return f"Invalid params: {name} must match {schema['pattern']}."
            valid_format = FORMATS.get(schema.get("format"))
            if valid_format and not valid_format(value):
                return f"Invalid params: {name} must be a {schema['format']}."
        if isinstance(value, dict):
            error = self.check_object(schema, value, path)
            if error:
                return error
        if "anyOf" in schema:
            errors = [self.check(s, value, path) for s in schema["anyOf"]]
            if all(errors):
                return errors[0]
        if "oneOf" in schema:
            errors = [self.check(s, value, path) for s in schema["oneOf"]]
            if errors.count(None) == 0:
                return errors[0]
            if errors.count(None) > 1:
                return f"Invalid params: {name} matches more than one allowed form."
        return None

    def check_object(self, schema, value, path):
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        # Heroku's strictProperties: every property required, no others allowed.
        strict = schema.get("strictProperties", False)
        for key in list(schema.get("required", ())) + (list(props) if strict else []):
            if key not in value:
                return f"Require params: {'.'.join(path + (key,))}."
        extra = schema.get("additionalProperties", not strict)
        for key, item in value.items():
            sub = path + (key,)
            matched = [props[key]] if key in props else []
            matched += [s for p, s in patterns.items() if ecma_regex(p).search(key)]
            if not matched and extra is False:
                return f'Invalid params: unknown attribute "{".".join(sub)}".'
            if not matched and isinstance(extra, dict):
                matched = [extra]
            for sub_schema in matched:
                error = self.check(sub_schema, item, sub)
                if error:
                    return error
        return None


# --- Range headers ----------------------------------------------------------

RANGE_RE = re.compile(r"\s*(\w+)\s+(\]?)([^.;\[\s]*)(?:\.\.([^.;\[\s]*)(\[?))?\s*(?:;(.*))?")


class Range:
    """A Heroku list Range: `KEY [\\]]FIRST..LAST[\\[]; order=asc|desc, max=N`.

    FIRST and LAST are bounds in listing order (so FIRST is the larger one
    when order=desc); `]` makes FIRST exclusive, `[` makes LAST exclusive.
    """

    def __init__(self, header, keys):
        match = RANGE_RE.fullmatch(header)
        if not match or match.group(1) not in keys:
            raise self.error(header)
        self.key, first_excl, first, last, last_excl, params = match.groups()
        self.first, self.last = self.value(first, header), self.value(last, header)
        self.first_excl, self.last_excl = bool(first_excl), bool(last_excl)
        self.last_text = (last or "") + (last_excl or "")
        self.order, self.max = "asc", RANGE_DEFAULT_MAX
        for param in filter(None, (p.strip() for p in re.split(r"[;,]", params or ""))):
            name, _, value = (s.strip() for s in param.partition("="))
            if name == "order" and value in ("asc", "desc"):
                self.order = value
            elif name == "max" and is_decimal(value) and int(value) > 0:
                self.max = min(int(value), RANGE_CAP)
            else:
                raise self.error(header)

    @staticmethod
    def error(header):
        return ApiError(416, "requested_range_not_satisfiable",
                        f"Invalid Range header: {header!r}.")

    def value(self, text, header):
        """A bound as the key's type (None when open)."""
        if not text:
            return None
        if self.key == "version" and is_decimal(text):
            return int(text)
        if self.key == "id" and UUID_RE.fullmatch(text):
            return text.lower()
        raise self.error(header)

    def select(self, items):
        """(page, more): ITEMS inside the range in listing order, at most max."""
        desc = self.order == "desc"

        def before(a, b):  # a is listed before b
            return a > b if desc else a < b
        inside = [i for i in sorted(items, key=lambda i: i[self.key], reverse=desc)
                  if (self.first is None or before(self.first, i[self.key])
                      or (i[self.key] == self.first and not self.first_excl))
                  and (self.last is None or before(i[self.key], self.last)
                       or (i[self.key] == self.last and not self.last_excl))]
        return inside[:self.max], len(inside) > self.max

    def headers(self, page, more):
        """Content-Range (and Next-Range when MORE) describing PAGE."""
        params = f"; order={self.order}, max={self.max}"
        span = f"{page[0][self.key]}..{page[-1][self.key]}" if page else ".."
        headers = [("Content-Range", f"{self.key} {span}{params}")]
        if more:
            after = page[-1][self.key]
            headers.append(("Next-Range", f"{self.key} ]{after}..{self.last_text}{params}"))
        return headers


# --- State --------------------------------------------------------------------

class Emulator:
    """Config, apps, slugs, releases, faults and the request log."""

    def __init__(self, state_dir, schema):
        self.lock = threading.RLock()
        self.schema = schema
        self.slug_create_schema = schema.create_link("slug", "process_types")
        self.release_create_schema = schema.create_link("release", "slug")
        app_name = schema.resolve("#/definitions/app/definitions/name")
        self.app_name_re = ecma_regex(app_name["pattern"])
        self.blob_dir = os.path.join(state_dir, "blobs")
        self.log_path = os.path.join(state_dir, "requests.jsonl")
        self.log = None
        self.base_url = None  # http://127.0.0.1:PORT, set once listening
        self.apps = {}
        self.configure({})
        self.reset()

    # Config, reset, control views.

    def parse_config(self, doc):
        """DOC (config file or control body) checked, defaults filled in; ValueError if bad."""
        if not isinstance(doc, dict):
            raise ValueError("the config must be a JSON object")
        unknown = sorted(set(doc) - set(DEFAULT_CONFIG))
        if unknown:
            raise ValueError(f"unknown config key(s): {', '.join(unknown)}")
        tokens = doc.get("tokens", DEFAULT_CONFIG["tokens"])
        if not (isinstance(tokens, dict) and all(
                t and isinstance(apps, list) and all(isinstance(a, str) for a in apps)
                for t, apps in tokens.items())):
            raise ValueError('"tokens" must map each token to a list of app names')
        token_apps = list(dict.fromkeys(a for apps in tokens.values() for a in apps))
        apps = doc.get("apps", DEFAULT_CONFIG["apps"] if "tokens" not in doc else token_apps)
        if not (isinstance(apps, list) and all(isinstance(a, str) and self.app_name_re.search(a)
                                               for a in apps)):
            raise ValueError('"apps" must be a list of app names matching '
                             + self.app_name_re.pattern)
        missing = [a for a in token_apps if a not in apps]
        if missing:
            raise ValueError(f'tokens name app(s) missing from "apps": {", ".join(missing)}')
        stacks = doc.get("stacks", DEFAULT_CONFIG["stacks"])
        if not (isinstance(stacks, list) and stacks
                and all(isinstance(s, str) and s for s in stacks)):
            raise ValueError('"stacks" must be a non-empty list of stack names')
        phase = doc.get("release_phase")
        if phase is not None:
            if not isinstance(phase, dict) or set(phase) - {"pending_gets", "outcome"}:
                raise ValueError('"release_phase" must be null or '
                                 '{"pending_gets": N, "outcome": "succeeded"|"failed"}')
            phase = {"pending_gets": phase.get("pending_gets", 1),
                     "outcome": phase.get("outcome", "succeeded")}
            if not (is_int(phase["pending_gets"]) and phase["pending_gets"] >= 0
                    and phase["outcome"] in ("succeeded", "failed")):
                raise ValueError('"release_phase" needs pending_gets >= 0 '
                                 'and outcome "succeeded" or "failed"')
        return {"tokens": tokens, "apps": apps, "stacks": stacks, "release_phase": phase,
                "faults": parse_faults(doc.get("faults", []))}

    def configure(self, doc):
        """Replaces the config (and the fault list) with DOC; state of kept apps stays."""
        config = self.parse_config(doc)
        with self.lock:
            self.config = config
            self.faults = copy.deepcopy(config["faults"])
            self.apps = {name: self.apps.get(name) or new_app(name) for name in config["apps"]}
            return copy.deepcopy(config)

    def reset(self):
        """Back to the state right after start with the current config."""
        with self.lock:
            self.ids = random.Random(ID_SEED)
            self.apps = {name: new_app(name) for name in self.config["apps"]}
            self.slugs, self.releases, self.requests, self.seq = {}, [], [], 0
            self.faults = copy.deepcopy(self.config["faults"])
            shutil.rmtree(self.blob_dir, ignore_errors=True)
            os.makedirs(self.blob_dir)
            if self.log:
                self.log.close()
            self.log = open(self.log_path, "w", encoding="utf-8")

    def set_faults(self, rules):
        rules = parse_faults(rules)
        with self.lock:
            self.faults = rules
            return copy.deepcopy(rules)

    def faults_view(self):
        with self.lock:
            return copy.deepcopy(self.faults)

    def state_view(self):
        with self.lock:
            return {
                "config": copy.deepcopy(self.config),
                "faults": copy.deepcopy(self.faults),
                "apps": [self.app_view(a) for a in self.apps.values()],
                "slugs": [dict(self.slug_view(s, "get"), app=s["app"], blob_sha256=s["sha256"])
                          for s in self.slugs.values()],
                "releases": [self.release_view(r) for r in self.releases],
            }

    def requests_view(self):
        with self.lock:
            return sorted(self.requests, key=lambda e: e["seq"])

    def close(self):
        with self.lock:
            self.log.close()

    # Request log and faults.

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def record(self, entry):
        line = json.dumps(entry)
        with self.lock:
            self.requests.append(entry)
            self.log.write(line + "\n")
            self.log.flush()

    def take_fault(self, method, path):
        """The first fault rule matching the request, consumed once; or None."""
        with self.lock:
            for rule in self.faults:
                if (rule.get("method", method) == method and rule.get("path", path) == path
                        and path.startswith(rule.get("path_prefix", ""))):
                    rule["times"] -= 1
                    if rule["times"] == 0:
                        self.faults.remove(rule)
                    return rule
        return None

    # Access.

    def authorized(self, token):
        with self.lock:
            return token in self.config["tokens"]

    def find_app(self, ident, token):
        """The app called or identified IDENT, if TOKEN may use it (404/403 otherwise)."""
        with self.lock:
            app = self.apps.get(ident) or next(
                (a for a in self.apps.values() if a["id"] == ident.lower()), None)
            if app is None:
                raise ApiError(404, "not_found", "Couldn't find that app.")
            if not self.may_use(token, app["name"]):
                raise ApiError(403, "forbidden",
                               f"You do not have access to the app {app['name']}.")
            return app

    def may_use(self, token, app_name):
        return app_name in self.config["tokens"].get(token, ())

    # Apps.

    def app_view(self, app):
        with self.lock:
            current = next((r for r in self.releases
                            if r["app"] == app["name"] and r["current"]), None)
            slug = self.slugs[current["slug_id"]] if current else {}
            stack = stack_view(self.config["stacks"][0])
            return {
                "acm": False,
                "archived_at": None,
                "buildpack_provided_description": slug.get("buildpack_provided_description"),
                "build_stack": stack,
                "created_at": app["created_at"],
                "generation": {"id": name_id("generation", "cedar"), "name": "cedar"},
                "git_url": f"https://git.heroku.com/{app['name']}.git",
                "id": app["id"],
                "internal_routing": None,
                "maintenance": False,
                "name": app["name"],
                "owner": {"email": "owner@example.com", "id": name_id("user", "owner")},
                "organization": None,
                "team": None,
                "region": {"id": name_id("region", "us"), "name": "us"},
                "released_at": app["released_at"],
                "repo_size": None,
                "slug_size": slug.get("size"),
                "space": None,
                "stack": stack,
                "updated_at": app["updated_at"],
                "web_url": f"https://{app['name']}-{app['id'][:6]}.herokuapp.com/",
            }

    # Slugs and blobs.

    def create_slug(self, app, doc):
        error = self.schema.check(self.slug_create_schema, doc)
        if error:
            raise invalid(error)
        checksum = doc.get("checksum")
        if checksum is not None and not CHECKSUM_RE.fullmatch(checksum):
            raise invalid("Invalid params: checksum must be SHA256: "
                          "followed by 64 lowercase hex digits.")
        with self.lock:
            stack = self.find_stack(doc.get("stack", self.config["stacks"][0]))
            created = now()
            slug = {
                "id": self.new_id(),
                "app": app["name"],
                "process_types": doc["process_types"],
                "commit": doc.get("commit"),
                "commit_description": doc.get("commit_description"),
                "buildpack_provided_description": doc.get("buildpack_provided_description"),
                "checksum": checksum,
                "stack": stack,
                "size": None,
                "created_at": created,
                "updated_at": created,
                "signature": base64.b64encode(secrets.token_bytes(20)).decode(),
                "expires": int(time.time()) + BLOB_URL_TTL,
                "sha256": None,  # of the uploaded blob; None until uploaded
            }
            self.slugs[slug["id"]] = slug
            return self.slug_view(slug, "put")

    def find_stack(self, ident):
        for name in self.config["stacks"]:
            if ident in (name, name_id("stack", name)):
                return stack_view(name)
        raise ApiError(404, "not_found", "Couldn't find that stack.")

    def new_id(self):
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def slug_view(self, slug, method):
        url = (f"{self.base_url}/blobs/{slug['id']}?AWSAccessKeyId={ACCESS_KEY}"
               f"&Signature={quote(slug['signature'], safe='')}&Expires={slug['expires']}")
        view = {k: slug[k] for k in ("id", "process_types", "commit", "commit_description",
                                     "buildpack_provided_description", "checksum", "stack",
                                     "size", "created_at", "updated_at")}
        return dict(view, blob={"method": method, "url": url}, deleted_at=None)

    def slug_info(self, app, slug_id):
        with self.lock:
            slug = self.slugs.get(slug_id.lower())
            if slug is None or slug["app"] != app["name"]:
                raise ApiError(404, "not_found", "Couldn't find that slug.")
            return self.slug_view(slug, "get")

    def blob_signature_ok(self, slug_id, signature):
        with self.lock:
            slug = self.slugs.get(slug_id)
            return slug is not None and secrets.compare_digest(signature, slug["signature"])

    def blob_temp_path(self, slug_id, seq):
        return os.path.join(self.blob_dir, f"{slug_id}.tmp-{seq}")

    def store_blob(self, slug_id, temp_path, size, sha256):
        with self.lock:
            os.replace(temp_path, os.path.join(self.blob_dir, slug_id))
            slug = self.slugs[slug_id]
            slug.update(size=size, sha256=sha256, updated_at=now())

    def blob_file(self, slug_id):
        """(path, size) of an uploaded blob; S3's 404 otherwise."""
        with self.lock:
            slug = self.slugs.get(slug_id)
            if slug is None or slug["sha256"] is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            return os.path.join(self.blob_dir, slug_id), slug["size"]

    # Releases.

    def create_release(self, app, token, doc):
        error = self.schema.check(self.release_create_schema, doc)
        if error:
            raise invalid(error)
        if "oci_image" in doc:
            raise invalid("Invalid params: oci_image releases are not supported by this emulator.")
        with self.lock:
            slug = self.slugs.get(doc["slug"].lower())
            if slug is None:
                raise ApiError(404, "not_found", "Couldn't find that slug.")
            if not self.may_use(token, slug["app"]):
                raise ApiError(403, "forbidden",
                               f"You do not have access to the slug {slug['id']}.")
            if slug["sha256"] is None:
                raise invalid(f"Invalid params: slug {slug['id']} has no uploaded blob; "
                              "PUT it to the slug's blob URL first.")
            version = 1 + max((r["version"] for r in self.releases if r["app"] == app["name"]),
                              default=0)
            created = now()
            phase = self.config["release_phase"]
            release = {
                "id": self.new_id(),
                "app": app["name"],
                "version": version,
                "status": "pending",
                "current": False,
                "description": doc.get("description", f"Deploy {slug['id'][:8]}"),
                "slug_id": slug["id"],
                "user": user_of(token),
                "created_at": created,
                "updated_at": created,
                # Release phase: this many info GETs still answer "pending".
                "pending_gets": phase["pending_gets"] if phase else 0,
                "outcome": phase["outcome"] if phase else "succeeded",
            }
            self.releases.append(release)
            if not phase:
                self.finish_release(release)
            return self.release_view(release)

    def finish_release(self, release):
        """Ends the release phase; a succeeded release becomes the app's current one."""
        release.update(status=release["outcome"], updated_at=now())
        if release["status"] == "succeeded":
            for other in self.releases:
                if other["app"] == release["app"]:
                    other["current"] = other is release
            self.apps[release["app"]]["released_at"] = release["updated_at"]

    def release_info(self, app, ident):
        with self.lock:
            release = next((r for r in self.releases if r["app"] == app["name"] and (
                str(r["version"]) == ident or r["id"] == ident.lower())), None)
            if release is None:
                raise ApiError(404, "not_found", "Couldn't find that release.")
            if release["status"] == "pending":
                if release["pending_gets"]:
                    release["pending_gets"] -= 1
                else:
                    self.finish_release(release)
            return self.release_view(release)

    def list_releases(self, app, range_header):
        """(status, releases, headers) for a list request; no Range lists all ascending."""
        selection = Range(range_header or "version ..", ("id", "version"))
        with self.lock:
            views = [self.release_view(r) for r in self.releases if r["app"] == app["name"]]
        page, more = selection.select(views)
        headers = [("Accept-Ranges", "id, version")] + selection.headers(page, more)
        return (206 if more else 200), page, headers

    def release_view(self, release):
        view = {k: release[k] for k in ("id", "version", "status", "current", "description",
                                        "user", "created_at", "updated_at")}
        return dict(view,
                    addon_plan_names=[],
                    app={"id": name_id("app", release["app"]), "name": release["app"]},
                    artifacts=[{"type": "slug", "id": release["slug_id"]}],
                    eligible_for_rollback=release["status"] == "succeeded",
                    output_stream_url=None,
                    slug={"id": release["slug_id"]})


def new_app(name):
    created = now()
    return {"id": name_id("app", name), "name": name, "created_at": created,
            "updated_at": created, "released_at": None}


def parse_faults(rules):
    """Fault rules checked, with action and times filled in; ValueError if bad."""
    if isinstance(rules, dict):
        rules = [rules]
    if not isinstance(rules, list):
        raise ValueError("faults must be a rule object or a list of them")
    return [parse_fault(rule) for rule in rules]


def parse_fault(rule):
    if not isinstance(rule, dict):
        raise ValueError("a fault rule must be an object")
    rule = dict({"action": "error", "times": 1}, **rule)
    action = rule["action"]
    if action not in FAULT_ACTIONS:
        raise ValueError(f"unknown fault action {action!r}; one of {', '.join(FAULT_ACTIONS)}")
    stray = sorted(set(rule) - FAULT_COMMON - FAULT_ACTIONS[action])
    if stray:
        raise ValueError(f"field(s) {', '.join(stray)} do not apply to a {action} fault")
    strings = [rule.get(k, "") for k in ("method", "path", "path_prefix", "id", "message", "url")]
    if not all(isinstance(s, str) for s in strings):
        raise ValueError("method, path, path_prefix, id, message and url must be strings")
    if "method" in rule:
        rule["method"] = rule["method"].upper()
    if not (is_int(rule["times"]) and rule["times"] >= 1):
        raise ValueError("times must be an integer >= 1")
    if action == "error" and not (is_int(rule.get("status"))
                                  and rule["status"] in {int(s) for s in HTTPStatus}
                                  and 400 <= rule["status"] <= 599):
        raise ValueError("an error fault needs a status: an HTTP error code 400-599")
    if not (is_int(rule.get("retry_after", 0)) and rule.get("retry_after", 0) >= 0):
        raise ValueError("retry_after must be an integer >= 0")
    if action == "delay" and not (isinstance(rule.get("seconds"), (int, float))
                                  and rule["seconds"] >= 0):
        raise ValueError("a delay fault needs seconds >= 0")
    if action == "huge" and not (is_int(rule.get("bytes")) and rule["bytes"] >= 0):
        raise ValueError("a huge fault needs bytes >= 0")
    return rule


def junk(total):
    """TOTAL bytes that start like a JSON array of objects and never end it."""
    unit = b'{"id": "01234567-89ab-cdef-0123-456789abcdef", "junk": true}, '
    units = unit * (IO_CHUNK // len(unit))
    block = b"[" + units
    while total > 0:
        chunk = block[:total]
        yield chunk
        total -= len(chunk)
        block = units


# --- HTTP ---------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # seconds a connection may idle or stall mid-body
    emulator = None  # the Emulator, set by main()
    body_pending = False  # the current request's body is not (all) read yet
    unrecorded = False  # the current request is still to go into the log

    def log_message(self, fmt, *args):
        """Silent: requests.jsonl is the log."""

    def parse_request(self):
        self.expect_continue = False
        return super().parse_request()

    def handle_expect_100(self):
        """Defers `100 Continue` until the body is wanted (see read_chunks), so
        a request refused on its headers is answered before the body is sent."""
        self.expect_continue = True
        return True

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, unknown method), in Heroku's shape."""
        self.request_id, self.entry, self.sent_status = str(uuid.uuid4()), {}, None
        self.unrecorded = False
        self.body_pending = True  # unknown: close the connection after answering
        phrase = HTTPStatus(code).phrase
        error_id = HEROKU_ERROR_IDS.get(code, snake(phrase))
        self.send_failure(ApiError(code, error_id, message or phrase))

    def handle_request(self):
        self.request_id = str(uuid.uuid4())
        self.sent_status = None
        url = urlsplit(self.path)
        self.url_path, self.query = url.path, url.query
        self.body_pending = ("Transfer-Encoding" in self.headers
                             or self.headers.get("Content-Length", "0").strip() not in ("", "0"))
        if self.url_path.startswith("/__emulator/"):
            self.entry, self.unrecorded = {}, False  # control requests are not logged
            return self.guarded(self.serve_control)
        headers = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.entry = {"seq": self.emulator.next_seq(), "time": round(time.time(), 3),
                      "method": self.command, "path": self.url_path, "query": self.query,
                      "headers": headers, "body": None, "status": None, "fault": None}
        self.unrecorded = True
        try:
            self.guarded(self.serve)
        finally:
            self.record()  # if no answer went out

    def record(self):
        if self.unrecorded:
            self.unrecorded = False
            self.emulator.record(self.entry)

    def finish(self):
        super().finish()
        if self.close_connection and self.body_pending:
            self.linger()

    def linger(self):
        """After answering a request whose body was not read: stop sending and
        discard what the client still sends for a moment, so that closing does
        not reset the connection before the client has read the answer."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline:
                self.connection.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.connection.recv(IO_CHUNK):
                    break
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_request

    def guarded(self, serve):
        """Runs SERVE, turning whatever goes wrong into a response."""
        try:
            serve()
        except ApiError as e:
            self.send_failure(e)
        except (ConnectionError, socket.timeout):
            self.close_connection = True  # the client went away or stalled
        except Exception as e:  # a bug here must not take the server down
            traceback.print_exc()
            self.body_pending = True
            self.send_failure(ApiError(500, "internal_server_error", f"Emulator error: {e}"))

    def send_failure(self, error):
        if self.sent_status is not None:
            self.close_connection = True  # too late for a status: hang up instead
            return
        content_type, body = error.render(self.request_id)
        try:
            self.respond(error.status, body, content_type, error.headers)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    # Platform API.

    def serve(self):
        fault = self.emulator.take_fault(self.command, self.url_path)
        if fault:
            self.entry["fault"] = fault["action"]
            if fault["action"] == "drop":
                return self.drop_connection()
            if fault["action"] == "delay":
                time.sleep(fault["seconds"])
            else:
                self.consume_body()
                return self.send_fault(fault)
        if self.url_path.startswith("/blobs/"):
            return self.serve_blob(self.url_path[len("/blobs/"):])
        body = self.read_api_body()
        self.check_accept()
        token = self.authenticate()
        for method, pattern, name in API_ROUTES:
            match = pattern.fullmatch(self.url_path)
            if match and method == self.command:
                ident, *args = (unquote(g) for g in match.groups())
                app = self.emulator.find_app(ident, token)
                return getattr(self, "api_" + name)(app, token, body, *args)
        raise ApiError(404, "not_found", NO_ROUTE)

    def check_accept(self):
        for media_range in self.headers.get("Accept", "").split(","):
            media_type, *params = (p.strip().lower() for p in media_range.split(";"))
            params = [p.replace(" ", "") for p in params]
            if media_type == HEROKU_MEDIA_TYPE and "version=3" in params:
                return
        raise ApiError(406, "not_acceptable",
                       f"Set the header `Accept: {HEROKU_MEDIA_TYPE}; version=3` and try again.")

    def authenticate(self):
        scheme, _, token = self.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not self.emulator.authorized(token):
            raise ApiError(401, "unauthorized", "Invalid credentials provided.")
        return token

    def request_document(self, body):
        """The JSON request body ({} when empty)."""
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if body and content_type != "application/json":
            raise ApiError(400, "bad_request",
                           "Request bodies must be sent as Content-Type: application/json.")
        try:
            return json.loads(body) if body else {}
        except ValueError:
            raise ApiError(400, "bad_request", "Invalid JSON in the request body.") from None

    def api_app_info(self, app, token, body):
        self.send_json(200, self.emulator.app_view(app))

    def api_slug_create(self, app, token, body):
        self.send_json(201, self.emulator.create_slug(app, self.request_document(body)))

    def api_slug_info(self, app, token, body, slug_id):
        self.send_json(200, self.emulator.slug_info(app, slug_id))

    def api_release_create(self, app, token, body):
        self.send_json(201, self.emulator.create_release(app, token, self.request_document(body)))

    def api_release_info(self, app, token, body, ident):
        self.send_json(200, self.emulator.release_info(app, ident))

    def api_release_list(self, app, token, body):
        status, releases, headers = self.emulator.list_releases(app, self.headers.get("Range"))
        self.send_json(status, releases, headers)

    # Blob URLs (S3 stand-in: no API auth, the signature is in the query).

    def serve_blob(self, slug_id):
        if self.command == "PUT":
            return self.blob_put(slug_id)
        if self.command == "GET":
            return self.blob_get(slug_id)
        self.refuse_body()
        raise S3Error(405, "MethodNotAllowed",
                      "The specified method is not allowed against this resource.")

    def blob_put(self, slug_id):
        signature = parse_qs(self.query).get("Signature", [""])[0]
        # A pre-signed SigV2 PUT URL signs an empty Content-Type; any other
        # value changes the string to sign, so S3 refuses it.
        if (not self.emulator.blob_signature_ok(slug_id, signature)
                or self.headers.get("Content-Type", "").strip()):
            self.refuse_body()
            raise S3Error(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        temp_path = self.emulator.blob_temp_path(slug_id, self.entry["seq"])
        try:
            size, sha256 = self.receive_blob(temp_path)
            self.emulator.store_blob(slug_id, temp_path, size, sha256)
        finally:
            if os.path.exists(temp_path):
                os.unlink(temp_path)
        self.respond(200)

    def blob_get(self, slug_id):
        self.refuse_body()
        path, size = self.emulator.blob_file(slug_id)
        with open(path, "rb") as f:
            self.respond_stream(200, size, iter(lambda: f.read(IO_CHUNK), b""),
                                "application/octet-stream")

    # Faults.

    def send_fault(self, fault):
        if fault["action"] == "garbage":
            return self.respond(200, GARBAGE)
        if fault["action"] == "huge":
            size = fault["bytes"]
            return self.respond_stream(200, size, junk(size), "application/json")
        status = fault["status"]
        phrase = HTTPStatus(status).phrase
        headers = [("Retry-After", str(fault["retry_after"]))] if "retry_after" in fault else []
        if self.url_path.startswith("/blobs/"):
            code = fault.get("id") or S3_ERROR_CODES.get(status, phrase.title().replace(" ", ""))
            raise S3Error(status, code, fault.get("message", phrase), headers)
        url = fault.get("url")
        if status == 429 and "url" not in fault:
            url = "https://devcenter.heroku.com/articles/platform-api-reference#rate-limits"
        raise ApiError(status, fault.get("id") or HEROKU_ERROR_IDS.get(status, snake(phrase)),
                       fault.get("message", phrase), headers, url)

    def drop_connection(self):
        """The drop fault: read part of the body, then hang up without an answer."""
        length = self.content_length()
        if self.expect_continue:
            self.send_continue()
        part = self.rfile.read(min(length // 2, DROP_READ_MAX)) if length else b""
        self.entry["body_size"] = len(part)
        self.record()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    # Control API (no auth, not logged, no faults).

    def serve_control(self):
        body = self.read_api_body()
        name = CONTROL_ROUTES.get((self.command, self.url_path))
        if name is None:
            raise ApiError(404, "not_found", "No such emulator control endpoint.")
        try:
            doc = json.loads(body) if body else None
            self.send_json(200, getattr(self, "control_" + name)(doc))
        except ValueError as e:  # bad JSON or a bad config/fault document
            raise ApiError(400, "bad_request", str(e)) from None

    def control_state(self, doc):
        return self.emulator.state_view()

    def control_requests(self, doc):
        return self.emulator.requests_view()

    def control_faults(self, doc):
        return self.emulator.faults_view()

    def control_set_faults(self, doc):
        return self.emulator.set_faults(doc)

    def control_config(self, doc):
        return self.emulator.configure(doc)

    def control_reset(self, doc):
        self.emulator.reset()
        return self.emulator.state_view()

    # Request bodies.

    def content_length(self):
        value = self.headers.get("Content-Length", "0").strip() or "0"
        if not is_decimal(value):
            raise ApiError(400, "bad_request", "Invalid Content-Length header.")
        return int(value)

    def send_continue(self):
        self.expect_continue = False
        self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def read_chunks(self, limit=None):
        """Yields the request body as it arrives (Content-Length or chunked),
        413 beyond LIMIT bytes; sends `100 Continue` first if the client waits."""
        chunked = self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked"
        length = 0 if chunked else self.content_length()
        if limit is not None and length > limit:
            raise too_large(limit)
        if self.expect_continue:
            self.send_continue()
        total = 0
        for chunk in (self.dechunk() if chunked else self.read_exactly(length)):
            total += len(chunk)
            if limit is not None and total > limit:
                raise too_large(limit)
            yield chunk
        self.body_pending = False

    def read_exactly(self, length):
        while length > 0:
            chunk = self.rfile.read(min(length, IO_CHUNK))
            if not chunk:
                raise ConnectionError("the client closed the connection mid-body")
            length -= len(chunk)
            yield chunk

    def dechunk(self):
        while True:
            size = self.rfile.readline(1024).split(b";")[0].strip()
            if not re.fullmatch(rb"[0-9a-fA-F]{1,16}", size):
                raise ApiError(400, "bad_request", "Invalid chunked request body.")
            if int(size, 16) == 0:
                break
            yield from self.read_exactly(int(size, 16))
            self.rfile.readline(1024)  # the CRLF that ends the chunk
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields

    def read_api_body(self):
        """The (bounded) body, logged as text, or base64 when not UTF-8."""
        body = b"".join(self.read_chunks(MAX_API_BODY))
        if body:
            try:
                self.entry["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                self.entry["body_base64"] = base64.b64encode(body).decode()
        return body

    def receive_blob(self, path):
        """Streams the body into PATH, logging only its size and sha256."""
        digest, size = hashlib.sha256(), 0
        with open(path, "wb") as out:
            for chunk in self.read_chunks():
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.entry.update(body_size=size, body_sha256=digest.hexdigest())
        return size, digest.hexdigest()

    def consume_body(self):
        """Reads a faulted request's body so it is logged as usual."""
        if self.url_path.startswith("/blobs/"):
            self.receive_blob(os.devnull)
        else:
            self.read_api_body()

    def refuse_body(self):
        """Drains an unwanted body, unless the client still waits for
        `100 Continue`: then it never sends it and the connection closes."""
        if not self.expect_continue:
            for _ in self.read_chunks():
                pass

    # Responses.

    def start_response(self, status, length, content_type, headers=()):
        self.send_response(status)
        self.send_header("Request-Id", self.request_id)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        if self.body_pending:
            self.send_header("Connection", "close")
        self.sent_status = self.entry["status"] = status
        self.record()
        self.end_headers()

    def respond(self, status, body=b"", content_type="application/json", headers=()):
        self.start_response(status, len(body), content_type if body else None, headers)
        self.wfile.write(body)

    def respond_stream(self, status, length, chunks, content_type):
        self.start_response(status, length, content_type)
        for chunk in chunks:
            self.wfile.write(chunk)

    def send_json(self, status, doc, headers=()):
        self.respond(status, json_bytes(doc), "application/json", headers)


def snake(phrase):
    return phrase.lower().replace(" ", "_").replace("-", "_")


def write_port_file(path, port):
    """Writes PORT so that readers never see a partial file."""
    temp = f"{path}.tmp-{os.getpid()}"
    with open(temp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(temp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Local Heroku Platform API emulator for tests.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--port-file", required=True,
                        help="where to write the port once listening")
    parser.add_argument("--state-dir", required=True, help="blobs and requests.jsonl go here")
    parser.add_argument("--config",
                        help="JSON config: tokens, apps, stacks, release_phase, faults")
    args = parser.parse_args(argv)

    os.makedirs(args.state_dir, exist_ok=True)
    emulator = Emulator(args.state_dir, Schema(SCHEMA_PATH))
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as f:
                emulator.configure(json.load(f))
        except (OSError, ValueError) as e:
            print(f"emulator: {args.config}: {e}", file=sys.stderr)
            return 2

    Handler.emulator = emulator
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    except OSError as e:
        print(f"emulator: cannot listen on 127.0.0.1:{args.port}: {e}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    emulator.base_url = f"http://127.0.0.1:{port}"

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return: call it from elsewhere.
        threading.Thread(target=server.shutdown).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    write_port_file(args.port_file, port)
    server.serve_forever()
    server.server_close()
    emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
