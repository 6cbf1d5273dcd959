#!/usr/bin/env python3
"""A static file server for tests: runtime mirrors, index documents, uploads.

    mirror.py --root DIR --port-file FILE [--log FILE] [--faults FILE]
              [--tls CERT KEY] [--upload-dir DIR] [--log-headers FILE]

Binds 127.0.0.1 on a free port and writes the port to FILE (temp + rename)
once it listens. Speaks HTTP/1.1 with keep-alive and exact Content-Length,
or HTTPS with --tls.

GET and HEAD serve the regular files under --root (query strings are
ignored; any ".." segment, or a symlink leading outside the root, is a 404).
"Range: bytes=N-", "bytes=N-M" and "bytes=-N" answer 206 with Content-Range,
or 416 when unsatisfiable; other Range forms get the whole file. Files carry
a strong ETag, and an If-Range that does not match it gets the whole file.

PUT and POST store the body under --upload-dir at the request path (temp +
rename; no directory: the body is read and dropped) and answer 200 with
{"path": ..., "bytes": N}.

--log FILE gets one line per request, written (and flushed) when the answer
is over, so a client may have its answer slightly before the line exists:

    METHOD PATH STATUS BYTES RANGE_OR_-

PATH is the request target as sent (query included), BYTES the body bytes
sent (received, for PUT and POST), RANGE the Range header or "-". PUT and
POST lines go on with "content-type=VALUE content-length=VALUE" ("-" when
absent, spaces removed). --log-headers FILE gets one JSON object per request,
{"method", "path", "headers": [[name, value], ...]}, written on arrival.

--faults FILE is re-read at every request: a JSON list of rules, each
matching by "path" (exact, without query) or "path_prefix" (neither: every
path) and optionally "method", firing "times" times (default 1; -1: always).
Consumption is counted in memory per rule index and rule text, "id"
included, so a rule written again with a new "id" (or any other change) is
armed again. Actions:

    {"action": "drop_after", "bytes": N}   headers and N body bytes, then the
                                           connection closes (PUT/POST: read
                                           N bytes, then close, no answer)
    {"action": "status", "status": 503, "retry_after": 1}
                                           that status (optional Retry-After
                                           and "body")
    {"action": "slow", "interval": S}      headers, then one byte every S s
    {"action": "redirect", "location": URL, "status": 302}
    {"action": "corrupt", "offset": N}     the file with byte N flipped
    {"action": "ignore_range"}             the whole file (200), whatever the
                                           Range header says
    {"action": "huge", "bytes": N, "length": true}
                                           200 streaming N zero bytes (no
                                           Content-Length with "length": false)

Client disconnects are quiet.
"""
import argparse
import json
import os
import select
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

ARGS = None
LOG_LOCK = threading.Lock()
FAULT_LOCK = threading.Lock()
FIRED = {}  # (rule index, rule as JSON) -> times fired
CHUNK = 64 * 1024
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ssl.SSLError,
               TimeoutError, socket.timeout)


def log_line(text):
    if not ARGS.log:
        return
    with LOG_LOCK, open(ARGS.log, "a", encoding="utf-8") as f:
        f.write(text + "\n")
        f.flush()


def log_headers(handler):
    if not ARGS.log_headers:
        return
    doc = {"method": handler.command, "path": handler.path,
           "headers": [[k, v] for k, v in handler.headers.items()]}
    with LOG_LOCK, open(ARGS.log_headers, "a", encoding="utf-8") as f:
        f.write(json.dumps(doc) + "\n")
        f.flush()


def local_path(base, urlpath):
    """The file for a URL path under base, or None when it would leave it."""
    parts = [p for p in unquote(urlpath).split("/") if p not in ("", ".")]
    if any(p == ".." or "\0" in p or "\\" in p for p in parts):
        return None
    full = os.path.join(base, *parts)
    root = os.path.realpath(base)
    real = os.path.realpath(full)
    if real != root and not real.startswith(root + os.sep):
        return None
    return full


def take_fault(method, path):
    """The first armed rule matching this request, counted as fired; or None."""
    if not ARGS.faults:
        return None
    try:
        with open(ARGS.faults, encoding="utf-8") as f:
            rules = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(rules, list):
        return None
    with FAULT_LOCK:
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            if rule.get("method") and rule["method"] != method:
                continue
            if "path" in rule and rule["path"] != path:
                continue
            if "path_prefix" in rule and not path.startswith(rule["path_prefix"]):
                continue
            key = (i, json.dumps(rule, sort_keys=True))
            times = rule.get("times", 1)
            if times >= 0 and FIRED.get(key, 0) >= times:
                continue
            FIRED[key] = FIRED.get(key, 0) + 1
            return rule
    return None


def parse_range(header, size):
    """(start, end) inclusive, "unsatisfiable", or None for the whole file."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, sep, last = header[6:].strip().partition("-")
    if not sep:
        return None
    try:
        if first == "":
            n = int(last)
            if n <= 0:
                return "unsatisfiable"
            return (max(0, size - n), size - 1) if size else "unsatisfiable"
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0:
        return None
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return (start, min(end, size - 1))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mirror.py"
    sys_version = ""
    timeout = 60

    def log_message(self, fmt, *args):
        pass

    def log(self, status, nbytes, extra=""):
        rng = (self.headers.get("Range") or "-").replace(" ", "")
        log_line(f"{self.command} {self.path} {status} {nbytes} {rng}{extra}")

    def send_simple(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = 0
        if self.command != "HEAD" and body:
            self.wfile.write(body)
            sent = len(body)
        self.log(status, sent)

    def client_gone(self, wait):
        """Wait `wait` seconds; True as soon as the client hangs up."""
        deadline = time.monotonic() + wait
        left = wait
        while left > 0:
            readable, _, _ = select.select([self.connection], [], [], left)
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except (OSError, ValueError):
                    pass  # TLS sockets cannot peek: just wait
                time.sleep(max(0, deadline - time.monotonic()))
                return False
            left = deadline - time.monotonic()
        return False

    def drop(self):
        """Close the connection now: the client sees the body cut short."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # GET and HEAD

    def do_GET(self):
        self.serve()

    def do_HEAD(self):
        self.serve()

    def serve(self):
        log_headers(self)
        path = urlsplit(self.path).path
        fault = take_fault(self.command, path)
        action = fault.get("action") if fault else None
        try:
            if action == "status":
                status = int(fault.get("status", 500))
                body = fault.get("body")
                body = body.encode() if body is not None else (
                    f"{status} {phrase(status)}\n".encode())
                headers = []
                if fault.get("retry_after") is not None:
                    headers.append(("Retry-After", str(fault["retry_after"])))
                self.send_simple(status, body, headers)
                return
            if action == "redirect":
                self.send_simple(int(fault.get("status", 302)), b"",
                                 [("Location", fault["location"])])
                return
            if action == "huge":
                self.serve_huge(int(fault.get("bytes", 1 << 31)), fault.get("length", True))
                return
            self.serve_file(path, fault)
        except DISCONNECTS:
            self.close_connection = True

    def serve_huge(self, n, with_length):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if with_length:
            self.send_header("Content-Length", str(n))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        sent = 0
        zeros = bytes(CHUNK)
        try:
            while self.command != "HEAD" and sent < n:
                k = min(CHUNK, n - sent)
                self.wfile.write(zeros[:k])
                sent += k
        except DISCONNECTS:
            self.close_connection = True
        self.log(200, sent)

    def serve_file(self, path, fault):
        full = local_path(ARGS.root, path)
        if full is None or not os.path.isfile(full):
            self.send_simple(404, b"404 Not Found\n")
            return
        st = os.stat(full)
        size = st.st_size
        etag = f'"{st.st_mtime_ns:x}-{size:x}"'
        action = fault.get("action") if fault else None
        rng = parse_range(self.headers.get("Range"), size)
        if action == "ignore_range":
            rng = None
        if_range = self.headers.get("If-Range")
        if rng is not None and if_range is not None and if_range != etag:
            rng = None
        if rng == "unsatisfiable":
            self.send_simple(416, b"", [("Content-Range", f"bytes */{size}")])
            return
        start, end = rng if rng else (0, size - 1)
        length = end - start + 1 if size else 0
        status = 206 if rng else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(st.st_mtime, usegmt=True))
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            self.log(status, 0)
            return
        limit = length
        if action == "drop_after":
            limit = min(length, int(fault.get("bytes", 0)))
        sent = 0
        try:
            with open(full, "rb") as f:
                f.seek(start)
                if action == "slow":
                    interval = float(fault.get("interval", 1))
                    while sent < limit:
                        self.wfile.write(f.read(1))
                        sent += 1
                        if self.client_gone(interval):
                            self.close_connection = True
                            break
                while sent < limit:
                    data = f.read(min(CHUNK, limit - sent))
                    if not data:
                        break
                    if action == "corrupt":
                        at = int(fault.get("offset", 0)) - (start + sent)
                        if 0 <= at < len(data):
                            data = bytearray(data)
                            data[at] ^= 0xFF
                            data = bytes(data)
                    self.wfile.write(data)
                    sent += len(data)
        except DISCONNECTS:
            self.close_connection = True
        if action == "drop_after":
            self.drop()
        self.log(status, sent)

    # PUT and POST

    def do_PUT(self):
        self.receive()

    def do_POST(self):
        self.receive()

    def receive(self):
        log_headers(self)
        path = urlsplit(self.path).path
        fault = take_fault(self.command, path)
        action = fault.get("action") if fault else None
        ctype = (self.headers.get("Content-Type") or "-").replace(" ", "") or "-"
        clen = (self.headers.get("Content-Length") or "-").replace(" ", "") or "-"
        extra = f" content-type={ctype} content-length={clen}"
        try:
            data = self.read_body(int(fault.get("bytes", 0)) if action == "drop_after" else None)
        except (ValueError, *DISCONNECTS):
            self.close_connection = True
            self.log(400, 0, extra)
            return
        if action == "drop_after":
            self.drop()
            self.log(0, len(data), extra)
            return
        if action == "status":
            status = int(fault.get("status", 500))
            headers = []
            if fault.get("retry_after") is not None:
                headers.append(("Retry-After", str(fault["retry_after"])))
            self.send_simple(status, f"{status} {phrase(status)}\n".encode(), headers)
            return
        status = 200
        if ARGS.upload_dir:
            full = local_path(ARGS.upload_dir, path)
            if full is None or full == ARGS.upload_dir:
                status = 403
            else:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".upload-")
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.rename(tmp, full)
        body = json.dumps({"path": path, "bytes": len(data)}).encode() + b"\n"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Mirror-Received", str(len(data)))
            self.end_headers()
            self.wfile.write(body)
        except DISCONNECTS:
            self.close_connection = True
        self.log(status, len(data), extra)

    def read_body(self, limit):
        """The request body (Content-Length or chunked); at most `limit` bytes when given."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while limit is None or len(data) < limit:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return bytes(data if limit is None else data[:limit])
        length = int(self.headers.get("Content-Length") or 0)
        if limit is not None:
            length = min(length, limit)
        data = bytearray()
        while len(data) < length:
            chunk = self.rfile.read(min(CHUNK, length - len(data)))
            if not chunk:
                break
            data += chunk
        return bytes(data)


def phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls = None

    def finish_request(self, request, client_address):
        if self.tls:
            # The handshake runs in the connection's own thread, never in the accept loop.
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, DISCONNECTS) or isinstance(exc, OSError):
            return
        traceback.print_exc()


def main():
    global ARGS
    p = argparse.ArgumentParser(description="static file server for tests")
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--log-headers")
    p.add_argument("--faults")
    p.add_argument("--upload-dir")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ARGS = p.parse_args()
    if ARGS.upload_dir:
        ARGS.upload_dir = os.path.abspath(ARGS.upload_dir)
    server = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        server.tls = ctx
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
