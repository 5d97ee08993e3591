#!/usr/bin/env bash
# Folder sync over the network, filesync's sync client (through a real sync-server route on loopback) against rsync
# to its own daemon on loopback:
#  - time of the initial sync of a fresh tree of mixed sizes (many small files, some medium, three large);
#  - bytes sent (counted by a TCP relay, HTTP headers included; rsync's --stats totals) for the same edits of one
#    large file: a 1-byte insertion, a 1-byte overwrite, a 1 MiB append, and a copy under a new name;
#  - chunking + hashing speed on one core.
# The ratios come last. Note the machine's load (uptime, printed) with the figures: they are timings.
# The initial sync is timed cold: the sync server and client share this JVM, so warming the server (a long-running
# daemon, as rsyncd is) with a sync would warm the client's code too; that would favour filesync, so it is not done.
#   bench/sync-bench.sh [file-size-MiB=100] [tree-size-MiB=1024]
# A file size of 0 runs only the initial sync of the tree (e.g. `bench/sync-bench.sh 0 256` to iterate quickly).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100}
tree=${2:-1024}

if ! command -v rsync >/dev/null; then
  echo "installing rsync" >&2
  apt-get install -y -qq rsync >/dev/null || { apt-get update -qq && apt-get install -y -qq rsync >/dev/null; }
fi

mvn -B -o -q test-compile
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt

work=$(mktemp -d /tmp/sync-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "file ${size} MiB, tree ${tree} MiB, cores=$(nproc), $(rsync --version | head -1), load:$(uptime | sed 's/.*load average://')"
# The bench's own log lines stay in the work folder; only the figures reach the console.
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dlog4j2.level=WARN -Dlog4j.configurationFile=config/log4j2.properties \
  io.filesync.bench.SyncBench "$work" "$size" "$tree" 2> "$work/bench.err" | grep -v '^[0-9-]* [0-9:.]* ' || { cat "$work/bench.err" >&2; exit 1; }
