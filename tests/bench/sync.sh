#!/bin/sh
# tests/bench/sync.sh: quarry-sync against the pipeline it stands for, on
# the same tree in the same run.
#
# The tree: up to $FILES text, Markdown and HTML files and $PDFS PDFs from
# /usr/share/doc (copyright files as .txt, the rest as they are).  Timed:
# a first quarry-sync into an empty store, a re-sync with nothing changed,
# and the pipeline (quarry-pdf, quarry-html, quarry-chunk --text |
# quarry-meta -f | quarry-embed | quarry-index) into another empty store;
# the built-in embedder, so that the figures measure quarry, not a model.
# Prints seconds, files/s and the ratio of the pipeline's time to sync's,
# with the load average.
#
# usage: tests/bench/sync.sh [BUILDDIR]   (run from anywhere)
set -eu
LC_ALL=C
export LC_ALL
b=$(cd "${1:-.}" && pwd)
FILES=${FILES:-1500}
PDFS=${PDFS:-20}
for p in sync pdf html chunk meta embed index; do
	if [ -x "$b/filters/.libs/quarry-$p" ]; then
		eval "q_$p=\$b/filters/.libs/quarry-$p"
	else
		eval "q_$p=\$b/filters/quarry-$p"
	fi
done
LD_LIBRARY_PATH=$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-sync.XXXXXX")
trap 'rm -rf "$w"' EXIT
cd "$w"
mkdir tree
n=0
find /usr/share/doc -type f \( -name copyright -o -name '*.txt' \
    -o -name '*.md' -o -name '*.html' \) -size +200c 2>/dev/null | sort |
    head -n "$FILES" | while IFS= read -r f; do
	n=$((n + 1))
	case $f in
	*/copyright) cp "$f" "tree/$n.txt" ;;
	*) cp "$f" "tree/$n-$(basename "$f")" ;;
	esac
done
find /usr/share/doc -type f -name '*.pdf' -size -2M 2>/dev/null | sort |
    head -n "$PDFS" | while IFS= read -r f; do
	cp "$f" "tree/$(basename "$f")"
done
files=$(find tree -type f | wc -l)
mb=$(du -sm tree | cut -f1)
echo "tree: $files files, $mb MB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

t0=$(now)
"$q_sync" -q --db kb1 tree || true
t1=$(now)
sync_s=$(secs "$t0" "$t1")
t0=$(now)
"$q_sync" -q --db kb1 tree || true
t1=$(now)
resync_s=$(secs "$t0" "$t1")
t0=$(now)
{
	find tree -name '*.pdf' | sort | "$q_pdf" -q --files-from - 2>/dev/null |
	    "$q_chunk" -q
	find tree -name '*.html' | sort | "$q_html" -q --files-from - \
	    2>/dev/null | "$q_chunk" -q
	find tree -type f ! -name '*.pdf' ! -name '*.html' | sort |
	    "$q_chunk" -q --text --files-from - 2>/dev/null
} | "$q_meta" -q -f | "$q_embed" -q | "$q_index" --db kb2 2>/dev/null || true
t1=$(now)
pipe_s=$(secs "$t0" "$t1")
echo "quarry-sync, first run:   $sync_s s ($(awk -v f="$files" -v s="$sync_s" 'BEGIN { printf "%.0f", f / s }') files/s)"
echo "quarry-sync, no change:   $resync_s s"
echo "pipeline, same tree:      $pipe_s s ($(awk -v p="$pipe_s" -v s="$sync_s" 'BEGIN { printf "%.2f", p / s }')x sync's time)"
echo "chunks: sync $("$q_index" --db kb1 --stats | sed -n 's/^chunks: //p'), pipeline $("$q_index" --db kb2 --stats | sed -n 's/^chunks: //p')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
