#!/usr/bin/env bash
# Mirror throughput, filesync's mirror engine against rclone on the same data and the same servers (s3proxy and
# MINA SFTP on loopback), in one run:
#   1. N files of 4 KiB, initial sync to S3 and to SFTP: time, filesync / rclone (goal <= 1.0);
#   2. one big file to S3 and to SFTP: throughput, filesync / rclone (goal >= 0.8);
#   3. kill -9 at half of the big S3 upload, restart: bytes sent again (goal: at most one part), i.e. bytes of parts
#      the server had confirmed before the kill that the restart sends once more. Parts in flight at the kill (up to
#      upload-memory / part size, 8 by default) were never confirmed and are sent whole; that is printed too.
# The machine's load is printed with each figure (the bench shares the machine). Last line: the ratios.
# Both tools are timed the same way: the wall time of the whole process (start, scan, transfer, exit), from outside.
# filesync's own figure from its engine's start to an empty queue is printed beside it for information.
# The small-file scenarios run ROUNDS times (default 2), filesync and rclone alternating, each round into a fresh
# target; the best time of each tool gives the ratio, so neither gains from going second.
# The servers are JVMs shared by both tools: before anything is timed, rclone copies a warm-up folder (WARMUP_FILES
# files of 4 KiB, default 6000; 0 skips it) to each, so the first tool timed does not pay for the servers' JIT alone.
#   bench/mirror-bench.sh [files=10000] [big-mib=1024] [part-mib=8] [scenarios=small-s3,small-sftp,big-s3,big-sftp,kill9]
# filesync's heap is FILESYNC_HEAP (default 512m): e.g. FILESYNC_HEAP=256m bench/mirror-bench.sh 1 5120 8 big-s3
# checks that a 5 GiB file goes through in a 256 MiB heap (memory is bounded: parts stream through a fixed budget).
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-10000}
big_mib=${2:-1024}
part_mib=${3:-8}
scenarios=${4:-small-s3,small-sftp,big-s3,big-sftp,kill9}
part=$((part_mib * 1024 * 1024))
wanted() { [[ ",$scenarios," == *",$1,"* ]]; }

for tool in rclone sqlite3; do
  command -v $tool >/dev/null || apt-get install -y -qq $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq $tool >/dev/null; }
done

mvn -B -o -q test-compile
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
bench_java=(java -Xmx"${FILESYNC_HEAP:-512m}" -cp "$cp" -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties)
bench_cmd=("${bench_java[@]}" io.filesync.bench.MirrorBench)
bench() { "${bench_cmd[@]}" "$@"; }

work=$(mktemp -d /tmp/mirror-bench.XXXXXX)
servers_pid=
cleanup() { [ -n "$servers_pid" ] && kill "$servers_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
s3_port=$(free_port); sftp_port=$(free_port)
"${bench_cmd[@]}" servers "$work/servers" "$s3_port" "$sftp_port" > "$work/servers.log" 2>&1 &
servers_pid=$!  # the JVM itself, so the trap stops it
until grep -q ready "$work/servers.log"; do sleep 0.2; kill -0 $servers_pid || { cat "$work/servers.log"; exit 1; }; done

mkdir -p "$work/small" "$work/big"
if wanted small-s3 || wanted small-sftp; then
echo "generating $files files of 4 KiB"
python3 - "$work/small" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
fi
warmup_files=${WARMUP_FILES:-6000}
if [ "$warmup_files" -gt 0 ]; then
  mkdir -p "$work/warmup"
  python3 -c 'import os, sys
for i in range(int(sys.argv[2])):
    open(os.path.join(sys.argv[1], "w%05d.bin" % i), "wb").write(os.urandom(4096))' "$work/warmup" "$warmup_files"
fi
if wanted big-s3 || wanted big-sftp || wanted kill9; then
  echo "generating one file of $big_mib MiB"
  head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$work/big/big.bin"
fi
# Written back before anything is timed: else the first tool timed pays for the writeback of the generated files
# (1 GiB to SFTP right after generating it: 0.74 of rclone's throughput, 0.91 once written back).
sync

unset AWS_CA_BUNDLE
export RCLONE_CONFIG="$work/rclone.conf"
cat > "$RCLONE_CONFIG" <<CONF
[s3]
type = s3
provider = Other
access_key_id = bench
secret_access_key = bench-secret
endpoint = http://127.0.0.1:$s3_port
region = us-east-1
force_path_style = true

[sftp]
type = sftp
host = 127.0.0.1
port = $sftp_port
user = bench
pass = $(rclone obscure bench-password)
shell_type = none
CONF

seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
if [ "$warmup_files" -gt 0 ]; then
  echo "warming the servers: $warmup_files files to each, S3 $(seconds rclone copy "$work/warmup" s3:rclone/warmup)s," \
    "SFTP $(seconds rclone copy "$work/warmup" sftp:rclone-warmup)s (untimed)"
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
# filesync's initial sync, timed from outside like rclone; sets fs_wall (process) and fs_engine (engine start to done).
filesync_run() {
  local out="$work/run.out"
  fs_wall=$( { /usr/bin/time -f %e "${bench_java[@]}" -Dmirror.prefix="${bench_prefix:-}" io.filesync.bench.MirrorBench sync "$@" > "$out"; } 2>&1 | tail -1 )
  fs_engine=$(awk '/^RESULT/ {print $2}' "$out")
}
summary=""

# One scenario: filesync then rclone on the same folder, same server. compare <name> <folder> <filesync remote> <port>
# <filesync base> <rclone target> [rclone options...]; prints both times and adds the ratio to the summary.
compare() {
  local name=$1 folder=$2 remote=$3 port=$4 base=$5 target=$6; shift 6
  if [ "$folder" = small ]; then
    local best_fs= best_rc= round
    for round in $(seq 1 "${ROUNDS:-2}"); do
      # A fresh target each round: S3 under its own key prefix, SFTP in its own folder.
      if [ "$remote" = s3 ]; then
        bench_prefix="r$round/" filesync_run "$remote" "$work/$folder" "$work/$name-$round.db" "$port" "$base" "$part"
      else
        filesync_run "$remote" "$work/$folder" "$work/$name-$round.db" "$port" "$base-r$round" "$part"
      fi
      local rc; rc=$(seconds rclone copy "$@" "$work/$folder" "$target-r$round")
      echo "$name round $round: filesync ${fs_wall}s (engine ${fs_engine}s)  rclone ${rc}s  (load $(load))"
      best_fs=$(python3 -c "print(min(float(x) for x in '${best_fs:-$fs_wall} $fs_wall'.split()))")
      best_rc=$(python3 -c "print(min(float(x) for x in '${best_rc:-$rc} $rc'.split()))")
    done
    echo "$name: best filesync ${best_fs}s  best rclone ${best_rc}s"
    summary+="$name time $(ratio $best_fs $best_rc) (goal <= 1.0), "
  else
    filesync_run "$remote" "$work/$folder" "$work/$name.db" "$port" "$base" "$part"
    local rc; rc=$(seconds rclone copy "$@" "$work/$folder" "$target")
    local mib="python3 -c"
    echo "$name ($big_mib MiB): filesync ${fs_wall}s ($($mib "print('%.0f' % ($big_mib / $fs_wall))") MiB/s, engine ${fs_engine}s)  rclone ${rc}s ($($mib "print('%.0f' % ($big_mib / $rc))") MiB/s)  (load $(load))"
    summary+="$name throughput $(ratio $rc $fs_wall) (goal >= 0.8), "
  fi
}
wanted small-s3 && compare small-s3 small s3 "$s3_port" filesync s3:rclone/small --s3-chunk-size ${part_mib}M
wanted small-sftp && compare small-sftp small sftp "$sftp_port" filesync-small sftp:rclone-small
wanted big-s3 && compare big-s3 big s3 "$s3_port" filesync s3:rclone/big --s3-chunk-size ${part_mib}M
wanted big-sftp && compare big-sftp big sftp "$sftp_port" filesync-big sftp:rclone-big

if wanted kill9; then
  # kill -9 at half of the big upload, then restart: what is sent again beyond the missing parts.
  parts=$(( (big_mib * 1024 * 1024 + part - 1) / part ))
  mkdir -p "$work/crash" && ln "$work/big/big.bin" "$work/crash/big.bin"
  # Started directly (not through a function), so $! is the JVM itself and kill -9 hits it.
  "${bench_cmd[@]}" sync s3 "$work/crash" "$work/crash.db" "$s3_port" filesync "$part" > /dev/null 2>&1 &
  crash_pid=$!
  until [ "$(sqlite3 "$work/crash.db" "SELECT COUNT(*) FROM filesync_mirror_upload_parts" 2>/dev/null || echo 0)" -ge $((parts / 2)) ]; do sleep 0.05; done
  kill -9 $crash_pid; wait $crash_pid 2>/dev/null || true
  confirmed=$(sqlite3 "$work/crash.db" "SELECT COUNT(*) FROM filesync_mirror_upload_parts")
  resumed_bytes=$(bench sync s3 "$work/crash" "$work/crash.db" "$s3_port" filesync "$part" | awk '/^RESULT/ {print $3}')
  size=$((big_mib * 1024 * 1024))
  resent=$(( resumed_bytes - (size - confirmed * part) ))
  echo "kill -9 after $confirmed of $parts parts confirmed: the restart sent $resumed_bytes bytes, of which $resent had been confirmed before (part = $part; up to 8 unconfirmed parts in flight at the kill are sent whole)  (load $(load))"
  summary+="kill-9 bytes re-sent $resent (goal <= $part), "
fi
echo "ratios: ${summary}load $(load)"
