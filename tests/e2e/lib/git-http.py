#!/usr/bin/env python3
"""git's smart HTTP protocol for tests: `git http-backend` behind a small server.

    git-http.py --root DIR --port-file FILE [--auth USER:PASSWORD] [--log FILE]
                [--redirect-to BASE_URL] [--redirect-status 302]

Binds 127.0.0.1 on a free port and writes the port to FILE once it listens.
With --auth every request needs that Basic authentication (401 otherwise).
With --redirect-to every (authorized) request is answered with a redirect to
BASE_URL + PATH?QUERY instead of being served.
Each request is logged as "METHOD PATH?QUERY BODY_BYTES AUTHORIZATION" to
--log, AUTHORIZATION being the header's value as received, or "-".
"""
import argparse
import base64
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()


def read_body(handler):
    """The request body, de-chunked (libgit2 sends chunked POSTs)."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        data = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(data)
            data += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def authorized(self):
        if not ARGS.auth:
            return True
        want = "Basic " + base64.b64encode(ARGS.auth.encode()).decode()
        return self.headers.get("Authorization") == want

    def serve(self):
        body = read_body(self)
        if ARGS.log:
            with LOG_LOCK, open(ARGS.log, "a") as f:
                auth = self.headers.get("Authorization") or "-"
                f.write(f"{self.command} {self.path} {len(body)} {auth.replace(' ', '_')}\n")
        if not self.authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if ARGS.redirect_to:
            self.send_response(ARGS.redirect_status)
            self.send_header("Location", ARGS.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ)
        env.update({
            "GIT_PROJECT_ROOT": ARGS.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": ARGS.auth.split(":")[0] if ARGS.auth else "",
        })
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = out.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = serve
    do_POST = serve


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--auth")
    p.add_argument("--log")
    p.add_argument("--redirect-to")
    p.add_argument("--redirect-status", type=int, default=302)
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
