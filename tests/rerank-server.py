#!/usr/bin/env python3
"""rerank-server.py: a local /v1/rerank server for tests, with faults.

Serves POST /v1/rerank (and /rerank) on 127.0.0.1, on a free port that it
prints on standard output (one line) once it listens.  Python 3 standard
library only.  It exits by itself after --idle seconds without a request
(and in any case after --lifetime seconds), so that a test that dies cannot
leave it behind.

The relevance of a document is score(query, document): the number of
distinct query words (lower case, \\w+) found in the document, plus
1 / (2 + its length in characters).  Results come back best first, as
Cohere, Jina and llama.cpp answer, each with its "index".

Faults are selected by the model name, a list of words separated by '+',
e.g. "m+429:1":

  429:K       the first K requests get 429 with Retry-After: 1
  500:K       the first K requests get 500
  slow:K      the first K requests are answered after 3 seconds
  badjson     the answer is malformed JSON
  count       the answer has one result fewer than documents
  range       the last result's index is the number of documents
  dup         the last result repeats the first one's index
  noscore     results have no "relevance_score"
  noresults   the answer is {"data": 1}
  auth:KEY    requests without "Authorization: Bearer KEY" get 401
  tei         the answer is a bare array with "score" (Text Embeddings
              Inference)

Each request is appended to --log as one line:
  MODEL<TAB>DOCUMENTS<TAB>TOP_N<TAB>STATUS<TAB>AUTHORIZATION

  rerank-server.py --score QUERY DOCUMENT   prints score(QUERY, DOCUMENT)
"""

import argparse
import http.server
import json
import re
import sys
import threading
import time

WORD = re.compile(r"\w+")


def score(query, doc):
    q = set(WORD.findall(query.lower()))
    d = set(WORD.findall(doc.lower()))
    return len(q & d) + 1.0 / (2 + len(doc))


class State:
    lock = threading.Lock()
    per_model = {}
    last = time.monotonic()
    log = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        State.last = time.monotonic()
        if self.path.rstrip("/") not in ("/v1/rerank", "/rerank"):
            return self.reply(404, {"error": {"message": "no such path"}})
        try:
            req = json.loads(raw)
            query, docs = req["query"], req["documents"]
            assert isinstance(query, str)
            assert all(isinstance(d, str) for d in docs)
            top_n = req.get("top_n", len(docs))
        except Exception as e:
            return self.reply(400, {"error": {"message": "bad request: %s" % e}})
        model = req.get("model", "")
        faults = {}
        for w in model.split("+"):
            k, _, v = w.partition(":")
            faults[k] = v
        with State.lock:
            k = State.per_model.get(model, 0) + 1
            State.per_model[model] = k
        auth = self.headers.get("Authorization", "")
        status = 200
        if "auth" in faults and auth != "Bearer " + faults["auth"]:
            status = 401
        elif "429" in faults and k <= int(faults["429"]):
            status = 429
        elif "500" in faults and k <= int(faults["500"]):
            status = 500
        if State.log:
            with State.lock, open(State.log, "a") as f:
                f.write("%s\t%d\t%s\t%d\t%s\n" % (model, len(docs), top_n, status, auth))
        if status == 401:
            return self.reply(401, {"error": {"message": "invalid api key"}})
        if status == 429:
            return self.reply(429, {"error": {"message": "slow down"}},
                              [("Retry-After", "1")])
        if status == 500:
            return self.reply(500, b"internal trouble")
        if "slow" in faults and k <= int(faults["slow"]):
            time.sleep(3)
        if "badjson" in faults:
            return self.reply(200, b'{"results":[{"index":0,')
        if "noresults" in faults:
            return self.reply(200, {"data": 1})
        res = [{"index": i, "relevance_score": score(query, d)}
               for i, d in enumerate(docs)]
        res.sort(key=lambda r: (-r["relevance_score"], r["index"]))
        res = res[:top_n]
        if "count" in faults:
            res = res[:-1]
        if "range" in faults and res:
            res[-1]["index"] = len(docs)
        if "dup" in faults and len(res) > 1:
            res[-1]["index"] = res[0]["index"]
        if "noscore" in faults:
            for r in res:
                del r["relevance_score"]
        if "tei" in faults:
            return self.reply(200, [{"index": r["index"], "score": r["relevance_score"]} for r in res])
        self.reply(200, {"model": model, "results": res,
                         "usage": {"total_tokens": 1}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--score", nargs=2)
    a = ap.parse_args()
    if a.score:
        print(repr(score(*a.score)))
        return
    State.log = a.log
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    start = time.monotonic()
    while True:
        time.sleep(0.2)
        now = time.monotonic()
        if now - State.last > a.idle or now - start > a.lifetime:
            break
    srv.shutdown()


if __name__ == "__main__":
    main()
