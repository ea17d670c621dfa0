# Sourced by the benchmark scripts: where the CPU goes. `measure` runs a
# load and records the CPU that PostgreSQL, the server and the load itself
# used meanwhile; `cpu_split` prints it per operation, in microseconds.
#
#   measure DIR SERVER_PID|- CMD...   CMD's standard output goes to DIR/out
#   cpu_split DIR N CLIENT_NAME       "PostgreSQL X us, server Y us, CLIENT_NAME Z us"
#
# PostgreSQL's ticks are those of its live processes plus what its ended
# backends used (the postmaster's children's times), so backends that come
# and go during a run count too.
hz=$(getconf CLK_TCK)
pg_ticks() {
	{ for p in $(pgrep -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done
	  awk '{print $16 + $17}' "/proc/$(pgrep -o -x postgres)/stat"; } | awk '{s += $1} END {print s + 0}'
}
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# per_op TICKS N: microseconds per operation
per_op() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }'; }

measure() {
	local dir="$1" pid="$2" pg0 s0=0 s1=0
	shift 2
	pg0=$(pg_ticks)
	[ "$pid" = - ] || s0=$(proc_ticks "$pid")
	/usr/bin/time -f '%U %S' -o "$dir/client.time" "$@" >"$dir/out"
	echo $(( $(pg_ticks) - pg0 )) >"$dir/pg.ticks"
	if [ "$pid" = - ]; then rm -f "$dir/server.ticks"; else s1=$(proc_ticks "$pid"); echo $((s1 - s0)) >"$dir/server.ticks"; fi
}

cpu_split() {
	local dir="$1" n="$2" server=""
	[ -f "$dir/server.ticks" ] && server=", server $(per_op "$(cat "$dir/server.ticks")" "$n") us"
	echo "PostgreSQL $(per_op "$(cat "$dir/pg.ticks")" "$n") us$server, $3 $(awk -v n="$n" '{ if (n > 0) printf "%.1f", ($1 + $2) * 1e6 / n; else print "n/a" }' "$dir/client.time") us"
}
