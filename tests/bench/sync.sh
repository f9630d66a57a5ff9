#!/bin/sh
# tests/bench/sync.sh: quarry-sync against the pipeline it stands for, on
# the same tree in the same run (issue 17).
#
# The tree: Debian's documentation -- PDFs of the documentation packages
# (r-doc-pdf, debian-reference-en, python3-doc and what else is under
# /usr/share/doc; installed here when missing and apt-get can), HTML and
# text files from /usr/share/doc (copyright files as .txt) -- and, when
# present, the HTML articles and PDFs of ../shared/corpus: $DOCS documents
# in all (default 3000), at most $PDFS of them PDFs (default 300).
#
# Timed, each with /usr/bin/time (wall, user, sys, peak RSS):
#   quarry-sync -j2 into an empty store;
#   the pipeline into another: quarry-pdf -j2 | quarry-chunk, quarry-html
#   | quarry-chunk, quarry-chunk --text, then quarry-meta -f | quarry-embed
#   | quarry-index (the PDFs first, as quarry-sync's walk does not sort by
#   type, the order does not matter for time);
#   a re-sync with nothing changed.
# The parent's own peak memory (without its workers), the figure the target
# is about, is read from /proc while it runs.  The built-in embedder,
# so that the figures measure quarry, not a model.  Ratios are sync's over
# the pipeline's; the targets: wall <= 1.1x, parent peak <= 200 MB.  The
# load average is printed beside every figure: the machine may be shared.
#
# usage: tests/bench/sync.sh [BUILDDIR]   (run from anywhere; make bench)
set -eu
LC_ALL=C
export LC_ALL
b=$(cd "${1:-.}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
DOCS=${DOCS:-3000}
PDFS=${PDFS:-300}
JOBS=${JOBS:-2}
CORPUS=${QUARRY_CORPUS:-$here/../../../shared/corpus}
for p in sync pdf html chunk meta embed index; do
	if [ -x "$b/filters/.libs/quarry-$p" ]; then
		eval "q_$p=\$b/filters/.libs/quarry-$p"
	else
		eval "q_$p=\$b/filters/quarry-$p"
	fi
done
LD_LIBRARY_PATH=$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH q_sync q_pdf q_html q_chunk q_meta q_embed q_index
export QUARRY_TOKENIZER=${QUARRY_TOKENIZER:-estimate}
if [ ! -x /usr/bin/time ]; then
	echo "sync bench: skipped, /usr/bin/time (GNU time) is not installed"
	exit 0
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

# The documentation packages, when they are missing and apt can install.
missing=
for pkg in r-doc-pdf debian-reference-en python3-doc; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
	    apt-get install -y -q $missing >/dev/null 2>&1; then
		echo "installed:$missing"
	else
		echo "note: apt-get cannot install$missing here; the tree is" \
		    "made of what is installed"
	fi
fi

w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-sync.XXXXXX")
[ -n "${KEEP:-}" ] && echo "work directory kept: $w" ||
    trap 'rm -rf "$w"' EXIT
cd "$w"
mkdir tree tree/pdf tree/html tree/text
{
	[ -d "$CORPUS/pdf" ] && find "$CORPUS/pdf" -type f -name '*.pdf'
	find /usr/share/doc -type f -name '*.pdf' -size -20M
} 2>/dev/null | head -n "$PDFS" | while IFS= read -r f; do
	cp "$f" "tree/pdf/$(echo "$f" | md5sum | cut -c1-8)-$(basename "$f")"
done
npdf=$(find tree/pdf -type f | wc -l)
rest=$((DOCS - npdf))
{
	[ -d "$CORPUS/html-articles" ] &&
	    find "$CORPUS/html-articles" -type f -name '*.html' | sort | head -n 300
	find /usr/share/doc -type f \( -name '*.html' -o -name '*.htm' \) \
	    -size +500c | sort
} 2>/dev/null | head -n $((rest * 6 / 10)) | while IFS= read -r f; do
	cp "$f" "tree/html/$(echo "$f" | md5sum | cut -c1-8)-$(basename "$f")"
done
nhtml=$(find tree/html -type f | wc -l)
find /usr/share/doc -type f \( -name copyright -o -name '*.txt' \
    -o -name '*.md' -o -name 'README' \) -size +200c 2>/dev/null | sort |
    head -n $((rest - nhtml)) | while IFS= read -r f; do
	n=$(echo "$f" | md5sum | cut -c1-8)
	case $f in
	*.md) cp "$f" "tree/text/$n-$(basename "$f")" ;;
	*) cp "$f" "tree/text/$n-$(basename "$f" .txt).txt" ;;
	esac
done
files=$(find tree -type f | wc -l)
mb=$(du -sm tree | cut -f1)
echo "tree: $files documents ($npdf PDF, $nhtml HTML," \
    "$((files - npdf - nhtml)) text), $mb MB; load average: $(load)"

# timed NAME CMD: runs CMD under GNU time; sets NAME_wall, _user, _sys, _kb.
timed() {
	local name=$1 t
	shift
	/usr/bin/time -o "$name.time" -f '%e %U %S %M' "$@" 2>"$name.err" ||
	    true
	t=$(tail -n 1 "$name.time")
	eval "${name}_wall=\$(echo \$t | cut -d' ' -f1)"
	eval "${name}_user=\$(echo \$t | cut -d' ' -f2)"
	eval "${name}_sys=\$(echo \$t | cut -d' ' -f3)"
	eval "${name}_kb=\$(echo \$t | cut -d' ' -f4)"
	eval "${name}_load=\"\$(load)\""
}

cat >pipeline.sh <<'EOF'
{
	find tree/pdf -type f | sort |
	    "$q_pdf" -q -j "$JOBS" --files-from - | "$q_chunk" -q
	find tree/html -type f | sort |
	    "$q_html" -q --files-from - | "$q_chunk" -q
	find tree/text -type f | sort |
	    "$q_chunk" -q --text --files-from -
} 2>/dev/null | "$q_meta" -q -f | "$q_embed" -q |
    "$q_index" -q --db kb2 2>/dev/null
EOF
export JOBS

# The parent's own peak (VmHWM), without its workers, read from /proc
# while it runs (the last reading before it ends), and the largest of its
# anonymous memory (RssAnon: the heap, not the store's pages mapped from
# the page cache, RssFile) seen in readings five times a second.
watch_hwm() {
	local pid= t
	while [ -z "$pid" ]; do
		pid=$(pgrep -o -f "^$q_sync -v -j $JOBS --db kb1 tree" || true)
		sleep 0.1
	done
	echo 0 >anon
	while kill -0 "$pid" 2>/dev/null; do
		t=$(awk '/^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 }
		    END { if (h) print h, a }' "/proc/$pid/status" 2>/dev/null ||
		    true)
		if [ -n "$t" ]; then
			echo "${t% *}" >hwm
			[ "${t#* }" -gt "$(cat anon)" ] && echo "${t#* }" >anon
		fi
		sleep 0.2
	done
}
watch_hwm &
watcher=$!
timed sync "$q_sync" -v -j "$JOBS" --db kb1 tree
wait "$watcher" || true
timed pipe sh pipeline.sh
timed resync "$q_sync" -q -j "$JOBS" --db kb1 tree

parent=$(awk '{ printf "%.0f", $1 / 1024 }' hwm 2>/dev/null || echo '?')
anon=$(awk '{ printf "%.0f", $1 / 1024 }' anon 2>/dev/null || echo '?')
row() {
	eval "printf '%-22s %8.2f s wall %8.2f s user %7.2f s sys %7.0f MB peak  (load %s)\n' \
	    \"\$1\" \$${2}_wall \$${2}_user \$${2}_sys \$((${2}_kb / 1024)) \"\$${2}_load\""
}
row "quarry-sync -j$JOBS:" sync
row "pipeline (-j$JOBS PDFs):" pipe
row "quarry-sync, no change:" resync
echo "quarry-sync parent alone: ${parent:-?} MB peak RSS, of which at most" \
    "${anon:-?} MB anonymous (the rest: store pages mapped; target <= 200 MB)"
echo "store: $(du -sm kb1 | cut -f1) MB"
awk -v s="$sync_wall" -v p="$pipe_wall" -v su="$sync_sys" -v ps="$pipe_sys" \
    -v sk="$sync_kb" -v pk="$pipe_kb" 'BEGIN {
	printf "ratios, sync / pipeline: wall %.2fx (target <= 1.10x), sys %.2fx, peak RSS %.2fx\n",
	    s / p, (ps > 0 ? su / ps : 0), sk / pk }'
grep -E 'added|chunks' sync.err | sed 's/^/  /'
echo "chunks: sync $("$q_index" --db kb1 --stats | sed -n 's/^chunks: //p')," \
    "pipeline $("$q_index" --db kb2 --stats | sed -n 's/^chunks: //p')"
echo "load average after: $(load)"
