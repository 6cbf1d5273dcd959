#!/usr/bin/env python3
"""A loopback stand-in for the npm registry: serves the tarballs in --root
(made by `npm pack` or fetched from the registry; any file name ending in .tgz,
the package's name and version are read from its package.json) with the
registry's JSON metadata ("packument") format, enough for npm install / npm ci:

    GET /<name>                 {"name", "dist-tags": {"latest"}, "versions": {<v>: <package.json
                                 + dist: {tarball, shasum, integrity}>}}
    GET /<name>/-/<file>.tgz    the tarball; <file> is the registry's own name,
                                <name without @scope/>-<version>.tgz, or the file's name
                                in --root. <name> may be scoped (@scope/name, @scope%2fname).

A lockfile written against the real registry (resolved: https://registry.npmjs.org/...)
installs from here unchanged: npm's replace-registry-host (default "npmjs") points
those URLs at the configured registry.

Every request is logged to --log ("GET /path status"). The port is chosen by
the OS and written to --port-file once listening.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import tarfile


def read_manifest(path):
    """package.json at the tarball's top directory (usually package/, not always)."""
    with tarfile.open(path) as t:
        for member in t:
            if member.isfile() and re.fullmatch(r"[^/]+/package\.json", member.name):
                return json.load(t.extractfile(member))
    raise ValueError("%s: no <dir>/package.json" % path)


def canonical_file(name, version):
    return "%s-%s.tgz" % (name.split("/")[-1], version)


def load(root):
    packages, files = {}, {}
    for f in sorted(os.listdir(root)):
        if not f.endswith(".tgz"):
            continue
        path = os.path.join(root, f)
        manifest = read_manifest(path)
        data = open(path, "rb").read()
        name, version = manifest["name"], manifest["version"]
        manifest["dist"] = {
            "file": canonical_file(name, version),
            "shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        }
        packages.setdefault(name, {})[version] = manifest
        files[(name, f)] = files[(name, canonical_file(name, version))] = path
    return packages, files


def version_key(v):
    """Semver precedence, enough to pick "latest": a release above its pre-releases."""
    main, _, pre = v.partition("+")[0].partition("-")
    nums = [int(x) if x.isdigit() else 0 for x in main.split(".")]
    return nums, 0 if pre else 1, pre


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    packages, files = load(a.root)

    class Handler(http.server.BaseHTTPRequestHandler):
        def send(self, status, body, ctype):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            with open(a.log, "a") as log:
                log.write("%s %s %d\n" % (self.command, self.path, status))

        def do_GET(self):
            base = "http://%s" % self.headers.get("Host", "127.0.0.1")
            path = self.path.split("?")[0].replace("%2f", "/").replace("%2F", "/")
            m = re.fullmatch(r"/((?:@[^/]+/)?[^/@][^/]*)/-/([^/]+\.tgz)", path)
            if m and (m.group(1), m.group(2)) in files:
                f = files[(m.group(1), m.group(2))]
                return self.send(200, open(f, "rb").read(), "application/octet-stream")
            name = path[1:]
            if name in packages:
                versions = {}
                for v, man in packages[name].items():
                    man = dict(man)
                    man["dist"] = {k: v2 for k, v2 in man["dist"].items() if k != "file"}
                    man["dist"]["tarball"] = "%s/%s/-/%s" % (base, name, packages[name][v]["dist"]["file"])
                    versions[v] = man
                latest = max(versions, key=version_key)
                doc = {"name": name, "dist-tags": {"latest": latest}, "versions": versions}
                return self.send(200, json.dumps(doc).encode(), "application/json")
            self.send(404, b'{"error":"Not found"}', "application/json")

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
