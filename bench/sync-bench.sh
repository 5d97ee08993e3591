#!/usr/bin/env bash
# Folder sync over the network, filesync's sync client (through a real sync-server route on loopback) against rsync
# to its own daemon on loopback:
#  - time of the initial sync of a fresh tree of mixed sizes (many small files, some medium, three large);
#  - bytes sent (counted by a TCP relay, HTTP headers included; rsync's --stats totals) for the same edits of one
#    large file: a 1-byte insertion, a 1-byte overwrite, a 1 MiB append, and a copy under a new name;
#  - chunking + hashing speed on one core.
# The ratios come last. Note the machine's load (uptime, printed with each scenario) with the figures: they are timings.
# The initial sync runs twice, each time in a fresh JVM whose client is timed cold (a fresh process, as rsync's client
# is; rsync's is native code, so it has nothing to warm):
#  - warm server (the fair comparison): the sync server runs in a JVM of its own, as the long-running daemon it is in
#    use, started and warmed before any timing with the sync and removal of an unrelated random tree (another seed: no
#    chunk of it dedups against the measured tree), on its own root and store, as rsync's daemon is already running
#    when rsync is timed. The CPU of both sides is reported (client JVM, server JVM, rsync client and daemon);
#  - cold server (the figure of earlier versions): the server starts in the client's JVM, so its start and the JIT
#    compilation of both sides are in the timing.
# The bytes-sent scenarios start their server in the bench's JVM: bytes do not depend on warmth.
#   bench/sync-bench.sh [file-size-MiB=100] [tree-size-MiB=1024] [warm-up-tree-MiB=256]
# A file size of 0 runs only the initial sync of the tree (e.g. `bench/sync-bench.sh 0 256` to iterate quickly).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100}
tree=${2:-1024}
warmup=${3:-256}

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
bench io.filesync.bench.InitialSyncBench "$work/warm" "$tree" warm "$warmup"
bench io.filesync.bench.InitialSyncBench "$work/cold" "$tree" cold
if [ "$size" -gt 0 ]; then
  bench io.filesync.bench.SyncBench "$work/bytes" "$size"
fi
