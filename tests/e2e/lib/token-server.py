#!/usr/bin/env python3
"""A registry token service for the tests (the Docker token authentication spec).

GET /token?service=S&scope=repository:NAME:ACTIONS... with Basic USER:PASSWORD
answers {"token": JWT, "access_token": JWT}: an RS256 JWT signed with KEY and
carrying CERT in its x5c header, as Debian's docker-registry verifies it against
its rootcertbundle. Wrong or missing credentials get 401. Every request is one
line in --log ("GET /token scope=... auth=basic|none").
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--user", required=True, help="USER:PASSWORD")
    ap.add_argument("--issuer", required=True)
    args = ap.parse_args()

    with open(args.cert) as f:
        pem = f.read()
    der_b64 = "".join(l for l in pem.splitlines() if "-----" not in l)

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [der_b64]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=signing_input.encode(),
                             capture_output=True, check=True).stdout
        return signing_input + "." + b64url(sig)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            auth = self.headers.get("Authorization", "")
            ok = auth == "Basic " + base64.b64encode(args.user.encode()).decode()
            with open(args.log, "a") as log:
                log.write("GET %s scope=%s auth=%s\n" % (u.path, ",".join(q.get("scope", [])),
                                                          "basic" if auth.startswith("Basic ") else "none"))
            if u.path != "/token" or not ok:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            access = []
            for s in q.get("scope", []):
                parts = s.split(":")
                if len(parts) >= 3 and parts[0] == "repository":
                    access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                                   "actions": parts[-1].split(",")})
            now = int(time.time())
            token = sign({"iss": args.issuer, "sub": args.user.split(":")[0],
                          "aud": q.get("service", [""])[0], "exp": now + 600, "nbf": now - 60,
                          "iat": now, "jti": os.urandom(8).hex(), "access": access})
            body = json.dumps({"token": token, "access_token": token, "expires_in": 600}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
