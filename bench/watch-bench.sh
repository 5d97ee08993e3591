#!/usr/bin/env bash
# Change-event latency, filesync's watcher against inotifywait on the same changes in one run, then a burst of
# 20,000 files. Prints median and p99 for both, the burst counts and times, and the ratio last.
#   bench/watch-bench.sh [changes=400] [burst=20000] [settle-ms=20]
set -euo pipefail
cd "$(dirname "$0")/.."

changes=${1:-400}
burst=${2:-20000}
settle=${3:-20}

if ! command -v inotifywait >/dev/null; then
  echo "installing inotify-tools" >&2
  apt-get install -y -qq inotify-tools >/dev/null || { apt-get update -qq && apt-get install -y -qq inotify-tools >/dev/null; }
fi

mvn -B -o -q test-compile
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt

work=$(mktemp -d /tmp/watch-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Our own kernel queue limit is the machine's; say what it is, since the burst may overflow it.
echo "fs.inotify.max_queued_events=$(cat /proc/sys/fs/inotify/max_queued_events), cores=$(nproc)"
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  io.filesync.bench.WatchBench "$work" "$changes" "$burst" "$settle"
