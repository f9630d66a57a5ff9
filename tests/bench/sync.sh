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
# Memory: the main process's peak RSS (the figure the target is about:
# the largest single process that grows with the tree; its heap and its
# file pages apart), its largest worker's (the largest document's
# extraction) and the whole process tree's, read from /proc while it runs,
# for the first sync and for the re-sync.  The built-in embedder, so that
# the figures measure quarry, not a model.  Ratios are sync's over the
# pipeline's; the targets: wall <= 1.1x, main process peak <= 200 MB.
# The load average is printed beside every figure: the machine may be
# shared.  It runs unattended (installs the documentation packages when
# root and apt-get can, else uses what is installed).
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

# Memory, read from /proc five times a second while quarry-sync runs
# (watch_mem NAME PATTERN): the parent's own peak (VmHWM, its last reading;
# without its workers), the largest of its anonymous memory (RssAnon: the
# heap) and of its file pages (RssFile: the store's pages it mapped, the
# program and its libraries), the largest peak of a worker, and the
# largest sum of the resident sizes of the parent and its workers (the
# tree).  GNU time's figure is the largest single process's peak.
watch_mem() {
	local name=$1 pat=$2 pid= t n=0
	# At most 30 s for the program to start (a run that ended before it
	# was seen has no figures: "?").
	while [ -z "$pid" ] && [ $n -lt 300 ]; do
		pid=$(pgrep -o -f "$pat" || true)
		n=$((n + 1))
		[ -n "$pid" ] || sleep 0.1
	done
	if [ -z "$pid" ]; then
		echo '? ? ? ? ?' >"$name.peaks"
		return 0
	fi
	: >"$name.mem"
	while kill -0 "$pid" 2>/dev/null; do
		for p in "$pid" $(pgrep -P "$pid" || true); do
			awk -v p="$p" '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 }
			    /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
			    END { if (h) printf "%s %s %s %s %s ", p, h, r, a, f }' \
			    "/proc/$p/status" 2>/dev/null || true
		done
		echo
		sleep 0.2
	done >"$name.mem"
	awk -v parent="$pid" '
	    NF >= 5 {
		tot = 0
		for (i = 1; i + 4 <= NF; i += 5) {
			tot += $(i + 2)
			if ($i == parent) {
				hwm = $(i + 1)
				if ($(i + 3) > anon) anon = $(i + 3)
				if ($(i + 4) > file) file = $(i + 4)
			} else if ($(i + 1) > worker)
				worker = $(i + 1)
		}
		if (tot > tree) tree = tot
	    }
	    END { printf "%.0f %.0f %.0f %.0f %.0f\n", hwm / 1024, anon / 1024,
		file / 1024, worker / 1024, tree / 1024 }' "$name.mem" >"$name.peaks"
}
watch_mem sync "^$q_sync -v -j $JOBS --db kb1 tree" &
watcher=$!
timed sync "$q_sync" -v -j "$JOBS" --db kb1 tree
wait "$watcher" || true
timed pipe sh pipeline.sh
watch_mem resync "^$q_sync -q -j $JOBS --db kb1 tree" &
watcher=$!
timed resync "$q_sync" -q -j "$JOBS" --db kb1 tree
wait "$watcher" || true

row() {
	eval "printf '%-22s %8.2f s wall %8.2f s user %7.2f s sys %7.0f MB peak  (load %s)\n' \
	    \"\$1\" \$${2}_wall \$${2}_user \$${2}_sys \$((${2}_kb / 1024)) \"\$${2}_load\""
}
row "quarry-sync -j$JOBS:" sync
row "pipeline (-j$JOBS PDFs):" pipe
row "quarry-sync, no change:" resync
# mem NAME TITLE: the figures watch_mem() kept.
mem() {
	local p
	p=$(cat "$1.peaks" 2>/dev/null || echo '? ? ? ? ?')
	set -- "$2" $p
	echo "$1: main process $2 MB peak RSS (target <= 200 MB; at most" \
	    "$3 MB heap, $4 MB file pages), largest worker $5 MB," \
	    "process tree $6 MB"
}
mem sync "quarry-sync"
mem resync "quarry-sync, no change"
echo "store: $(du -sm kb1 | cut -f1) MB"
awk -v s="$sync_wall" -v p="$pipe_wall" -v su="$sync_sys" -v ps="$pipe_sys" \
    -v sk="$sync_kb" -v pk="$pipe_kb" 'BEGIN {
	printf "ratios, sync / pipeline: wall %.2fx (target <= 1.10x), sys %.2fx, peak RSS %.2fx\n",
	    s / p, (ps > 0 ? su / ps : 0), sk / pk }'
grep -E 'added|chunks' sync.err | sed 's/^/  /'
echo "chunks: sync $("$q_index" --db kb1 --stats | sed -n 's/^chunks: //p')," \
    "pipeline $("$q_index" --db kb2 --stats | sed -n 's/^chunks: //p')"
echo "load average after: $(load)"
