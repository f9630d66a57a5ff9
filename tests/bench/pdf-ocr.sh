#!/bin/sh
# tests/bench/pdf-ocr.sh: OCR accuracy and speed of quarry-pdf --ocr on
# scans made from text PDFs: each page rendered with pdftoppm at 300 dpi and
# wrapped as an image-only PDF with img2pdf; the scan's OCR text is scored
# against the original's text layer (word accuracy, tests/bench/
# pdf-ocr-score.py).  The peer is the tesseract command on the same page
# images (pages/s ratio).  PDFs: samples/pdf/article.pdf and the first
# born-digital PDFs of ../shared/corpus/pdf/docling when present.
# Needs poppler-utils, img2pdf and tesseract-ocr; not part of make check.
set -eu
LC_ALL=C
export LC_ALL
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
pdf=$top_builddir/filters/quarry-pdf
for t in pdftoppm img2pdf tesseract; do
	command -v $t >/dev/null || { echo "pdf-ocr bench: $t not installed, skipped"; exit 0; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-ocr-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
OMP_THREAD_LIMIT=1
export OMP_THREAD_LIMIT
dpi=${DPI:-300}

set -- "$top_srcdir/samples/pdf/article.pdf"
if [ -d "$corpus/pdf/docling" ]; then
	for f in "$corpus"/pdf/docling/*.pdf; do
		[ $# -lt ${NFILES:-4} ] || break
		# Born-digital only: a text layer to score against.
		[ "$(pdftotext -l 2 "$f" - 2>/dev/null | wc -w)" -gt 200 ] && set -- "$@" "$f"
	done
fi
echo "pdf-ocr bench: $# files at $dpi dpi; load: $(uptime | sed 's/.*load average: //')"
tp=0 tt=0 pages=0 sum=0 n=0
for f in "$@"; do
	b=$(basename "$f" .pdf)
	pdftoppm -r "$dpi" -gray -l ${NPAGES:-3} -png "$f" "$tmp/$b"
	img2pdf "$tmp/$b"-*.png -o "$tmp/$b.scan.pdf"
	np=$(ls "$tmp/$b"-*.png | wc -l)
	"$pdf" --ocr never --keep-furniture --pages 1-$np "$f" |
	    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["text"])' >"$tmp/$b.ref"
	t0=$(date +%s.%N)
	"$pdf" --keep-furniture "$tmp/$b.scan.pdf" |
	    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["text"])' >"$tmp/$b.ocr"
	t1=$(date +%s.%N)
	for png in "$tmp/$b"-*.png; do tesseract "$png" - 2>/dev/null; done >"$tmp/$b.tess"
	t2=$(date +%s.%N)
	s=$(python3 "$top_srcdir/tests/bench/pdf-ocr-score.py" "$tmp/$b.ref" "$tmp/$b.ocr")
	st=$(python3 "$top_srcdir/tests/bench/pdf-ocr-score.py" "$tmp/$b.ref" "$tmp/$b.tess")
	printf '%-40s %d pages  quarry-pdf accuracy %s (words ref/ocr/edits %s)  %.2f pages/s  tesseract CLI accuracy %s  %.2f pages/s\n' \
	    "$b" "$np" "${s%% *}" "${s#* }" "$(echo "$np / ($t1 - $t0)" | bc -l)" \
	    "${st%% *}" "$(echo "$np / ($t2 - $t1)" | bc -l)"
	pages=$((pages + np))
	tp=$(echo "$tp + $t1 - $t0" | bc -l)
	tt=$(echo "$tt + $t2 - $t1" | bc -l)
done
printf 'all: %d pages  quarry-pdf %.2f pages/s  tesseract CLI %.2f pages/s  ratio %.2f\n' \
    "$pages" "$(echo "$pages / $tp" | bc -l)" "$(echo "$pages / $tt" | bc -l)" \
    "$(echo "$tt / $tp" | bc -l)"
