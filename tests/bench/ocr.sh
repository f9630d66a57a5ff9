#!/bin/sh
# tests/bench/ocr.sh: OCR word accuracy and speed of quarry-pdf on scans
# made from text PDFs (#22): each page rendered with pdftoppm at $DPI (300)
# and wrapped as an image-only PDF with img2pdf, then read back with
# quarry-pdf's OCR; the text is scored against the original's text layer
# (word-level edit distance over lower-cased words, whitespace and
# Markdown markers aside, hyphenation joined by the same layout engine:
# tests/bench/pdf-ocr-score.py).  The peer is the tesseract command on
# the same page images (its accuracy and pages/s, ratio in the same run).
#
# PDFs: samples/pdf/article.pdf; pages from Debian's manuals with a clean
# text layer (debian-reference, R's manuals, LaTeX's guides; installed
# here when apt-get is allowed); the born-digital PDFs of
# ../shared/corpus/pdf/docling when present.  Target: word accuracy >= 0.97
# at 300 dpi.  Knobs: DPI, NPAGES (pages per file, 2), FIRST (first page of
# a manual; default its middle page, past title and contents pages, which
# hold dot leaders and page numbers rather than prose).  Not part of make
# check.
set -eu
LC_ALL=C
export LC_ALL
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
pdf=$top_builddir/filters/quarry-pdf
if [ -z "${QUARRY_NO_APT:-}" ] && command -v apt-get >/dev/null &&
    [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends poppler-utils img2pdf tesseract-ocr \
	    tesseract-ocr-eng debian-reference-en r-doc-pdf \
	    texlive-latex-base-doc >/dev/null 2>&1 || true
fi
for t in pdftoppm pdfinfo img2pdf tesseract bc; do
	command -v $t >/dev/null || { echo "ocr bench: $t not installed, skipped"; exit 0; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-ocr-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# One OpenMP thread per Tesseract, for both: a fair pages/s.
OMP_THREAD_LIMIT=1
export OMP_THREAD_LIMIT
dpi=${DPI:-300}
npages=${NPAGES:-2}

# "FILE FIRSTPAGE" lines.
: >"$tmp/list"
echo "$top_srcdir/samples/pdf/article.pdf 1" >>"$tmp/list"
for f in /usr/share/debian-reference/debian-reference.en.pdf \
    /usr/share/R/doc/manual/R-intro.pdf /usr/share/R/doc/manual/R-admin.pdf \
    /usr/share/texlive/texmf-dist/doc/latex/base/clsguide.pdf \
    /usr/share/texlive/texmf-dist/doc/latex/base/usrguide.pdf \
    /usr/share/texlive/texmf-dist/doc/latex/base/fntguide.pdf; do
	[ -r "$f" ] || continue
	n=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
	echo "$f ${FIRST:-$(( ${n:-2} / 2 ))}" >>"$tmp/list"
done
if [ -d "$corpus/pdf/docling" ]; then
	n=0
	for f in "$corpus"/pdf/docling/*.pdf; do
		[ $n -lt ${NFILES:-4} ] || break
		# Born-digital only: a text layer to score against.
		if [ "$(pdftotext -l 2 "$f" - 2>/dev/null | wc -w)" -gt 200 ]; then
			echo "$f 1" >>"$tmp/list"
			n=$((n + 1))
		fi
	done
fi

echo "ocr bench: $(wc -l <"$tmp/list") files, $npages pages each, at $dpi dpi; load: $(uptime | sed 's/.*load average: //')"
tp=0 tt=0 pages=0 wref=0 wedit=0 wbag=0 tref=0 tedit=0 tbag=0
while read -r f a; do
	b=$(basename "$f" .pdf)
	z=$((a + npages - 1))
	rm -f "$tmp/$b"-*.png
	pdftoppm -r "$dpi" -gray -f "$a" -l "$z" -png "$f" "$tmp/$b"
	ls "$tmp/$b"-*.png >/dev/null 2>&1 || continue
	img2pdf "$tmp/$b"-*.png -o "$tmp/$b.scan.pdf"
	np=$(ls "$tmp/$b"-*.png | wc -l)
	"$pdf" --timeout 0 --ocr never --keep-furniture --keep-contents --pages "$a-$((a + np - 1))" "$f" |
	    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["text"])' >"$tmp/$b.ref"
	t0=$(date +%s.%N)
	"$pdf" --timeout 0 --keep-furniture --keep-contents "$tmp/$b.scan.pdf" |
	    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["text"])' >"$tmp/$b.ocr"
	t1=$(date +%s.%N)
	for png in "$tmp/$b"-*.png; do tesseract "$png" - 2>/dev/null; done >"$tmp/$b.tess"
	t2=$(date +%s.%N)
	s=$(python3 "$top_srcdir/tests/bench/pdf-ocr-score.py" "$tmp/$b.ref" "$tmp/$b.ocr")
	st=$(python3 "$top_srcdir/tests/bench/pdf-ocr-score.py" "$tmp/$b.ref" "$tmp/$b.tess")
	set -- $s
	wref=$((wref + $2)) wedit=$((wedit + $4)) wbag=$((wbag + $6))
	printf '%-22s pp %3d-%-3d  quarry-pdf %s, any order %s (words %d, edits %d)  %.2f pages/s' \
	    "$b" "$a" "$((a + np - 1))" "$1" "$5" "$2" "$4" \
	    "$(echo "$np / ($t1 - $t0)" | bc -l)"
	set -- $st
	tref=$((tref + $2)) tedit=$((tedit + $4)) tbag=$((tbag + $6))
	printf '   tesseract CLI %s, any order %s  %.2f pages/s\n' "$1" "$5" \
	    "$(echo "$np / ($t2 - $t1)" | bc -l)"
	pages=$((pages + np))
	tp=$(echo "$tp + $t1 - $t0" | bc -l)
	tt=$(echo "$tt + $t2 - $t1" | bc -l)
done <"$tmp/list"
printf 'all: %d pages, %d words  quarry-pdf accuracy %.4f (any order %.4f), %.2f pages/s   tesseract CLI %.4f (any order %.4f), %.2f pages/s   speed ratio %.2f  (target accuracy >= 0.97)\n' \
    "$pages" "$wref" "$(echo "1 - $wedit / $wref" | bc -l)" \
    "$(echo "$wbag / $wref" | bc -l)" \
    "$(echo "$pages / $tp" | bc -l)" "$(echo "1 - $tedit / $tref" | bc -l)" \
    "$(echo "$tbag / $tref" | bc -l)" \
    "$(echo "$pages / $tt" | bc -l)" "$(echo "$tt / $tp" | bc -l)"
echo "load after: $(uptime | sed 's/.*load average: //')"
