#!/usr/bin/env python3
"""Self-test of the Platform API emulator: python3 tests/platform/test_emulator.py

Starts emulator.py as a subprocess on a free port, drives it over HTTP (with
http.client, which unlike urllib sends no Content-Type it was not given, and
raw sockets for `Expect: 100-continue` and malformed requests) and stops it
with a signal. Exits non-zero on failure; the subprocesses and temporary
directories go away whatever happens.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import emulator  # noqa: E402  (for the schema validator's own tests)

SCHEMA = emulator.Schema(emulator.SCHEMA_PATH)
ACCEPT = "application/vnd.heroku+json; version=3"
TOKEN, OTHER_TOKEN = "test-token", "other-token"  # the default config's tokens
API_HEADERS = {"Accept": ACCEPT, "Authorization": f"Bearer {TOKEN}"}
JSON_HEADERS = dict(API_HEADERS, **{"Content-Type": "application/json"})
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PROCESS_TYPES = {"web": "node web.js", "worker-2": "node worker.js"}


class EmulatorProcess:
    """emulator.py running in a temporary state directory."""

    def __init__(self, config=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="slugc-emulator-test.")
        self.state_dir = os.path.join(self.tmp.name, "state")
        self.stderr_path = os.path.join(self.tmp.name, "stderr")
        port_file = os.path.join(self.tmp.name, "port")
        argv = [sys.executable, emulator.__file__, "--port", "0", "--port-file", port_file,
                "--state-dir", self.state_dir]
        if config is not None:
            argv += ["--config", os.path.join(self.tmp.name, "config.json")]
            with open(argv[-1], "w", encoding="utf-8") as f:
                json.dump(config, f)
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(argv, stderr=stderr)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                stderr = self.stderr
                self.close()
                raise RuntimeError(f"the emulator did not start: {stderr}")
            time.sleep(0.02)
        with open(port_file, encoding="ascii") as f:
            self.port_text = f.read()
        self.port = int(self.port_text)

    def stop(self, sig=signal.SIGTERM):
        """Signals the emulator and returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    @property
    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def close(self):
        self.stop()
        self.tmp.cleanup()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


class Client:
    """Requests to one emulator."""

    def __init__(self, port):
        self.port = port

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, headers=None, conn=None):
        """One request; BODY is bytes or an iterable of bytes (sent chunked)."""
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers or {},
                         encode_chunked=body is not None and not isinstance(body, bytes))
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            if own:
                conn.close()

    def api(self, method, path, doc=None, token=TOKEN, accept=ACCEPT, headers=None):
        """A Platform API request as slugc makes it; DOC goes as JSON."""
        headers = dict(headers or {})
        if accept:
            headers["Accept"] = accept
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = None
        if doc is not None:
            body = json.dumps(doc).encode()
            headers.setdefault("Content-Type", "application/json")
        return self.request(method, path, body, headers)

    def raw(self, data):
        """DATA sent on a fresh socket; whatever comes back until the server closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(data)
            return sock.makefile("rb").read()


class SchemaTest(unittest.TestCase):
    """The validator against the schema's own definitions."""

    def check(self, ref, value):
        return SCHEMA.check({"$ref": "#/definitions/" + ref}, value)

    def test_types_and_formats(self):
        self.assertIsNone(self.check("slug/definitions/size", None))
        self.assertIn("must be integer or null, not boolean",
                      self.check("slug/definitions/size", True))
        self.assertIn("not number", self.check("release/definitions/version", 1.5))
        self.assertIsNone(self.check("slug/definitions/identity",
                                     "01234567-89AB-cdef-0123-456789abcdef"))
        self.assertIn("must be a uuid", self.check("slug/definitions/identity", "0123"))

    def test_enum_pattern_and_any_of(self):
        self.assertIsNone(self.check("release/definitions/status", "pending"))
        self.assertIn('must be one of "failed"', self.check("release/definitions/status", "done"))
        self.assertIsNone(self.check("app/definitions/name", "my-app"))
        for bad in ("My-app", "a", "my-app\n", "my_app"):
            self.assertIn("must match", self.check("app/definitions/name", bad), bad)
        self.assertIsNone(self.check("stack/definitions/identity", "heroku-24"))
        self.assertIn("must be string", self.check("stack/definitions/identity", 24))

    def test_one_of(self):
        schema = {"oneOf": [{"type": "string"}, {"type": ["string", "null"]}]}
        self.assertIsNone(SCHEMA.check(schema, None))
        self.assertIn("more than one", SCHEMA.check(schema, "x"))
        self.assertIn("must be string", SCHEMA.check(schema, 1))

    def test_strict_properties(self):
        blob = {"$ref": "#/definitions/slug/properties/blob"}
        self.assertIsNone(SCHEMA.check(blob, {"method": "put", "url": "u"}))
        self.assertEqual(SCHEMA.check(blob, {"method": "put"}), "Require params: url.")
        self.assertIn('unknown attribute "x"',
                      SCHEMA.check(blob, {"method": "put", "url": "u", "x": 1}))

    def test_dangling_ref_is_tolerated(self):
        # Upstream quirk: dyno_size.identity refs #/definitions/dyno_size/...
        self.assertIsNone(SCHEMA.resolve("#/definitions/dyno_size/definitions/id"))
        self.assertIsNone(self.check("formation/definitions/dyno_size/identity", 42))


class ProcessTest(unittest.TestCase):
    """Start-up, config file, signals."""

    def test_port_file_config_file_and_clean_exit(self):
        emu = EmulatorProcess({"tokens": {"tok-a": ["alpha"], "tok-b": ["beta"]},
                               "faults": [{"path": "/apps/alpha", "status": 503}]})
        try:
            self.assertRegex(emu.port_text, r"^[1-9][0-9]*\n$")
            client = Client(emu.port)
            self.assertEqual(client.api("GET", "/apps/alpha", token="tok-a").status, 503)
            resp = client.api("GET", "/apps/alpha", token="tok-a")
            self.assertEqual((resp.status, resp.json()["name"]), (200, "alpha"))
            self.assertEqual(client.api("GET", "/apps/beta", token="tok-a").status, 403)
            self.assertEqual(client.api("GET", "/apps/staging", token=TOKEN).status, 401)
            self.assertEqual(emu.stop(signal.SIGTERM), 0, emu.stderr)
        finally:
            emu.close()
        emu = EmulatorProcess()
        try:
            self.assertEqual(emu.stop(signal.SIGINT), 0, emu.stderr)
        finally:
            emu.close()

    def test_bad_config_file_is_refused(self):
        with self.assertRaisesRegex(RuntimeError, 'missing from "apps"'):
            EmulatorProcess({"tokens": {"t": ["a-app"]}, "apps": ["b-app"]})


class EmulatorTest(unittest.TestCase):
    """The API, blobs, log, control API and faults, on one emulator reset per test."""

    @classmethod
    def setUpClass(cls):
        cls.emu = EmulatorProcess()
        cls.addClassCleanup(cls.emu.close)
        cls.client = Client(cls.emu.port)

    def setUp(self):
        self.control("POST", "/__emulator/config", {})
        self.control("POST", "/__emulator/reset")

    # Helpers.

    def api(self, *args, **kwargs):
        return self.client.api(*args, **kwargs)

    def request(self, *args, **kwargs):
        return self.client.request(*args, **kwargs)

    def control(self, method, path, doc=None):
        resp = self.request(method, path, None if doc is None else json.dumps(doc).encode())
        self.assertEqual(resp.status, 200, resp.body)
        return resp.json()

    def log(self):
        return self.control("GET", "/__emulator/requests")

    def set_faults(self, *rules):
        return self.control("POST", "/__emulator/faults", list(rules))

    def put_blob(self, url, data, headers=None):
        parts = urlsplit(url)
        return self.request("PUT", f"{parts.path}?{parts.query}", data, headers)

    def create_slug(self, app="staging", token=TOKEN, **attrs):
        doc = dict({"process_types": PROCESS_TYPES}, **attrs)
        resp = self.api("POST", f"/apps/{app}/slugs", doc, token=token)
        self.assertEqual(resp.status, 201, resp.body)
        return resp.json()

    def uploaded_slug(self, app="staging", token=TOKEN, data=b"slug bytes"):
        slug = self.create_slug(app, token)
        self.assertEqual(self.put_blob(slug["blob"]["url"], data).status, 200)
        return slug

    def release(self, app, slug_id, token=TOKEN, **attrs):
        doc = dict({"slug": slug_id}, **attrs)
        return self.api("POST", f"/apps/{app}/releases", doc, token=token)

    def releases(self, range_header=None):
        headers = {"Range": range_header} if range_header else {}
        return self.api("GET", "/apps/staging/releases", headers=headers)

    def assert_error(self, resp, status, error_id, message_part=""):
        self.assertEqual(resp.status, status, resp.body)
        self.assertEqual(resp.headers["Content-Type"], "application/json")
        doc = resp.json()
        self.assertLessEqual(set(doc), {"id", "message", "url"})
        self.assertEqual(doc["id"], error_id)
        self.assertIn(message_part, doc["message"])

    def assert_schema_properties(self, obj, definition):
        """OBJ names only attributes the schema's DEFINITION has."""
        self.assertLessEqual(set(obj), set(SCHEMA.doc["definitions"][definition]["properties"]))

    @staticmethod
    def versions(resp):
        return [r["version"] for r in resp.json()]

    # Transport, authentication, apps.

    def test_accept_header_is_required(self):
        for accept in (None, "application/json", "application/vnd.heroku+json; version=2"):
            resp = self.api("GET", "/apps/staging", accept=accept)
            self.assert_error(resp, 406, "not_acceptable", "version=3")
            self.assertRegex(resp.headers["Request-Id"], UUID_RE)
        resp = self.api("GET", "/apps/staging", accept="application/vnd.heroku+json;version=3")
        self.assertEqual(resp.status, 200)

    def test_authentication(self):
        self.assert_error(self.api("GET", "/apps/staging", token=None), 401, "unauthorized",
                          "Invalid credentials provided.")
        self.assert_error(self.api("GET", "/apps/staging", token="nope"), 401, "unauthorized")
        basic = {"Authorization": "Basic " + base64.b64encode(f":{TOKEN}".encode()).decode()}
        self.assert_error(self.api("GET", "/apps/staging", token=None, headers=basic),
                          401, "unauthorized")

    def test_app_info_by_name_and_id(self):
        resp = self.api("GET", "/apps/staging")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.headers["Content-Type"], "application/json")
        self.assertEqual(int(resp.headers["Content-Length"]), len(resp.body))
        self.assertRegex(resp.headers["Request-Id"], UUID_RE)
        app = resp.json()
        self.assert_schema_properties(app, "app")
        self.assertRegex(app["id"], UUID_RE)
        self.assertEqual((app["name"], app["stack"]["name"], app["slug_size"]),
                         ("staging", "heroku-24", None))
        self.assertEqual(self.api("GET", f"/apps/{app['id']}").json(), app)

    def test_unknown_and_forbidden_apps(self):
        self.assert_error(self.api("GET", "/apps/nosuchapp"), 404, "not_found",
                          "Couldn't find that app.")
        self.assert_error(self.api("GET", "/apps/other"), 403, "forbidden", "other")
        self.assertEqual(self.api("GET", "/apps/other", token=OTHER_TOKEN).status, 200)
        self.assert_error(self.api("DELETE", "/apps/staging"), 404, "not_found", "endpoint")

    # Slugs.

    def test_slug_create(self):
        slug = self.create_slug(commit="a" * 40, commit_description="first",
                                buildpack_provided_description="Node.js",
                                checksum="SHA256:" + "0" * 64, stack="heroku-22")
        self.assert_schema_properties(slug, "slug")
        self.assertRegex(slug["id"], UUID_RE)
        self.assertEqual(slug["process_types"], PROCESS_TYPES)
        self.assertEqual((slug["commit"], slug["commit_description"], slug["size"]),
                         ("a" * 40, "first", None))
        self.assertEqual(slug["stack"]["name"], "heroku-22")
        self.assertEqual(slug["blob"]["method"], "put")
        # The signature is percent-encoded: clients must use the URL verbatim.
        self.assertRegex(slug["blob"]["url"],
                         rf"^http://127\.0\.0\.1:{self.emu.port}/blobs/{slug['id']}"
                         r"\?AWSAccessKeyId=\w+&Signature=[\w%]+%3D&Expires=\d+$")
        defaults = self.create_slug(checksum=None)
        self.assertEqual((defaults["commit"], defaults["checksum"], defaults["stack"]["name"]),
                         (None, None, "heroku-24"))
        self.assertNotEqual(defaults["id"], slug["id"])
        info = self.api("GET", f"/apps/staging/slugs/{slug['id']}")
        self.assertEqual(info.status, 200)
        self.assertEqual(info.json()["blob"]["method"], "get")
        self.assert_error(self.api("GET", f"/apps/prod/slugs/{slug['id']}"), 404, "not_found",
                          "slug")

    def test_slug_create_validation(self):
        cases = [
            ({"process_types": PROCESS_TYPES, "buildpack": "x"}, 'unknown attribute "buildpack"'),
            ({"process_types": {"web": 1}}, "process_types.web must be string, not integer"),
            ({"process_types": {"web app": "x"}}, 'unknown attribute "process_types.web app"'),
            ({"process_types": {"w" * 129: "x"}}, "unknown attribute"),
            ({"process_types": {"web\n": "x"}}, "unknown attribute"),
            ({"process_types": ["web"]}, "process_types must be object, not array"),
            ({"process_types": {}, "commit": 5}, "commit must be null or string"),
            ({"process_types": {}, "stack": None}, "stack must be string"),
            ({"process_types": {}, "checksum": "SHA256:" + "A" * 64}, "checksum"),
            ({"process_types": {}, "checksum": "md5:abc"}, "checksum"),
            ({"commit": "abc"}, "Require params: process_types."),
            ([], "must be object, not array"),
        ]
        for doc, message in cases:
            with self.subTest(doc=doc):
                resp = self.api("POST", "/apps/staging/slugs", doc)
                self.assert_error(resp, 422, "invalid_params", message)
        resp = self.api("POST", "/apps/staging/slugs", {"process_types": {}, "stack": "cedar-10"})
        self.assert_error(resp, 404, "not_found", "stack")
        self.assertEqual(self.control("GET", "/__emulator/state")["slugs"], [])

    def test_bad_request_bodies(self):
        resp = self.request("POST", "/apps/staging/slugs", b'{"process_types": ', JSON_HEADERS)
        self.assert_error(resp, 400, "bad_request", "JSON")
        form = dict(API_HEADERS, **{"Content-Type": "application/x-www-form-urlencoded"})
        resp = self.request("POST", "/apps/staging/slugs", b'{"process_types": {}}', form)
        self.assert_error(resp, 400, "bad_request", "Content-Type")
        resp = self.request("POST", "/apps/staging/slugs", b"x" * (1024 * 1024 + 1), JSON_HEADERS)
        self.assert_error(resp, 413, "payload_too_large")
        self.assertEqual(resp.headers["Connection"], "close")
        resp = self.request("POST", "/apps/staging/slugs", iter([b"x" * 65536] * 20), JSON_HEADERS)
        self.assert_error(resp, 413, "payload_too_large")

    # Blobs.

    def test_blob_upload_rules(self):
        slug = self.create_slug()
        url = slug["blob"]["url"]
        refused = [
            self.put_blob(re.sub(r"Signature=[^&]+", "Signature=forged", url), b"data"),
            self.put_blob(url.replace("%", "%25"), b"data"),  # escaped twice
            self.put_blob(url.split("&Signature")[0], b"data"),
            self.put_blob(url, b"data", {"Content-Type": "application/octet-stream"}),
            self.put_blob(url, b"data", {"Content-Type": "application/x-www-form-urlencoded"}),
        ]
        for resp in refused:
            self.assertEqual(resp.status, 403)
            self.assertEqual(resp.headers["Content-Type"], "application/xml")
            self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", resp.body)
            self.assertRegex(resp.headers["Request-Id"], UUID_RE)
        self.assertEqual(self.put_blob(url, b"first", {"Content-Type": ""}).status, 200)
        data = bytes(range(256)) * 100
        self.assertEqual(self.put_blob(url, data).status, 200)  # no Content-Type; replaces
        got = self.request("GET", urlsplit(url).path)
        self.assertEqual((got.status, got.body), (200, data))
        self.assertEqual(self.api("GET", f"/apps/staging/slugs/{slug['id']}").json()["size"],
                         len(data))
        sha256 = hashlib.sha256(data).hexdigest()
        self.assertEqual(self.control("GET", "/__emulator/state")["slugs"][0]["blob_sha256"],
                         sha256)
        puts = [e for e in self.log() if e["method"] == "PUT"]
        self.assertEqual([e["status"] for e in puts], [403] * 5 + [200, 200])
        self.assertEqual(puts[4]["headers"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual((puts[-1]["body"], puts[-1]["body_size"], puts[-1]["body_sha256"]),
                         (None, len(data), sha256))
        self.assertEqual(self.request("GET", "/blobs/" + self.create_slug()["id"]).status, 404)

    def put_expecting_continue(self, url, length):
        """A raw PUT with `Expect: 100-continue`: (interim status line or None,
        final response head), sending the body only once told to."""
        parts = urlsplit(url)
        with socket.create_connection(("127.0.0.1", self.emu.port), timeout=10) as sock:
            sock.sendall((f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n").encode())
            reader = sock.makefile("rb")
            interim = reader.readline()
            if interim.startswith(b"HTTP/1.1 100"):
                self.assertEqual(reader.readline(), b"\r\n")
                chunk = b"\xab" * (1024 * 1024)
                for offset in range(0, length, len(chunk)):
                    sock.sendall(chunk[:length - offset])
                final = reader.readline()
            else:
                interim, final = None, interim
            return interim, (final + b"".join(iter(reader.readline, b"\r\n"))).decode()

    def test_expect_100_continue(self):
        slug = self.create_slug()
        length = 3 * 1024 * 1024 + 5
        interim, head = self.put_expecting_continue(slug["blob"]["url"], length)
        self.assertEqual(interim, b"HTTP/1.1 100 Continue\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 200 "), head)
        self.assertEqual(self.api("GET", f"/apps/staging/slugs/{slug['id']}").json()["size"],
                         length)
        # Refused on its headers: the answer comes without 100 Continue.
        forged = slug["blob"]["url"].replace("Signature=", "Signature=x")
        interim, head = self.put_expecting_continue(forged, length)
        self.assertIsNone(interim)
        self.assertTrue(head.startswith("HTTP/1.1 403 "), head)
        self.assertIn("Connection: close", head)

    def test_large_chunked_upload_is_streamed_to_disk(self):
        slug = self.create_slug()
        block, count = os.urandom(1024 * 1024), 64
        digest = hashlib.sha256(block * count).hexdigest()
        peak_before = self.emulator_peak_rss()
        self.assertEqual(self.put_blob(slug["blob"]["url"], iter([block] * count)).status, 200)
        with open(os.path.join(self.emu.state_dir, "blobs", slug["id"]), "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), digest)
        put = self.log()[-1]
        self.assertEqual((put["body_size"], put["body_sha256"]), (count * len(block), digest))
        self.assertEqual(put["headers"]["transfer-encoding"], "chunked")
        if peak_before is not None:  # the upload added far less than its 64 MiB
            self.assertLess(self.emulator_peak_rss() - peak_before, 16 * 1024 * 1024)

    def emulator_peak_rss(self):
        try:
            with open(f"/proc/{self.emu.proc.pid}/status", encoding="ascii") as f:
                return next(int(line.split()[1]) * 1024 for line in f
                            if line.startswith("VmHWM:"))
        except OSError:
            return None

    # Releases.

    def test_release_versions_and_current(self):
        slug = self.uploaded_slug()
        created = []
        for attrs in ({"description": "first"}, {}, {"description": "third"}):
            resp = self.release("staging", slug["id"], **attrs)
            self.assertEqual(resp.status, 201, resp.body)
            created.append(resp.json())
        self.assertEqual([r["version"] for r in created], [1, 2, 3])
        first = created[0]
        self.assert_schema_properties(first, "release")
        self.assertEqual((first["status"], first["current"], first["slug"], first["description"]),
                         ("succeeded", True, {"id": slug["id"]}, "first"))
        self.assertEqual(created[1]["description"], f"Deploy {slug['id'][:8]}")
        self.assertEqual(first["app"]["name"], "staging")
        self.assertRegex(first["user"]["email"], r"^user-[0-9a-f]{8}@example\.com$")
        self.assertNotIn(TOKEN, json.dumps(first))
        self.assertEqual([(r["version"], r["current"]) for r in self.releases().json()],
                         [(1, False), (2, False), (3, True)])
        resp = self.api("GET", "/apps/staging/releases/2")
        self.assertEqual(resp.json()["id"], created[1]["id"])
        resp = self.api("GET", f"/apps/staging/releases/{created[2]['id']}")
        self.assertEqual(resp.json()["version"], 3)
        self.assert_error(self.api("GET", "/apps/staging/releases/9"), 404, "not_found", "release")
        self.assert_error(self.api("GET", "/apps/prod/releases/1"), 404, "not_found")
        app = self.api("GET", "/apps/staging").json()
        self.assertEqual(app["slug_size"], len(b"slug bytes"))
        self.assertIsNotNone(app["released_at"])

    def test_promote_and_foreign_slugs(self):
        slug = self.uploaded_slug("staging")
        self.assertEqual(self.release("staging", slug["id"]).json()["version"], 1)
        promoted = self.release("prod", slug["id"], description="Promote from staging")
        self.assertEqual(promoted.status, 201)
        self.assertEqual((promoted.json()["version"], promoted.json()["app"]["name"]), (1, "prod"))
        foreign = self.uploaded_slug("other", OTHER_TOKEN)
        self.assert_error(self.release("staging", foreign["id"]), 403, "forbidden",
                          "You do not have access to the slug")
        self.assertEqual(self.release("other", slug["id"], token=OTHER_TOKEN).status, 403)

    def test_release_create_errors(self):
        slug = self.create_slug()
        cases = [
            ((slug["id"],), 422, "invalid_params", "no uploaded blob"),
            (("01234567-89ab-cdef-0123-456789abcdef",), 404, "not_found", "slug"),
            (("not-a-uuid",), 422, "invalid_params", "slug must be a uuid"),
            ((slug["id"], {"force": True}), 422, "invalid_params", 'unknown attribute "force"'),
            ((slug["id"], {"description": 7}), 422, "invalid_params",
             "description must be string"),
        ]
        for (slug_id, *attrs), status, error_id, message in cases:
            with self.subTest(slug=slug_id, attrs=attrs):
                resp = self.release("staging", slug_id, **(attrs[0] if attrs else {}))
                self.assert_error(resp, status, error_id, message)
        resp = self.api("POST", "/apps/staging/releases", {"description": "x"})
        self.assert_error(resp, 422, "invalid_params", "Require params: slug.")
        self.assertEqual(self.control("GET", "/__emulator/state")["releases"], [])

    def test_release_phase(self):
        slug = self.uploaded_slug()
        self.release("staging", slug["id"])
        phase = {"pending_gets": 2, "outcome": "succeeded"}
        self.control("POST", "/__emulator/config", {"release_phase": phase})
        pending = self.release("staging", slug["id"]).json()
        self.assertEqual((pending["version"], pending["status"], pending["current"]),
                         (2, "pending", False))
        path = f"/apps/staging/releases/{pending['id']}"
        seen = [self.api("GET", path).json()["status"] for _ in range(4)]
        self.assertEqual(seen, ["pending", "pending", "succeeded", "succeeded"])
        self.assertEqual([r["current"] for r in self.releases().json()], [False, True])
        phase = {"pending_gets": 0, "outcome": "failed"}
        self.control("POST", "/__emulator/config", {"release_phase": phase})
        failed = self.release("staging", slug["id"]).json()
        self.assertEqual(self.api("GET", "/apps/staging/releases/3").json()["status"], "failed")
        listed = self.releases().json()
        self.assertEqual([(r["status"], r["current"]) for r in listed],
                         [("succeeded", False), ("succeeded", True), ("failed", False)])
        self.assertEqual(listed[2]["id"], failed["id"])

    def test_release_list_ranges(self):
        slug = self.uploaded_slug()
        ids = [self.release("staging", slug["id"]).json()["id"] for _ in range(5)]
        resp = self.releases()
        self.assertEqual((resp.status, self.versions(resp)), (200, [1, 2, 3, 4, 5]))
        self.assertEqual(resp.headers["Accept-Ranges"], "id, version")
        self.assertEqual(resp.headers["Content-Range"], "version 1..5; order=asc, max=200")
        self.assertIsNone(resp.headers["Next-Range"])
        # Newest first, two a page, following Next-Range.
        pages, statuses, next_range = [], [], "version ..; order=desc, max=2"
        while next_range:
            resp = self.releases(next_range)
            pages.append(self.versions(resp))
            statuses.append(resp.status)
            next_range = resp.headers["Next-Range"]
            if len(pages) == 1:
                self.assertEqual(next_range, "version ]4..; order=desc, max=2")
                self.assertEqual(resp.headers["Content-Range"], "version 5..4; order=desc, max=2")
        self.assertEqual((pages, statuses), ([[5, 4], [3, 2], [1]], [206, 206, 200]))
        cases = [
            ("version ..; order=desc, max=1", 206, [5]),
            ("version 2..4", 200, [2, 3, 4]),
            ("version ]2..4[; max=5", 200, [3]),
            ("version 4..; order=desc", 200, [4, 3, 2, 1]),
            ("version 3..7; order=desc", 200, []),
            ("version ..; max=5000;", 200, [1, 2, 3, 4, 5]),
            ("version ..;order=asc,max=3", 206, [1, 2, 3]),
        ]
        for header, status, versions in cases:
            with self.subTest(range=header):
                resp = self.releases(header)
                self.assertEqual((resp.status, self.versions(resp)), (status, versions))
        resp = self.releases("version ..; max=5000")
        self.assertEqual(resp.headers["Content-Range"], "version 1..5; order=asc, max=1000")
        by_id = sorted(ids)
        resp = self.releases(f"id ]{by_id[0]}..; max=3")
        self.assertEqual((resp.status, [r["id"] for r in resp.json()]), (206, by_id[1:4]))
        self.assertEqual(resp.headers["Next-Range"], f"id ]{by_id[3]}..; order=asc, max=3")
        for bad in ("name ..", "version", "version x..", "version ..; max=0",
                    "version ..; order=up", "version ..; limit=3", "id 12..", "bytes=0-99",
                    "version \u00b2.."):
            with self.subTest(range=bad):
                self.assert_error(self.releases(bad), 416, "requested_range_not_satisfiable")

    # Request log and control API.

    def test_request_log(self):
        slug = self.uploaded_slug(data=b"\x00\xff")
        self.release("staging", slug["id"], description="d")
        self.api("GET", "/apps/staging", token=None)
        self.control("GET", "/__emulator/state")  # control calls are not logged
        entries = self.log()
        with open(os.path.join(self.emu.state_dir, "requests.jsonl"), encoding="utf-8") as f:
            self.assertEqual([json.loads(line) for line in f], entries)
        self.assertEqual([(e["seq"], e["method"], e["path"], e["status"]) for e in entries], [
            (1, "POST", "/apps/staging/slugs", 201),
            (2, "PUT", f"/blobs/{slug['id']}", 200),
            (3, "POST", "/apps/staging/releases", 201),
            (4, "GET", "/apps/staging", 401)])
        create, put, release, _ = entries
        self.assertEqual(json.loads(create["body"]), {"process_types": PROCESS_TYPES})
        self.assertEqual(create["headers"]["authorization"], f"Bearer {TOKEN}")
        self.assertEqual(create["headers"]["accept"], ACCEPT)
        self.assertEqual(create["query"], "")
        self.assertIn("Signature=", put["query"])
        self.assertEqual((put["body"], put["body_size"]), (None, 2))
        self.assertNotIn("content-type", put["headers"])
        self.assertEqual(json.loads(release["body"]), {"slug": slug["id"], "description": "d"})
        self.assertTrue(all(e["fault"] is None for e in entries))
        self.assertLessEqual(entries[0]["time"], entries[-1]["time"])
        self.request("POST", "/apps/staging/releases", b'{"slug": "\xff"}', JSON_HEADERS)
        last = self.log()[-1]
        self.assertEqual((last["status"], last["body"], base64.b64decode(last["body_base64"])),
                         (400, None, b'{"slug": "\xff"}'))

    def test_state_and_reset(self):
        slug = self.uploaded_slug()
        self.release("staging", slug["id"])
        state = self.control("GET", "/__emulator/state")
        self.assertEqual([a["name"] for a in state["apps"]], ["staging", "prod", "other"])
        self.assertEqual(state["config"]["tokens"],
                         {TOKEN: ["staging", "prod"], OTHER_TOKEN: ["other"]})
        self.assertEqual([s["app"] for s in state["slugs"]], ["staging"])
        self.assertEqual([r["version"] for r in state["releases"]], [1])
        state = self.control("POST", "/__emulator/reset")
        self.assertEqual((state["slugs"], state["releases"]), ([], []))
        self.assertEqual(self.log(), [])
        self.assertEqual(os.listdir(os.path.join(self.emu.state_dir, "blobs")), [])
        self.assertEqual(self.create_slug()["id"], slug["id"])  # ids repeat after a reset

    def test_config_control(self):
        self.release("staging", self.uploaded_slug()["id"])
        config = self.control("POST", "/__emulator/config",
                              {"tokens": {"tok-x": ["x-ray"]}, "stacks": ["heroku-22"]})
        self.assertEqual((config["apps"], config["release_phase"]), (["x-ray"], None))
        self.assertEqual(self.api("GET", "/apps/staging", token=TOKEN).status, 401)
        app = self.api("GET", "/apps/x-ray", token="tok-x").json()
        self.assertEqual(app["stack"]["name"], "heroku-22")
        state = self.control("GET", "/__emulator/state")  # staging's release outlives staging
        self.assertEqual(([a["name"] for a in state["apps"]], len(state["releases"])),
                         (["x-ray"], 1))
        for bad in ([], {"tokens": {"t": "staging"}}, {"apps": ["Bad_Name"]}, {"colour": 1},
                    {"release_phase": {"outcome": "maybe"}}, {"stacks": []}):
            with self.subTest(config=bad):
                resp = self.request("POST", "/__emulator/config", json.dumps(bad).encode())
                self.assert_error(resp, 400, "bad_request")
        self.assert_error(self.request("POST", "/__emulator/config", b"{"), 400, "bad_request")
        self.assert_error(self.request("GET", "/__emulator/nothing"), 404, "not_found")

    # Faults.

    def test_fault_errors(self):
        slug = self.uploaded_slug()
        self.set_faults({"method": "POST", "path": "/apps/staging/releases", "status": 500,
                         "times": 2},
                        {"method": "GET", "path_prefix": "/apps/staging/releases", "status": 429,
                         "retry_after": 1})
        self.assert_error(self.release("staging", slug["id"]), 500, "internal_server_error")
        self.assert_error(self.release("staging", slug["id"]), 500, "internal_server_error")
        self.assertEqual(self.release("staging", slug["id"]).status, 201)
        resp = self.api("GET", "/apps/staging/releases/1")
        self.assert_error(resp, 429, "rate_limit")
        self.assertEqual(resp.headers["Retry-After"], "1")
        self.assertIn("rate-limits", resp.json()["url"])
        self.assertEqual(self.api("GET", "/apps/staging/releases/1").status, 200)
        self.assertEqual(self.control("GET", "/__emulator/faults"), [])
        log = self.log()[-5:]
        self.assertEqual([(e["status"], e["fault"]) for e in log],
                         [(500, "error")] * 2 + [(201, None), (429, "error"), (200, None)])
        self.assertEqual(json.loads(log[0]["body"]), {"slug": slug["id"]})  # bodies are logged
        self.set_faults({"path_prefix": "/blobs/", "status": 503})
        resp = self.put_blob(slug["blob"]["url"], b"data")
        self.assertEqual(resp.status, 503)
        self.assertIn(b"<Code>SlowDown</Code>", resp.body)

    def test_fault_drop(self):
        slug = self.create_slug()
        self.set_faults({"method": "PUT", "path_prefix": "/blobs/", "action": "drop"})
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.put_blob(slug["blob"]["url"], b"x" * 300_000)
        self.assertEqual(self.put_blob(slug["blob"]["url"], b"x" * 300_000).status, 200)
        dropped, retried = self.log()[-2:]
        self.assertEqual((dropped["status"], dropped["fault"], dropped["body_size"]),
                         (None, "drop", 65536))
        self.assertEqual((retried["status"], retried["body_size"]), (200, 300_000))
        # With `Expect: 100-continue`: the interim answer, part of the body read, then EOF.
        self.set_faults({"action": "drop"})
        parts = urlsplit(slug["blob"]["url"])
        answer = self.client.raw(f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n"
                                 "0123456789".encode())
        self.assertEqual(answer, b"HTTP/1.1 100 Continue\r\n\r\n")

    def test_fault_delay(self):
        self.set_faults({"action": "delay", "seconds": 0.5, "path": "/apps/staging"})
        start = time.monotonic()
        self.assertEqual(self.api("GET", "/apps/staging").status, 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.5)
        start = time.monotonic()
        self.assertEqual(self.api("GET", "/apps/staging").status, 200)
        self.assertLess(time.monotonic() - start, 0.4)

    def test_fault_garbage(self):
        self.set_faults({"action": "garbage", "method": "GET"})
        resp = self.api("GET", "/apps/staging")
        self.assertEqual((resp.status, resp.headers["Content-Type"]), (200, "application/json"))
        self.assertRaises(ValueError, json.loads, resp.body)
        self.assertEqual(self.log()[-1]["fault"], "garbage")

    def test_fault_huge(self):
        size = 5 * 1024 * 1024 + 3
        self.set_faults({"action": "huge", "bytes": size})
        conn = self.client.connect()
        try:
            conn.request("GET", "/apps/staging/releases", headers=API_HEADERS)
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.headers["Content-Length"]), (200, str(size)))
            first = resp.read(65536)
            total = len(first) + sum(len(c) for c in iter(lambda: resp.read(65536), b""))
        finally:
            conn.close()
        self.assertEqual(total, size)
        self.assertTrue(first.startswith(b'[{"id": '))
        self.assertEqual(self.log()[-1]["fault"], "huge")

    def test_fault_rules_are_checked(self):
        for bad in ({"action": "explode"}, {"status": 200}, {"status": 500, "times": 0},
                    {"action": "drop", "status": 500}, {"action": "delay"},
                    {"action": "huge", "bytes": -1}, {"status": 500, "method": 5}, "x"):
            with self.subTest(rule=bad):
                resp = self.request("POST", "/__emulator/faults", json.dumps([bad]).encode())
                self.assert_error(resp, 400, "bad_request")
        rules = self.set_faults({"status": 500, "method": "post"})
        self.assertEqual(rules, [{"action": "error", "times": 1, "status": 500, "method": "POST"}])

    # HTTP robustness.

    def test_keep_alive(self):
        conn = self.client.connect()
        try:
            self.request("GET", "/apps/staging", None, API_HEADERS, conn)
            sock = conn.sock
            for path in ("/apps/staging", "/apps/nosuchapp", "/apps/staging/releases"):
                resp = self.request("GET", path, None, API_HEADERS, conn)
                self.assertIn(resp.status, (200, 404))
                self.assertIs(conn.sock, sock)  # the same connection served every request
        finally:
            conn.close()

    def test_malformed_requests(self):
        headers = "".join(f"{k}: {v}\r\n" for k, v in JSON_HEADERS.items())
        answer = self.client.raw(b"POST /apps/staging/slugs HTTP/1.1\r\nHost: x\r\n"
                                 b"Transfer-Encoding: chunked\r\n" + headers.encode()
                                 + b"\r\nzz\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        self.assertIn(b"chunked", answer)
        answer = self.client.raw(b"GET /apps/staging HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        answer = self.client.raw(b"BREW /pot HTTP/1.1\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 501 "), answer)
        self.assertIn(b'"id": "not_implemented"', answer)
        self.assertEqual(self.api("GET", "/apps/staging").status, 200)  # still serving


if __name__ == "__main__":
    unittest.main()
