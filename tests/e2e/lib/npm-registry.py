#!/usr/bin/env python3
"""A loopback stand-in for the npm registry: serves the tarballs in --root
(made by `npm pack`, named <name>-<version>.tgz) with the registry's JSON
metadata ("packument") format, enough for npm install / npm ci:

    GET /<name>                 {"name", "dist-tags": {"latest"}, "versions": {<v>: <package.json
                                 + dist: {tarball, shasum, integrity}>}}
    GET /<name>/-/<file>.tgz    the tarball

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


def load(root):
    packages = {}
    for f in sorted(os.listdir(root)):
        if not f.endswith(".tgz"):
            continue
        path = os.path.join(root, f)
        with tarfile.open(path) as t:
            manifest = json.load(t.extractfile("package/package.json"))
        data = open(path, "rb").read()
        manifest["dist"] = {
            "file": f,
            "shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        }
        packages.setdefault(manifest["name"], {})[manifest["version"]] = manifest
    return packages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    packages = load(a.root)

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
            path = self.path.split("?")[0]
            m = re.fullmatch(r"/([^/@][^/]*)/-/([^/]+\.tgz)", path)
            if m and m.group(1) in packages and re.fullmatch(r"[A-Za-z0-9._-]+", m.group(2)):
                f = os.path.join(a.root, m.group(2))
                if os.path.isfile(f):
                    return self.send(200, open(f, "rb").read(), "application/octet-stream")
            name = path[1:].replace("%2f", "/").replace("%2F", "/")
            if name in packages:
                versions = {}
                for v, man in packages[name].items():
                    man = dict(man)
                    man["dist"] = {k: v2 for k, v2 in man["dist"].items() if k != "file"}
                    man["dist"]["tarball"] = "%s/%s/-/%s" % (base, name, packages[name][v]["dist"]["file"])
                    versions[v] = man
                latest = sorted(versions, key=lambda v: [int(x) for x in v.split(".")])[-1]
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
