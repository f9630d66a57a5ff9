#!/usr/bin/python3
# tests/bench/hnsw-peers.py: the peers' side of tests/bench/hnsw.sh.
#
# usage: hnsw-peers.py DIR DIMS THREADS EFC EF,EF,... REPEAT KIND:M...
#
# Loads DIR/vectors.f32, DIR/queries.f32 and DIR/exact-top.txt (written by
# hnsw-bench), builds each index KIND:M (faiss: faiss.IndexHNSWFlat with
# inner product; hnswlib: hnswlib.Index, space "ip") with efConstruction
# EFC on THREADS threads (timed), then for each ef times single queries
# (k = 10) on one thread (the median, best of REPEAT rounds) and computes
# recall@10 against the exact top.  Prints "KIND_M_key value" lines; a peer
# that is not installed prints KIND_missing 1.
import sys
import time

import numpy as np

d, dims, threads, efc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4])
efs = [int(e) for e in sys.argv[5].split(",")]
repeat = int(sys.argv[6])
x = np.fromfile(d + "/vectors.f32", dtype=np.float32).reshape(-1, dims)
q = np.fromfile(d + "/queries.f32", dtype=np.float32).reshape(-1, dims)
exact = [set(int(v) for v in l.split()) for l in open(d + "/exact-top.txt")]


def recall(rows):
    hit = sum(len(exact[i] & set(int(v) for v in r)) for i, r in
              enumerate(rows))
    return hit / sum(len(e) for e in exact)


def timed(search):
    best = None
    rows = None
    for _ in range(repeat):
        t = []
        rows = []
        for i in range(len(q)):
            t0 = time.perf_counter()
            rows.append(search(q[i:i + 1]))
            t.append(time.perf_counter() - t0)
        t.sort()
        med = t[len(t) // 2]
        best = med if best is None else min(best, med)
    return best, rows


for spec in sys.argv[7:]:
    kind, m = spec.split(":")
    m = int(m)
    key = "%s_%d" % (kind, m)
    if kind == "faiss":
        try:
            import faiss
        except ImportError:
            print("faiss_missing 1")
            continue
        faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(dims, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = efc
        t0 = time.perf_counter()
        index.add(x)
        print("%s_build_s %.2f" % (key, time.perf_counter() - t0))
        faiss.omp_set_num_threads(1)
        for ef in efs:
            index.hnsw.efSearch = ef
            index.search(q[:4], 10)
            ms, rows = timed(lambda v: index.search(v, 10)[1][0])
            print("%s_ef%d_ms %.3f" % (key, ef, ms * 1e3))
            print("%s_ef%d_recall %.4f" % (key, ef, recall(rows)))
            sys.stdout.flush()
        del index
    elif kind == "hnswlib":
        try:
            import hnswlib
        except ImportError:
            print("hnswlib_missing 1")
            continue
        index = hnswlib.Index(space="ip", dim=dims)
        index.init_index(max_elements=len(x), M=m, ef_construction=efc,
                         random_seed=100)
        t0 = time.perf_counter()
        index.add_items(x, np.arange(len(x)), num_threads=threads)
        print("%s_build_s %.2f" % (key, time.perf_counter() - t0))
        index.set_num_threads(1)
        for ef in efs:
            index.set_ef(max(ef, 10))
            index.knn_query(q[:4], k=10)
            ms, rows = timed(lambda v: index.knn_query(v, k=10)[0][0])
            print("%s_ef%d_ms %.3f" % (key, ef, ms * 1e3))
            print("%s_ef%d_recall %.4f" % (key, ef, recall(rows)))
            sys.stdout.flush()
        del index
