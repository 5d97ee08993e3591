#!/usr/bin/env bash
# Tail to rows: filesync against sqlite3 .import and psql \copy on the same lines, in one run, plus append-to-row
# latency at a steady 1,000 lines/s. Usage: bench/tail-bench.sh [lines, default 2000000]. Last line: the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need sqlite3 sqlite3
need psql postgresql-client
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dlog4j2.configurationFile=src/test/resources/log4j2-test.properties -Dorg.apache.logging.log4j.level=WARN \
  io.filesync.bench.TailBench "${1:-2000000}" 2>&1 | grep -v -E "^\s*$|INFO"
