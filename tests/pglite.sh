# tests/pglite.sh: sourced by the tests and benchmarks that need PostgreSQL
# with pgvector (after tests/setup).  pglite_start installs PGlite when
# needed (tests/pglite-setup.sh), starts its socket server on a free port of
# 127.0.0.1 with pgvector loaded, and points libpq's PG* variables at it;
# pglite_stop stops it (the EXIT trap does too).  PGlite is one backend:
# the server queues every client's messages and runs one transaction at a
# time, so the tests run their clients one after the other.  It accepts a
# few connections (--max-connections) only so that a client's connection
# that is still closing does not turn the next one away.  The database is
# in memory and starts empty every time.

pglite_pid=
pglite_stop() {
	if [ -n "$pglite_pid" ]; then
		kill "$pglite_pid" 2>/dev/null || true
		wait "$pglite_pid" 2>/dev/null || true
		pglite_pid=
	fi
}
trap 'pglite_stop; rm -rf "$tmp"' EXIT

# pglite_start: 0 when the server runs; otherwise prints why and returns
# 77 (cannot be installed here: skip) or 1.
pglite_start() {
	local rc=0 i port dir=$top_srcdir/tests/pglite
	"$top_srcdir/tests/pglite-setup.sh" >"$tmp/pglite-setup.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$tmp/pglite-setup.log"
		return "$rc"
	fi
	(cd "$dir" && exec "${NODE:-node}" \
	    node_modules/@electric-sql/pglite-socket/dist/scripts/server.js \
	    --host=127.0.0.1 --port=0 --max-connections=4 \
	    --extensions=@electric-sql/pglite-pgvector:vector) \
	    >"$tmp/pglite.log" 2>&1 &
	pglite_pid=$!
	port=
	for i in $(seq 1 600); do
		port=$(sed -n 's/.*listening on {"port":\([0-9]*\).*/\1/p' \
		    "$tmp/pglite.log")
		[ -n "$port" ] && break
		kill -0 "$pglite_pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ -z "$port" ]; then
		cat "$tmp/pglite.log"
		pglite_stop
		return 1
	fi
	PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	PGSSLMODE=disable PGCONNECT_TIMEOUT=20
	export PGHOST PGPORT PGUSER PGDATABASE PGSSLMODE PGCONNECT_TIMEOUT
	unset PGPASSWORD PGSERVICE PGOPTIONS 2>/dev/null || true
	return 0
}
