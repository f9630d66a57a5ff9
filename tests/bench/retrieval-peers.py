#!/usr/bin/env python3
"""Peers of tests/bench/retrieval.sh: BM25 with SQLite FTS5 and with Xapian.

usage: retrieval-peers.py SYSTEM CORPUS QUERIES QRELS RUN
SYSTEM is fts5 or xapian.  CORPUS is BEIR's corpus.jsonl ({"_id","title",
"text"}); QUERIES its queries.jsonl; only the queries judged in QRELS (BEIR
TSV) are asked.  Each document is indexed as title + text in one field, with
the engine's English stemming (FTS5 in memory: the porter tokenizer over unicode61;
Xapian, a Glass database on disk: the Snowball English stemmer), and each query's words are OR-ed and
ranked by the engine's BM25 (FTS5: bm25(), k1 1.2 b 0.75; Xapian:
BM25Weight, its defaults).  The top 100 of each query go to RUN as a TREC
run.  Prints "SYSTEM index SECONDS query SECONDS" on stdout.
"""
import json
import re
import sys
import time

system, corpus, queries, qrels, run = sys.argv[1:6]
docs = [json.loads(l) for l in open(corpus, encoding='utf-8')]
judged = set()
for n, l in enumerate(open(qrels, encoding='utf-8')):
    p = l.split()
    if len(p) >= 3 and not (n == 0 and not p[-1].lstrip('-').isdigit()):
        judged.add(p[0])
qs = [q for q in map(json.loads, open(queries, encoding='utf-8'))
      if q['_id'] in judged]
WORD = re.compile(r'\w+', re.UNICODE)
out = open(run, 'w')


def write(qid, ranked):
    # ranked: (docid, score) best first; scores made strictly decreasing.
    prev = None
    for i, (d, s) in enumerate(ranked):
        if prev is not None and s >= prev:
            s = prev - 1e-9
        prev = s
        out.write('%s Q0 %s %d %.9f %s\n' % (qid, d, i + 1, s, system))


if system == 'fts5':
    import sqlite3
    t0 = time.time()
    db = sqlite3.connect(':memory:')
    db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, body, "
               "tokenize = 'porter unicode61 remove_diacritics 2')")
    db.executemany('INSERT INTO d VALUES (?, ?)',
                   ((d['_id'], d['title'] + '\n' + d['text']) for d in docs))
    db.commit()
    t1 = time.time()
    for q in qs:
        words = WORD.findall(q['text'])
        if not words:
            continue
        expr = ' OR '.join('"%s"' % w.replace('"', '""') for w in words)
        rows = db.execute('SELECT id, bm25(d) FROM d WHERE d MATCH ? '
                          'ORDER BY bm25(d) LIMIT 100', (expr,)).fetchall()
        # bm25() is negative, better is smaller: negate for the run.
        write(q['_id'], [(i, -s) for i, s in rows])
    t2 = time.time()
elif system == 'xapian':
    import tempfile
    import xapian
    tmp = tempfile.TemporaryDirectory()
    t0 = time.time()
    db = xapian.WritableDatabase(tmp.name + '/db', xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem('english'))
    for d in docs:
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(d['title'])
        tg.increase_termpos()
        tg.index_text(d['text'])
        doc.set_data(d['_id'])
        db.add_document(doc)
    db.commit()
    t1 = time.time()
    qp = xapian.QueryParser()
    qp.set_stemmer(xapian.Stem('english'))
    qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
    qp.set_default_op(xapian.Query.OP_OR)
    enq = xapian.Enquire(db)
    enq.set_weighting_scheme(xapian.BM25Weight())
    for q in qs:
        enq.set_query(qp.parse_query(q['text']))
        write(q['_id'], [(m.document.get_data().decode(), m.weight)
                         for m in enq.get_mset(0, 100)])
    t2 = time.time()
else:
    sys.exit('unknown system ' + system)
out.close()
print('%s index %.2f query %.2f' % (system, t1 - t0, t2 - t1))
