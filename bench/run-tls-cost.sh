#!/usr/bin/env bash
# What TLS costs a download: two server jars on 127.0.0.1 over the same directory, one plain and one with
# --tls-cert/--tls-key (a self-signed pair made here with openssl), and the hftp client jar fetching one
# file from each, base64 and raw, ROUNDS times interleaved; prints the median seconds of each variant (the
# whole command, JVM start included) and the TLS/plain ratios. Every download is compared with the file.
#
#   bench/run-tls-cost.sh                  # 3 rounds, a 256 MiB file
#   ROUNDS=1 SIZE_MIB=64 bench/run-tls-cost.sh
#
# Environment: ROUNDS (3), SIZE_MIB (256), SKIP_BUILD (0).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench/tls
SERVER_JAR=$ROOT/hftp-server/target/hftp-server.jar
CLIENT_JAR=$ROOT/hftp-client/target/hftp.jar
ROUNDS=${ROUNDS:-3}
SIZE_MIB=${SIZE_MIB:-256}

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building (mvn -B -q -DskipTests package)"
    (cd "$ROOT" && mvn -B -q -DskipTests package)
fi
mkdir -p "$OUT/data"
FILE=$OUT/data/file.bin
[ -f "$FILE" ] && [ "$(stat -c %s "$FILE")" -eq $((SIZE_MIB * 1024 * 1024)) ] \
    || head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$OUT/key.pem" \
    -out "$OUT/cert.pem" -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2> /dev/null

serve_jar plain "$OUT/data"
PLAIN=$PORT
serve_jar tls "$OUT/data" --tls-cert "$OUT/cert.pem" --tls-key "$OUT/key.pem"
TLS=$PORT

VARIANTS="plain-base64 tls-base64 plain-raw tls-raw"
declare -A TIMES
for round in $(seq 1 "$ROUNDS"); do
    for v in $VARIANTS; do
        args=(get -q -o "$OUT/got.bin")
        [[ $v == *-raw ]] && args+=(--raw)
        if [[ $v == tls-* ]]; then
            args=(--tls-ca "$OUT/cert.pem" "${args[@]}" "127.0.0.1:$TLS" file.bin)
        else
            args=("${args[@]}" "127.0.0.1:$PLAIN" file.bin)
        fi
        rm -f "$OUT/got.bin"
        start=$(date +%s.%N)
        java -jar "$CLIENT_JAR" "${args[@]}"
        end=$(date +%s.%N)
        cmp -s "$FILE" "$OUT/got.bin" || { log "$v: the download differs from the file"; exit 1; }
        t=$(echo "$end - $start" | bc)
        TIMES[$v]="${TIMES[$v]:-} $t"
        log "round $round $v: ${t} s"
    done
done

median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "## TLS cost ($(date -u +%Y-%m-%dT%H:%M:%SZ)): ${SIZE_MIB} MiB, $ROUNDS round(s), $(nproc) cores"
echo
echo "| variant | seconds per run | median |"
echo "|---|---|---:|"
for v in $VARIANTS; do
    echo "| $v |${TIMES[$v]} | $(median "${TIMES[$v]}") |"
done
echo
for mode in base64 raw; do
    p=$(median "${TIMES[plain-$mode]}")
    t=$(median "${TIMES[tls-$mode]}")
    echo "- $mode: TLS/plain time $(echo "scale=2; $t / $p" | bc)"
done
