#!/usr/bin/env python3
"""What bench/agents/run.sh talks to, in one process (standard library only):

- a git remote: `git http-backend` (Debian's git) as CGI under /git/, answering 401 until the push sends credentials,
  as GitHub does;
- the GitHub REST API stand-in: POST /repos/O/R/pulls (201 with number, html_url, head) and issue comments, each
  recorded with the time it arrived (CLOCK_REALTIME ns, the clock the spans use);
- an OTLP/HTTP trace receiver (POST /v1/traces, protobuf): every span as one JSON line (name, start, end, attributes).

  stand-in.py PORT GIT_ROOT OUT_DIR [ADDRESS...]   listens on 127.0.0.1 and each ADDRESS (the forge network's gateway)
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, GIT_ROOT, OUT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
PULLS = [0]


def record(name, obj):
    with LOCK, open(os.path.join(OUT, name), "a", encoding="utf-8") as f:
        f.write(json.dumps(obj) + "\n")


# ---- protobuf, just enough of it: varints, fixed64 and length-delimited fields.
def fields(buf):
    i, n = 0, len(buf)
    while i < n:
        key, i = varint(buf, i)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, i = varint(buf, i)
        elif kind == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif kind == 2:
            size, i = varint(buf, i)
            value, i = buf[i:i + size], i + size
        elif kind == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError("wire type %d" % kind)
        yield number, value


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def any_value(buf):
    for number, value in fields(buf):
        if number == 1:
            return value.decode("utf-8", "replace")
        if number in (2, 3):
            return value
    return None


def spans(body):
    """ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{2: Span}}}; Span: 1 trace_id, 2 span_id, 4 parent,
    5 name, 7 start, 8 end, 9 attributes (KeyValue{1 key, 2 AnyValue})."""
    for n1, resource in fields(body):
        if n1 != 1:
            continue
        for n2, scope in fields(resource):
            if n2 != 2:
                continue
            for n3, span in fields(scope):
                if n3 != 2:
                    continue
                out = {"attributes": {}}
                for number, value in fields(span):
                    if number == 1:
                        out["trace_id"] = value.hex()
                    elif number == 2:
                        out["span_id"] = value.hex()
                    elif number == 4:
                        out["parent_id"] = value.hex()
                    elif number == 5:
                        out["name"] = value.decode()
                    elif number == 7:
                        out["start"] = value
                    elif number == 8:
                        out["end"] = value
                    elif number == 9:
                        key, val = None, None
                        for kn, kv in fields(value):
                            if kn == 1:
                                key = kv.decode()
                            elif kn == 2:
                                val = any_value(kv)
                        out["attributes"][key] = val
                yield out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, obj=None, headers=()):
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/git/"):
            return self.git(b"")
        self.reply(404, {"message": "Not Found"})

    def do_POST(self):
        arrived = time.time_ns()
        body = self.body()
        if self.path.startswith("/git/"):
            return self.git(body)
        if self.path == "/v1/traces":
            for span in spans(body):
                record("spans.jsonl", span)
            return self.reply(200, {})
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls", self.path)
        if m:
            request = json.loads(body)
            with LOCK:
                PULLS[0] += 1
                number = PULLS[0]
            record("pulls.jsonl", {"arrived": arrived, "number": number, "request": request})
            return self.reply(201, {"number": number, "html_url": "https://github.example/%s/pull/%d" % (m.group(1), number),
                                    "state": "open", "head": {"ref": request.get("head"), "repo": {"full_name": m.group(1)}}})
        m = re.fullmatch(r"/repos/[^/]+/[^/]+/issues/\d+/comments", self.path)
        if m:
            record("comments.jsonl", {"arrived": arrived, "path": self.path, "body": json.loads(body).get("body")})
            return self.reply(201, {"id": 1})
        self.reply(404, {"message": "Not Found"})

    def git(self, body):
        arrived = time.time_ns()
        try:
            self.serve_git(body)
        finally:
            record("git.jsonl", {"arrived": arrived, "done": time.time_ns(), "request": self.command + " " + self.path,
                                 "authorized": "Authorization" in self.headers})

    def serve_git(self, body):
        if "Authorization" not in self.headers:
            return self.reply(401, {"message": "Requires authentication"}, [("WWW-Authenticate", 'Basic realm="git"')])
        path, _, query = self.path[len("/git"):].partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=GIT_ROOT, GIT_HTTP_EXPORT_ALL="1", REMOTE_USER="bench",
                   REQUEST_METHOD=self.command, PATH_INFO=path, QUERY_STRING=query,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(body)))
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


servers = [ThreadingHTTPServer((address, PORT), Handler) for address in ["127.0.0.1", *sys.argv[4:]]]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
servers[0].serve_forever()
