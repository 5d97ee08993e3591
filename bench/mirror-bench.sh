#!/usr/bin/env bash
# Mirror throughput, filesync's mirror engine against rclone on the same data and the same servers (s3proxy and
# MINA SFTP on loopback), in one run:
#   1. N files of 4 KiB, initial sync to S3 and to SFTP: time, filesync / rclone (goal <= 1.0);
#   2. one big file to S3 and to SFTP: throughput, filesync / rclone (goal >= 0.8);
#   3. kill -9 at half of the big S3 upload, restart: bytes sent again (goal: at most one part), i.e. bytes of parts
#      the server had confirmed before the kill that the restart sends once more. Parts in flight at the kill (up to
#      upload-memory / part size, 8 by default) were never confirmed and are sent whole; that is printed too.
# The machine's load is printed with each figure (the bench shares the machine). Last line: the ratios.
#   bench/mirror-bench.sh [files=10000] [big-mib=1024] [part-mib=8]
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-10000}
big_mib=${2:-1024}
part_mib=${3:-8}
part=$((part_mib * 1024 * 1024))

for tool in rclone sqlite3; do
  command -v $tool >/dev/null || apt-get install -y -qq $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq $tool >/dev/null; }
done

mvn -B -o -q test-compile
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
bench_cmd=(java -Xmx512m -cp "$cp" -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties io.filesync.bench.MirrorBench)
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

echo "generating $files files of 4 KiB and one file of $big_mib MiB"
mkdir -p "$work/small" "$work/big"
python3 - "$work/small" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$work/big/big.bin"

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
load() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

fs_small_s3=$(bench sync s3 "$work/small" "$work/small-s3.db" "$s3_port" filesync "$part" | awk '/^RESULT/ {print $2}')
rc_small_s3=$(seconds rclone copy --s3-chunk-size ${part_mib}M "$work/small" s3:rclone/small)
echo "small files to S3:  filesync ${fs_small_s3}s  rclone ${rc_small_s3}s  (load $(load))"
fs_small_sftp=$(bench sync sftp "$work/small" "$work/small-sftp.db" "$sftp_port" filesync-small "$part" | awk '/^RESULT/ {print $2}')
rc_small_sftp=$(seconds rclone copy "$work/small" sftp:rclone-small)
echo "small files to SFTP: filesync ${fs_small_sftp}s  rclone ${rc_small_sftp}s  (load $(load))"

fs_big_s3=$(bench sync s3 "$work/big" "$work/big-s3.db" "$s3_port" filesync "$part" | awk '/^RESULT/ {print $2}')
rc_big_s3=$(seconds rclone copy --s3-chunk-size ${part_mib}M "$work/big" s3:rclone/big)
echo "$big_mib MiB to S3:   filesync ${fs_big_s3}s ($(python3 -c "print('%.0f' % ($big_mib/$fs_big_s3))") MiB/s)  rclone ${rc_big_s3}s ($(python3 -c "print('%.0f' % ($big_mib/$rc_big_s3))") MiB/s)  (load $(load))"
fs_big_sftp=$(bench sync sftp "$work/big" "$work/big-sftp.db" "$sftp_port" filesync-big "$part" | awk '/^RESULT/ {print $2}')
rc_big_sftp=$(seconds rclone copy "$work/big" sftp:rclone-big)
echo "$big_mib MiB to SFTP: filesync ${fs_big_sftp}s  rclone ${rc_big_sftp}s  (load $(load))"

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

echo "ratios: small-s3 time $(ratio $fs_small_s3 $rc_small_s3) (goal <= 1.0), small-sftp time $(ratio $fs_small_sftp $rc_small_sftp) (goal <= 1.0), big-s3 throughput $(ratio $rc_big_s3 $fs_big_s3) (goal >= 0.8), big-sftp throughput $(ratio $rc_big_sftp $fs_big_sftp) (goal >= 0.8), kill-9 bytes re-sent $resent (goal <= $part), load $(load)"
