#!/usr/bin/env python3
"""embed-server.py: a local OpenAI-compatible embeddings server for tests.

Serves POST /v1/embeddings (and /embeddings) on 127.0.0.1, on a free port
that it prints on standard output (one line) once it listens.  Python 3
standard library only.  It exits by itself after --idle seconds without a
request (and in any case after --lifetime seconds), so a test that dies
cannot leave it behind.

The vector of a text is a pure function of the text (see vector()), made of
multiples of 1/1024 so that it is exactly a float32: a test can check every
record it gets back with --verify.

Faults are selected by the model name (or an X-Fault header), a list of
words separated by '+', e.g. "m+429:1+slow:2":

  dims:N      vectors of N dimensions (default 8)
  429:K       the first K requests get 429 with Retry-After: 1
  500:K       the first K requests get 500
  slow:K      the first K requests are answered after 3 seconds
  badjson     the answer is malformed JSON
  count       the answer has one vector fewer than inputs
  baddims     the second vector of each answer has one dimension fewer
  toolong:N   a request with an input longer than N characters gets 400
              "maximum context length exceeded"
  shuffle     entries are returned in reverse order (with their index)
  noindex     entries have no "index" member (in order)
  auth:KEY    requests without "Authorization: Bearer KEY" get 401
  delay       each request waits a random 0-50 ms (to mix up answers)
  latency     each request waits 20 ms (a stand-in for a model)
  empty       the first vector of each answer is []
  huge        the answer claims 4 GiB and sends white space until the
              client hangs up
  endless     a chunked answer of white space that never ends
  gzipbomb    a gzip-encoded answer of 64 KiB that inflates to 64 MiB

Each request is appended to --log as one line:
  MODEL<TAB>INPUTS<TAB>STATUS<TAB>AUTHORIZATION
and GET /stats answers {"requests":N,"inputs":M}.  GET /fault?SPEC sets
faults for every request from then on (added to the model's own; GET
/fault clears them), so that one model name can meet several faults.

  embed-server.py --verify [--dims N] [MODEL] < records.jsonl
checks that every record's "embedding" is vector(text) (the text quarry
sends: with the title and heading path when it has "embed_hash"; and "model",
when MODEL is given) and prints "N records verified", or the first
mismatch and exits 1.
"""

import argparse
import http.server
import json
import random
import socket
import struct
import sys
import threading
import time


def vector(text, dims):
    """The test vector of text: exact multiples of 1/1024 in [-1, 1)."""
    s = sum(ord(c) for c in text)
    n = len(text)
    return [((s * (j + 1) + 31 * n * j) % 2001 - 1000) / 1024.0
            for j in range(dims)]


def parse_faults(spec):
    faults = {}
    for word in spec.split("+"):
        if ":" in word:
            k, v = word.split(":", 1)
            faults[k] = v
        else:
            faults[word] = ""
    return faults


class State:
    def __init__(self, log):
        self.lock = threading.Lock()
        self.per_model = {}
        self.requests = 0
        self.inputs = 0
        self.last = time.monotonic()
        self.log = log
        self.fault = ""

    def count(self, model, ninputs):
        with self.lock:
            self.requests += 1
            self.inputs += ninputs
            self.last = time.monotonic()
            k = self.per_model.get(model, 0) + 1
            self.per_model[model] = k
            return k

    def record(self, model, ninputs, status, auth):
        if self.log:
            with self.lock, open(self.log, "a") as f:
                f.write("%s\t%d\t%d\t%s\n" % (model, ninputs, status, auth))


STATE = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer (flushed after each request), and no Nagle
    # delay: otherwise every keep-alive answer waits 40 ms for an ACK.
    wbufsize = 1 << 16

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def flood(self, faults):
        """Answers with a body far larger than any real answer."""
        block = b'{"data":[' + b" " * 65527
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if "gzipbomb" in faults:
                import gzip
                body = gzip.compress(block + b" " * (64 << 20), 9)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return 200
            if "huge" in faults:
                self.send_header("Content-Length", str(4 << 30))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if "huge" in faults:
                    self.wfile.write(block)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                block = b" " * 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
        return 200

    def do_GET(self):
        if self.path.startswith("/fault"):
            from urllib.parse import unquote
            with STATE.lock:
                STATE.fault = unquote(self.path.partition("?")[2])
                STATE.per_model = {}
            self.reply(200, {"fault": STATE.fault})
        elif self.path == "/stats":
            self.reply(200, {"requests": STATE.requests,
                             "inputs": STATE.inputs})
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path not in ("/v1/embeddings", "/embeddings"):
            self.reply(404, {"error": {"message": "no such endpoint"}})
            return
        try:
            req = json.loads(raw)
            model = req["model"]
            inputs = req["input"]
            if isinstance(inputs, str):
                inputs = [inputs]
        except (ValueError, KeyError, TypeError):
            self.reply(400, {"error": {"message": "bad request"}})
            return
        auth = self.headers.get("Authorization", "")
        n = STATE.count(model, len(inputs))
        spec = self.headers.get("X-Fault", model)
        if STATE.fault:
            spec += "+" + STATE.fault
        faults = parse_faults(spec)
        status = self.answer(faults, n, inputs, model, auth)
        STATE.record(model, len(inputs), status, auth)

    def answer(self, faults, n, inputs, model, auth):
        dims = int(faults.get("dims", "8"))
        if "delay" in faults:
            time.sleep(random.random() * 0.05)
        if "latency" in faults:
            time.sleep(0.02)
        if "auth" in faults and auth != "Bearer " + faults["auth"]:
            self.reply(401, {"error": {"message": "missing or wrong API key"}})
            return 401
        if "429" in faults and n <= int(faults["429"] or 1):
            self.reply(429, {"error": {"message": "rate limited"}},
                       [("Retry-After", "1")])
            return 429
        if "500" in faults and n <= int(faults["500"] or 1):
            self.reply(500, {"error": {"message": "injected failure"}})
            return 500
        if "slow" in faults and n <= int(faults["slow"] or 1):
            time.sleep(3)
        if "toolong" in faults:
            limit = int(faults["toolong"])
            if any(len(t) > limit for t in inputs):
                self.reply(400, {"error": {"message":
                    "This model's maximum context length is %d tokens" %
                    limit}})
                return 400
        if "huge" in faults or "endless" in faults or "gzipbomb" in faults:
            return self.flood(faults)
        if "badjson" in faults:
            self.reply(200, b'{"data":[{"index":0,"embedding":[0.5,')
            return 200
        data = [{"object": "embedding", "index": i,
                 "embedding": vector(t, dims)} for i, t in enumerate(inputs)]
        if "count" in faults:
            data = data[:-1]
        if "empty" in faults and data:
            data[0]["embedding"] = []
        if "baddims" in faults and len(data) > 1:
            data[1]["embedding"] = data[1]["embedding"][:-1]
        if "shuffle" in faults:
            data.reverse()
        if "noindex" in faults:
            for d in data:
                del d["index"]
        self.reply(200, {"object": "list", "data": data, "model": model,
                         "usage": {"prompt_tokens": 0, "total_tokens": 0}})
        return 200


def sent_text(rec):
    """The text quarry embeds for rec (src/vectors.c): with "embed_hash",
    the title and the heading path on lines of their own above the text."""
    if "embed_hash" not in rec:
        return rec["text"]
    head = ""
    if rec.get("title"):
        head += rec["title"] + "\n"
    path = " > ".join(h for h in rec.get("headings", []) if h)
    if path:
        head += path + "\n"
    return head + "\n" + rec["text"]


def verify(args):
    count = 0
    for lineno, line in enumerate(sys.stdin, 1):
        rec = json.loads(line)
        want = vector(sent_text(rec), args.dims)
        got = rec.get("embedding")
        if isinstance(got, list) and all(isinstance(x, float) for x in got):
            # Printed with 9 digits: compare as the float32 values they are.
            got = [struct.unpack("f", struct.pack("f", x))[0] for x in got]
        if got != want:
            print("line %d: embedding %r, expected %r"
                  % (lineno, rec.get("embedding"), want))
            return 1
        if args.model and rec.get("model") != args.model:
            print("line %d: model %r, expected %r"
                  % (lineno, rec.get("model"), args.model))
            return 1
        count += 1
    print("%d records verified" % count)
    return 0


def main():
    global STATE
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--dims", type=int, default=8)
    ap.add_argument("model", nargs="?")
    args = ap.parse_args()
    if args.verify:
        sys.exit(verify(args))

    STATE = State(args.log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A client that hangs up on a flood is expected: no traceback.
    server.handle_error = lambda request, address: None
    start = time.monotonic()

    def watchdog():
        while True:
            time.sleep(0.2)
            t = time.monotonic()
            if t - STATE.last > args.idle or t - start > args.lifetime:
                server.shutdown()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
