# Sourced by the benchmark scripts: where the CPU goes. User and system
# clock ticks of PostgreSQL, of a process, and a helper turning ticks over
# a number of operations into microseconds per operation.
# PostgreSQL's ticks are those of its live processes plus what its ended
# backends used (the postmaster's children's times), so backends that come
# and go during a run count too.
hz=$(getconf CLK_TCK)
pg_ticks() {
	{ for p in $(pgrep -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done
	  awk '{print $16 + $17}' "/proc/$(pgrep -o -x postgres)/stat"; } | awk '{s += $1} END {print s + 0}'
}
# pg_delta FILE0 FILE1: the ticks between two pg_ticks written to files
pg_delta() { echo $(( $(cat "$2") - $(cat "$1") )); }
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# per_op TICKS N: microseconds per operation
per_op() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }'; }
# time_per_op FILE N: microseconds per operation of a /usr/bin/time -f '%U %S' file
time_per_op() { awk -v n="$2" '{ if (n > 0) printf "%.1f", ($1 + $2) * 1e6 / n; else print "n/a" }' "$1"; }
