#!/bin/sh
# bench/pdf.sh: quarry-pdf against pdftotext (poppler-utils, the same
# engine), PyMuPDF (python3-fitz) and pdfminer.six (python3-pdfminer) on the
# same PDFs in one run.  Run by "make bench", not by "make check".
#
#  1. Throughput, one process at a time: pages per CPU-second (user+sys of
#     the tool and its children, robust on a shared machine) over up to
#     $PDF_BENCH_PAGES pages (default 1250) of the TeX documentation PDFs
#     of Debian's texlive-latex-base-doc (installed here when missing and
#     we are root), else of the shared corpus.  pdfminer.six is much slower
#     and runs on the first tenth of the files only.
#  2. -j 2 on one multi-page PDF: wall-clock pages per second of
#     quarry-pdf -j 1 and -j 2 against pdftotext, best of 5 runs (with the
#     CPU time of that run).
#  3. Per-file cost over the corpus's readable PDFs, one process per file
#     (quarry-pdf extracts a lone file in process), against pdftotext, in
#     $PDF_BENCH_ROUNDS interleaved rounds (3), with --ocr=never (pdftotext
#     reads text layers only; the default's OCR is timed apart, unless
#     PDF_BENCH_OCR=0); a two-page PDF and start-up alone, $PDF_BENCH_RUNS
#     runs each (200); the libraries, relocations and instruction counts
#     (valgrind's callgrind, when installed) of both.
#  4. When $QUARRY_CORPUS/pdf/docling/groundtruth/ exists: token F1 against
#     those reviewed transcriptions (the corpus's score_text.py), for
#     quarry-pdf, pdftotext and PyMuPDF, per file with the delta to
#     pdftotext (and to a baseline quarry-pdf, e.g. main's, when
#     $QUARRY_PDF_BASELINE names one), and a side-by-side sample.
#  5. Headings against the outlines of Debian manuals (pdf-headings.py) and
#     the share of chunks from contents and index pages.
# PDF_BENCH_ONLY=cost,quality (a comma list of throughput, jobs, cost,
# quality, headings) runs those parts only.
set -eu
LC_ALL=C
export LC_ALL
: "${srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
Q=$top_builddir/filters/quarry-pdf
[ -x "$Q" ] || { echo "pdf.sh: build quarry-pdf first" >&2; exit 1; }
QUARRY_CORPUS=${QUARRY_CORPUS:-$srcdir/../shared/corpus}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for p in pdftotext pdfinfo python3; do
	command -v $p >/dev/null || { echo "pdf.sh: $p is missing (apt-get install poppler-utils python3)" >&2; exit 1; }
done
TEXDOC=/usr/share/doc/texlive-doc
if [ ! -d "$TEXDOC/latex" ] && [ "$(id -u)" = 0 ]; then
	echo "installing texlive-latex-base-doc for the PDFs..."
	apt-get install -y texlive-latex-base-doc >/dev/null 2>&1 || true
fi
# The Python peers, from Debian; a peer that is missing is reported as
# skipped, never timed as an empty run.
for m in fitz:python3-fitz pdfminer:python3-pdfminer; do
	/usr/bin/python3 -c "import ${m%%:*}" 2>/dev/null && continue
	[ "$(id -u)" = 0 ] && [ -z "${QUARRY_NO_APT:-}" ] &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${m#*:}" >/dev/null 2>&1 || true
done

"${PYTHON3:-python3}" - "$Q" "$tmp" "$TEXDOC" "$QUARRY_CORPUS" "${PDF_BENCH_PAGES:-1250}" <<'PY'
import json, os, resource, shlex, subprocess, sys, time
# Debian's python3-fitz and python3-pdfminer live in the system Python.
PY = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
Q, tmp, texdoc, corpus, budget = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
only = os.environ.get('PDF_BENCH_ONLY', 'throughput,jobs,cost,quality,headings').split(',')
def have(mod):
    return subprocess.run([PY, '-c', 'import ' + mod], capture_output=True).returncode == 0
HAVE_FITZ, HAVE_MINER = have('fitz'), have('pdfminer')
for ok, name, pkg in ((HAVE_FITZ, 'PyMuPDF', 'python3-fitz'), (HAVE_MINER, 'pdfminer.six', 'python3-pdfminer')):
    if not ok:
        print('%s: skipped (apt-get install %s)' % (name, pkg))

def pages(f):
    r = subprocess.run(['pdfinfo', f], capture_output=True, text=True, errors='replace')
    for l in r.stdout.splitlines():
        if l.startswith('Pages:'):
            return int(l.split()[1])
    return 0

def cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime

def timed(cmd, **kw):
    c0, w0 = cpu(), time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return cpu() - c0, time.monotonic() - w0

# --- the PDF set
files = []
if os.path.isdir(texdoc + '/latex'):
    cand = sorted(os.path.join(d, f) for d, _, fs in os.walk(texdoc) for f in fs if f.endswith('.pdf'))
    src = 'texlive-latex-base-doc'
else:
    cand = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus + '/pdf') for f in fs if f.endswith('.pdf'))
    src = 'shared corpus'
total = 0
for f in cand:
    n = pages(f)
    if n == 0 or n > 200 or total + n > budget:
        continue
    files.append((f, n)); total += n
open(tmp + '/list', 'w').write(''.join(f + '\n' for f, _ in files))
print('PDF throughput: %d PDFs, %d pages (%s), one process at a time' % (len(files), total, src))

mupdf = '''import sys, fitz
for f in open(sys.argv[1]).read().split("\\n"):
    if not f: continue
    try:
        d = fitz.open(f)
        for p in d: sys.stdout.write(p.get_text()); sys.stdout.write("\\f")
    except Exception as e: sys.stderr.write("%s: %s\\n" % (f, e))
'''
miner = '''import sys
from pdfminer.high_level import extract_text
for f in open(sys.argv[1]).read().split("\\n"):
    if not f: continue
    try: sys.stdout.write(extract_text(f))
    except Exception as e: sys.stderr.write("%s: %s\\n" % (f, e))
'''
open(tmp + '/mupdf.py', 'w').write(mupdf)
open(tmp + '/miner.py', 'w').write(miner)
if 'throughput' in only:
    res = {}
    res['quarry-pdf'] = timed([Q, '-q', '--timeout', '300', '--files-from', tmp + '/list']) + (total,)
    c = w = 0.0
    for f, _ in files:
        a, b = timed(['pdftotext', '-q', '-enc', 'UTF-8', f, '-']); c += a; w += b
    res['pdftotext'] = (c, w, total)
    if HAVE_FITZ:
        res['PyMuPDF'] = timed([PY, tmp + '/mupdf.py', tmp + '/list']) + (total,)
    sub = files[:max(1, len(files) // 10)]
    open(tmp + '/sub', 'w').write(''.join(f + '\n' for f, _ in sub))
    if HAVE_MINER:
        res['pdfminer.six'] = timed([PY, tmp + '/miner.py', tmp + '/sub']) + (sum(n for _, n in sub),)
    base = res['pdftotext'][2] / res['pdftotext'][0]
    print('%-14s %8s %8s %10s %s' % ('tool', 'CPU s', 'pages', 'pages/CPU-s', 'vs pdftotext'))
    for k, (c, w, n) in res.items():
        print('%-14s %8.2f %8d %10.0f %6.2fx%s' % (k, c, n, n / c, (n / c) / base,
              '  (first %d PDFs)' % len(sub) if k == 'pdfminer.six' else ''))
    q = res['quarry-pdf']
    print('quarry-pdf time / pdftotext time (same pages, CPU): %.2f (target <= 1.10)' % (q[0] / res['pdftotext'][0]))

# --- -j 2 on one multi-page PDF
big = None
for f in cand:
    n = pages(f)
    if 150 <= n <= 700 and (big is None or n > big[1]):
        big = (f, n)
if big and 'jobs' in only:
    f, n = big
    print('\n-j 2 on one PDF: %s (%d pages), wall-clock, best of 5' % (os.path.basename(f), n))
    cmds = (['pdftotext', '-q', '-enc', 'UTF-8', f, '-'], [Q, '-q', f], [Q, '-q', '-j', '2', f])
    runs = [[], [], []]
    for _ in range(5):	# interleaved, so that a busy spell hits all three
        for i, cmd in enumerate(cmds):
            runs[i].append(timed(cmd)[::-1])
    (pt, ptc), (j1, j1c), (j2, j2c) = (min(r) for r in runs)
    print('pdftotext       %6.2f s %7.0f pages/s  (CPU %.2f s)' % (pt, n / pt, ptc))
    print('quarry-pdf -j1  %6.2f s %7.0f pages/s  (CPU %.2f s)  %.2fx pdftotext' % (j1, n / j1, j1c, pt / j1))
    print('quarry-pdf -j2  %6.2f s %7.0f pages/s  (CPU %.2f s)  %.2fx pdftotext (target >= 1.8x)' % (j2, n / j2, j2c, pt / j2))

# --- per-file cost: one process per file, as a Makefile runs it
mf = corpus + '/pdf/manifest.tsv'
if os.path.exists(mf) and 'cost' in only:
    rows = [l.rstrip('\n').split('\t') for l in open(mf, encoding='utf-8')]
    head = rows[0]
    rows = [dict(zip(head, r)) for r in rows[1:]]
    readable = [corpus + '/pdf/' + r['path'] for r in rows
                if r['category'] in ('ok', 'damaged-recoverable', 'encrypted-empty-user-password')
                and r['poppler_glib'].startswith('ok')]
    one = corpus + '/pdf/docling/picture_classification.pdf'
    def per_file(cmd, fs, reps=1):
        c = 0.0
        for _ in range(reps):
            for f in fs:
                c += timed(cmd(f))[0]
        return c / reps
    # Like for like: pdftotext reads the text layer only, so quarry-pdf's
    # OCR of pages without one (--ocr auto, the default) is left out here
    # and measured apart below.
    qc = lambda f: [Q, '-q', '--ocr=never', f]
    pc = lambda f: ['pdftotext', '-q', '-enc', 'UTF-8', f, '-']
    rounds = int(os.environ.get('PDF_BENCH_ROUNDS', '3'))
    # interleaved rounds, so that a busy spell hits both
    tq = tp = 0.0
    for _ in range(rounds):
        tq += per_file(qc, readable); tp += per_file(pc, readable)
    print('\nPer-file cost, one process per file over the corpus\'s %d readable PDFs (CPU, %d rounds):' % (len(readable), rounds))
    print('  quarry-pdf --ocr=never %.2f s, pdftotext %.2f s: %.2fx (target <= 1.15)' % (tq / rounds, tp / rounds, tq / tp))
    if os.environ.get('PDF_BENCH_OCR', '1') != '0':
        to = per_file(lambda f: [Q, '-q', f], readable)
        print('  quarry-pdf with its default --ocr=auto (pages without text read by Tesseract), one round: %.2f s' % to)
    if os.path.exists(one):
        n1 = int(os.environ.get('PDF_BENCH_RUNS', '200'))
        tq = tp = tv = tpv = 0.0
        for _ in range(n1):
            tq += timed(qc(one))[0]; tp += timed(pc(one))[0]
            tv += timed([Q, '--version'])[0]; tpv += timed(['pdftotext', '-v'])[0]
        print('  one small PDF (%s, %d pages), %d runs: quarry-pdf %.1f ms, pdftotext %.1f ms CPU: %.2fx (target <= 1.2)' %
              (os.path.basename(one), pages(one), n1, tq * 1e3 / n1, tp * 1e3 / n1, tq / tp))
        print('  start-up alone (--version / -v): quarry-pdf %.1f ms, pdftotext %.1f ms CPU: %.2fx' % (tv * 1e3 / n1, tpv * 1e3 / n1, tv / tpv))
        # The start-up breakdown: shared libraries, the dynamic loader's
        # symbol relocations, and instruction counts (callgrind: repeatable
        # on a busy machine, where CPU times are not).
        def libs(cmd):
            r = subprocess.run(['ldd', cmd], capture_output=True, text=True)
            return sum(1 for l in r.stdout.splitlines() if '=>' in l or 'ld-linux' in l)
        def relocs(cmd):
            r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, LD_DEBUG='statistics'))
            for l in r.stderr.splitlines():
                if 'number of relocations:' in l and 'final' not in l:
                    return int(l.split(':')[-1])
            return 0
        pt = subprocess.run(['sh', '-c', 'command -v pdftotext'], capture_output=True, text=True).stdout.strip()
        print('  shared libraries loaded: quarry-pdf %d, pdftotext %d; symbol relocations at start: %d, %d' %
              (libs(Q), libs(pt), relocs([Q, '--version']), relocs(['pdftotext', '-v'])))
        vg = subprocess.run(['sh', '-c', 'command -v valgrind'], capture_output=True, text=True).stdout.strip()
        if vg:
            def instr(cmd):
                out = tmp + '/cg.out'
                r = subprocess.run([vg, '--tool=callgrind', '--callgrind-out-file=' + out] + cmd,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for l in r.stderr.splitlines():
                    if 'refs:' in l:
                        return int(l.split()[-1].replace(',', ''))
                return 0
            iq, ip = instr(qc(one)), instr(pc(one))
            sq, sp = instr([Q, '--version']), instr(['pdftotext', '-v'])
            if iq and ip and sq and sp:
                print('  instructions (callgrind): one small PDF quarry-pdf %.1fM, pdftotext %.1fM: %.2fx; start-up %.1fM, %.1fM: %.2fx' %
                      (iq / 1e6, ip / 1e6, iq / ip, sq / 1e6, sp / 1e6, sq / sp))
    print('  load average: %s' % open('/proc/loadavg').read().split()[0] if os.path.exists('/proc/loadavg') else '')

# --- accuracy against docling's transcriptions
gt = corpus + '/pdf/docling/groundtruth'
score = corpus + '/pdf/score_text.py'
if os.path.isdir(gt) and os.path.exists(score) and 'quality' in only:
    print('\nToken F1 against docling ground truth (%s):' % gt)
    # The ground truth transcribes contents pages, which quarry-pdf leaves
    # out by default (#16; their share is measured by pdf-headings.py):
    # the comparison keeps them, and the default's figure follows.
    def qcmd(q, opt='--keep-contents'):
        return '%s -q %s {} | %s -c "import json,sys; [sys.stdout.write(json.loads(l)[\'text\']) for l in sys.stdin]"' % (shlex.quote(q), opt, shlex.quote(sys.executable))
    qtext = qcmd(Q)
    mtext = '%s -c "import sys,fitz; [sys.stdout.write(p.get_text()) for p in fitz.open(sys.argv[1])]" {}' % shlex.quote(PY)
    tools = [('quarry-pdf', qtext), ('pdftotext', 'pdftotext -q -enc UTF-8 {} -')] + \
        ([('PyMuPDF', mtext)] if HAVE_FITZ else []) + \
        [('quarry-pdf (default: no contents pages)', qcmd(Q, ''))]
    base = os.environ.get('QUARRY_PDF_BASELINE')
    if base:
        tools.append(('baseline', qcmd(base, '')))
    per = {}
    for name, cmd in tools:
        r = subprocess.run([sys.executable, score, '--per-doc', '--cmd', cmd, '--name', name], capture_output=True, text=True)
        lines = r.stdout.strip().splitlines()
        print('  ' + (lines[-1] if lines else r.stderr.strip()))
        per[name] = {l.split()[0]: float(l.split()[6]) for l in lines[:-1] if len(l.split()) > 6}
    # Per-file deltas: quarry-pdf against pdftotext (and against the
    # baseline quarry-pdf of $QUARRY_PDF_BASELINE, e.g. main's build).
    hdr = '  %-30s %8s %8s %8s' % ('file', 'quarry', 'pdftotxt', 'delta')
    print('\nPer-file token F1' + (' (baseline: %s)' % base if base else '') + ':')
    print(hdr + ('   baseline    delta' if base else ''))
    for doc in sorted(per.get('quarry-pdf', {})):
        q, p = per['quarry-pdf'][doc], per['pdftotext'].get(doc, 0)
        line = '  %-30s %8.3f %8.3f %+8.3f' % (doc, q, p, q - p)
        if base:
            b = per['baseline'].get(doc, 0)
            line += ' %10.3f %+8.3f%s' % (b, q - b, '  WORSE' if q < b - 0.005 else '')
        print(line)
    sample = corpus + '/pdf/docling/2305.03393v1-pg9.pdf'
    if os.path.exists(sample):
        def text(cmd):
            r = subprocess.run(cmd.replace('{}', shlex.quote(sample)), shell=True, capture_output=True, text=True, errors='replace')
            return r.stdout
        import textwrap
        cols = [('quarry-pdf', text(qtext)), ('pdftotext', text('pdftotext -q -enc UTF-8 {} -'))] + \
            ([('PyMuPDF', text(mtext))] if HAVE_FITZ else [])
        wrapped = []
        for name, t in cols:
            ls = [name, '-' * 38]
            for l in t.replace('\f', '\n<FF>\n').splitlines():
                ls.extend(textwrap.wrap(l, 38) or [''])
            wrapped.append(ls[:40])
        print('\nSide by side (first lines of %s):' % os.path.basename(sample))
        for i in range(max(len(w) for w in wrapped)):
            print(' | '.join('%-38s' % (w[i] if i < len(w) else '') for w in wrapped))
PY

# --- headings against the outlines of real manuals; contents/index chunks
case ",${PDF_BENCH_ONLY:-headings}," in *,headings,*) ;; *) exit 0 ;; esac
cc -O2 -o "$tmp/pdf-outline" "$srcdir/tests/bench/pdf-outline.c" \
    $(pkg-config --cflags --libs poppler-glib) || exit 1
if [ "$(id -u)" = 0 ] && { [ ! -f /usr/share/debian-reference/debian-reference.en.pdf ] ||
    [ ! -d /usr/share/doc/r-doc-pdf/manual ]; }; then
	echo "installing debian-reference-en and r-doc-pdf for the manuals..."
	apt-get install -y --no-install-recommends debian-reference-en r-doc-pdf >/dev/null 2>&1 || true
fi
set --
for f in /usr/share/debian-reference/debian-reference.en.pdf \
    /usr/share/doc/r-doc-pdf/manual/R-intro.pdf \
    /usr/share/doc/r-doc-pdf/manual/R-admin.pdf \
    /usr/share/doc/r-doc-pdf/manual/R-data.pdf \
    $TEXDOC/latex/base/usrguide.pdf $TEXDOC/latex/base/clsguide.pdf \
    $TEXDOC/latex/base/fntguide.pdf $TEXDOC/latex/base/encguide.pdf \
    $TEXDOC/latex/base/cfgguide.pdf $TEXDOC/latex/base/modguide.pdf; do
	[ -f "$f" ] && set -- "$@" "$f"
done
if [ $# -gt 0 ]; then
	echo
	echo "Headings against the PDF outlines (levels 1-3), $# manuals:"
	"${PYTHON3:-python3}" "$srcdir/tests/bench/pdf-headings.py" "$Q" \
	    "$top_builddir/filters/quarry-chunk" "$tmp/pdf-outline" \
	    ${QUARRY_PDF_BASELINE:+--baseline "$QUARRY_PDF_BASELINE"} "$@"
fi
