#!/bin/sh
# tests/pglite-setup.sh: installs a PostgreSQL server with pgvector for
# quarry-pg's tests and benchmark: PGlite (PostgreSQL compiled to
# WebAssembly), its pgvector extension and its socket server (pglite-server,
# which speaks the wire protocol to libpq and psql), from npm, at the exact
# versions of tests/pglite/package-lock.json, into tests/pglite/node_modules
# (git-ignored).  Installs once; later runs only check.  Exit status 0 when
# installed, 77 when node or npm is missing or the registry cannot be
# reached (the tests then skip), 1 on another failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/pglite
server=$dir/node_modules/@electric-sql/pglite-socket/dist/scripts/server.js
NODE=${NODE:-$(command -v node || command -v nodejs || true)}
NPM=${NPM:-$(command -v npm || true)}

if [ -z "$NODE" ] || [ -z "$NPM" ]; then
	echo "pglite-setup: node and npm are needed (apt-get install nodejs npm)" >&2
	exit 77
fi
stamp=$dir/node_modules/.quarry-stamp
want=$(cksum <"$dir/package-lock.json")
# One installer at a time (make -j runs tests side by side).
exec 9>"$dir/.lock"
flock 9
if [ -f "$server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
if ! (cd "$dir" && "$NPM" ci --no-audit --no-fund --loglevel=error \
    >"$dir/npm.log" 2>&1); then
	if grep -q 'ENOTFOUND\|EAI_AGAIN\|ECONNREFUSED\|ETIMEDOUT\|network' \
	    "$dir/npm.log"; then
		echo "pglite-setup: the npm registry cannot be reached" >&2
		exit 77
	fi
	cat "$dir/npm.log" >&2
	exit 1
fi
echo "$want" >"$stamp"
exit 0
