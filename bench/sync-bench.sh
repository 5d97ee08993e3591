#!/usr/bin/env bash
# Folder sync over the network, filesync's sync client (through a real sync-server route on loopback) against rsync
# to its own daemon on loopback:
#  - time of the initial sync of a fresh tree of mixed sizes (many small files, some medium, three large);
#  - bytes sent (counted by a TCP relay, HTTP headers included; rsync's --stats totals) for the same edits of one
#    large file: a 1-byte insertion, a 1-byte overwrite, a 1 MiB append, and a copy under a new name;
#  - chunking + hashing speed on one core.
# The ratios come last. Note the machine's load (uptime, printed with each scenario) with the figures: they are timings.
# The initial sync is timed in fresh JVMs whose client is cold (a fresh process, as rsync's client is; rsync's is native
# code, so it has nothing to warm), one trial per JVM:
#  - warm server (the fair comparison): the sync server runs in a JVM of its own, as the long-running daemon it is in
#    use, started and warmed before any timing with rounds of the initial sync of an unrelated random tree (another
#    seed: no chunk of it dedups against the measured tree; the measured tree's size by default, since rounds of a
#    quarter of it left 2.4 s of C2 compilation in the timed window) to servers of its own (on /dev/shm when it has
#    room, each deleted after its round), then serving an empty root and
#    store of its own, as rsync's daemon is already running when rsync is timed. The CPU of both sides is reported (client JVM, server JVM, rsync client and daemon). TRIALS
#    trials (default 3), each to empty destinations of its own, which tool goes first alternating; the figures compared
#    are the medians, since single runs of rsync alone varied from 2.1 to 3.9 s a minute apart;
#  - cold server (the figure of earlier versions): the server starts in the client's JVM, so its start and the JIT
#    compilation of both sides are in the timing. One trial.
# The bytes-sent scenarios start their server in the bench's JVM: bytes do not depend on warmth.
#   [TRIALS=3] bench/sync-bench.sh [file-size-MiB=100] [tree-size-MiB=1024] [warm-up-tree-MiB=tree-size-MiB]
# A file size of 0 runs only the initial sync of the tree (e.g. `bench/sync-bench.sh 0 256` to iterate quickly).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100}
tree=${2:-1024}
warmup=${3:-$tree}
trials=${TRIALS:-3}

if ! command -v rsync >/dev/null; then
  echo "installing rsync" >&2
  apt-get install -y -qq rsync >/dev/null || { apt-get update -qq && apt-get install -y -qq rsync >/dev/null; }
fi

mvn -B -o -q test-compile
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt

work=$(mktemp -d /tmp/sync-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "file ${size} MiB, tree ${tree} MiB, warm-up tree ${warmup} MiB, cores=$(nproc), $(rsync --version | head -1)"
# The bench's own log lines stay in the work folder; only the figures reach the console.
bench() {
  echo "load:$(uptime | sed 's/.*load average://')"
  java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
    -Dlog4j2.level=WARN -Dlog4j.configurationFile=config/log4j2.properties \
    "$@" 2> "$work/bench.err" | grep -v '^[0-9-]* [0-9:.]* ' || { cat "$work/bench.err" >&2; exit 1; }
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# initial_sync MODE TRIALS: one JVM per trial on one work folder (the tree is written once); then the medians. The
# trees stay until the bench exits: a mass delete makes the file creations of the next five minutes or so pay for it.
initial_sync() {
  local mode=$1 count=$2 figures="$work/$1.figures"
  for trial in $(seq 1 "$count"); do
    bench io.filesync.bench.InitialSyncBench "$work/$mode" "$tree" "$mode" "$warmup" "$trial" | tee -a "$figures" | grep -v '^figures '
  done
  of() { grep '^figures ' "$figures" | sed -E "s/.* $1=([0-9]+).*/\1/" | median; }
  local fs=$(of filesync-ms) client=$(of client-cpu-ms) server=$(of server-cpu-ms) rs=$(of rsync-ms) rscpu=$(of rsync-cpu-ms)
  local cpu=$(grep '^figures ' "$figures" | sed -E 's/.* client-cpu-ms=([0-9]+) server-cpu-ms=([0-9]+).*/\1 \2/' | awk '{ print $1 + $2 }' | median)
  awk -v mode="$mode" -v n="$count" -v fs="$fs" -v rs="$rs" -v cpu="$cpu" -v client="$client" -v server="$server" -v rscpu="$rscpu" 'BEGIN {
    sides = server > 0 ? sprintf("client %d ms, server %d ms", client, server) : "one JVM"
    printf "initial sync, %s server, median of %d trial(s): filesync %d ms, rsync %d ms, ratio %.2f; CPU (both sides) filesync %d ms (%s), rsync %d ms, ratio %.2f\n", mode, n, fs, rs, fs / rs, cpu, sides, rscpu, cpu / rscpu
    printf "ratio filesync/rsync initial-tree-time %s-server=%.2f cpu=%.2f\n", mode, fs / rs, cpu / rscpu }'
}
initial_sync warm "$trials"
initial_sync cold 1
if [ "$size" -gt 0 ]; then
  bench io.filesync.bench.SyncBench "$work/bytes" "$size"
fi
