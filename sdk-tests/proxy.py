#!/usr/bin/env python3
"""A tiny logging reverse proxy in front of revdir, for the SDK smoke tests.

It forwards every request unchanged to --upstream and appends one JSON line per
exchange to --log (method, path with query, request headers, request body,
status, response body), so the exact wire form an SDK produces can be read back.

With --tls-cert/--tls-key it terminates TLS, which lets an SDK that insists on
https:// base URLs (devrev-python-sdk) talk to a plain-http revdir without any
change to the SDK: trust the certificate with SSL_CERT_FILE.

Only the standard library is used. On start it prints one line,
`proxy listening on <scheme>://<host>:<port>`, and serves until killed.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import ssl
import sys
import threading
import urllib.parse

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


def redact_authorization(value: str) -> str:
    """Keeps the scheme (if any) and the token's first characters and length."""
    scheme, sep, rest = value.partition(" ")
    if sep and scheme.lower() in {"bearer", "basic", "token"}:
        return f"{scheme} {rest[:10]}…(len {len(rest)})"
    return f"{value[:10]}…(len {len(value)}, no scheme)"


def decode_body(raw: bytes) -> object:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def make_handler(upstream: urllib.parse.SplitResult, log_file, lock: threading.Lock):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the JSON log is the record

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = upstream.netloc
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=60)
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
                resp_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            except OSError as e:
                payload = json.dumps({"message": f"proxy: upstream failed: {e}"}).encode()
                status = 502
                resp_headers = [("Content-Type", "application/json")]
            finally:
                conn.close()

            self.send_response_only(status)
            for k, v in resp_headers:
                if k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

            logged_headers = {}
            for k, v in self.headers.items():
                logged_headers[k] = redact_authorization(v) if k.lower() == "authorization" else v
            split = urllib.parse.urlsplit(self.path)
            entry = {
                "method": self.command,
                "path": split.path,
                "raw_query": split.query,
                "decoded_query": urllib.parse.parse_qsl(split.query, keep_blank_values=True),
                "request_headers": logged_headers,
                "request_body": decode_body(body),
                "status": status,
                "response_body": decode_body(payload),
            }
            with lock:
                log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log_file.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    return Handler


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8080")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--log", required=True, help="file to append JSON lines to")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()

    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http":
        p.error("--upstream must be an http:// URL")
    host, _, port = args.listen.rpartition(":")
    log_file = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    server = http.server.ThreadingHTTPServer((host, int(port)), make_handler(upstream, log_file, threading.Lock()))
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    addr, bound_port = server.server_address[:2]
    print(f"proxy listening on {scheme}://{addr}:{bound_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
