#!/usr/bin/python3
# tests/bench/search-faiss.py: the faiss side of tests/bench/search.sh.
#
# usage: search-faiss.py DIR DIMS REPEAT
#
# Loads DIR/vectors.f32 and DIR/queries.f32 (written by search-bench gen)
# into a faiss IndexFlatIP (exact inner product, the same ranking as cosine
# on unit vectors), times single queries (k = 10) as search-bench does (the
# median, best of REPEAT rounds) and a batch of all queries, and writes the
# top 10 of each query to DIR/faiss-top.txt.
import sys
import time

import faiss
import numpy as np

d = sys.argv[1]
dims = int(sys.argv[2])
repeat = int(sys.argv[3])
x = np.fromfile(d + "/vectors.f32", dtype=np.float32).reshape(-1, dims)
q = np.fromfile(d + "/queries.f32", dtype=np.float32).reshape(-1, dims)
index = faiss.IndexFlatIP(dims)
index.add(x)
index.search(q[:2], 10)
best = None
for r in range(repeat):
    t = []
    for i in range(len(q)):
        t0 = time.perf_counter()
        _, ids = index.search(q[i:i + 1], 10)
        t.append(time.perf_counter() - t0)
    t.sort()
    med = t[len(t) // 2]
    best = med if best is None else min(best, med)
t0 = time.perf_counter()
_, ids = index.search(q, 10)
batch = time.perf_counter() - t0
with open(d + "/faiss-top.txt", "w") as f:
    for row in ids:
        f.write(" ".join(str(int(v)) for v in row) + "\n")
print("faiss_version %s" % faiss.__version__)
print("faiss_threads %d" % faiss.omp_get_max_threads())
print("faiss_latency_ms %.3f" % (best * 1e3))
print("faiss_qps %.1f" % (1 / best))
print("faiss_batch_qps %.1f" % (len(q) / batch))
