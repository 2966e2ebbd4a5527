#!/usr/bin/env bash
# What the Prometheus metrics cost: two servers from the same jar on 127.0.0.1, one plain and one with
# --metrics-port (scraped once a second during the runs, 15 to 60 times as often as Prometheus usually
# does), under the same loads, ROUNDS times interleaved; prints a table of medians and ratios
# (metrics/plain) and writes it to target/bench/metrics-overhead-<time>.md.
#
#   bench/run-metrics-overhead.sh                 # 3 rounds of 5 s (+2 s warm-up) per scenario
#   DURATION=2s ROUNDS=1 bench/run-metrics-overhead.sh
#
# Environment: DURATION (5s), WARMUP (2s), ROUNDS (3), PREWARM (3s), SKIP_BUILD (0).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench
DATA=$OUT/data
RUNS=$OUT/runs
JAR=$ROOT/hftp-it/target/hftp-bench.jar
SERVER_JAR=$ROOT/hftp-server/target/hftp-server.jar
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
PREWARM=${PREWARM:-3s}

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building (mvn -B -q -DskipTests -Pbench package)"
    (cd "$ROOT" && mvn -B -q -DskipTests -Pbench package)
fi
mkdir -p "$DATA" "$RUNS"
[ -f "$DATA/mid.bin" ] && [ "$(stat -c %s "$DATA/mid.bin")" -eq 1048576 ] || head -c 1048576 /dev/urandom > "$DATA/mid.bin"
[ -f "$DATA/big.bin" ] && [ "$(stat -c %s "$DATA/big.bin")" -eq 67108864 ] || head -c 67108864 /dev/urandom > "$DATA/big.bin"
printf 'A small file, for get_metadata.\n' > "$DATA/small.txt"

serve_jar plain "$DATA"
PLAIN_PORT=$PORT
serve_jar metrics "$DATA" --metrics-port 0
METRICS_SERVER_PORT=$PORT
SCRAPE_PORT=$METRICS_PORT

# A scraper, once a second, for the whole run.
( while sleep 1; do curl -s -o /dev/null "http://127.0.0.1:$SCRAPE_PORT/metrics" || true; done ) &
STARTED+=("$!")

SCENARIOS="metadata-plain metadata-metrics slice-1m-plain slice-1m-metrics raw-64m-plain raw-64m-metrics"
args_of() {
    local port=$PLAIN_PORT
    [[ $1 == *-metrics ]] && port=$METRICS_SERVER_PORT
    case $1 in
        metadata-*) ARGS=(--port "$port" --mode metadata --file "$DATA/small.txt" -c 64 -P 16) ;;
        slice-1m-*) ARGS=(--port "$port" --mode slice --file "$DATA/mid.bin" -c 4 -P 2) ;;
        raw-64m-*)  ARGS=(--port "$port" --mode raw --file "$DATA/big.bin" -c 1 -P 1) ;;
    esac
}

for s in $SCENARIOS; do
    args_of "$s"
    java -cp "$JAR" dev.hftp.it.bench.HftpLoad -q --duration "$PREWARM" --warmup 0 "${ARGS[@]}" > /dev/null 2>&1 || true
done

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=$OUT/metrics-overhead-$STAMP.jsonl
: > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=0
for round in $(seq 1 "$ROUNDS"); do
    for s in $SCENARIOS; do
        args_of "$s"
        base=$RUNS/$STAMP-$s-$round
        if ! java -cp "$JAR" dev.hftp.it.bench.HftpLoad --label "$s" --json --duration "$DURATION" \
                --warmup "$WARMUP" "${ARGS[@]}" > "$base.out" 2> "$base.err"; then
            FAILED=1
            log "round $round $s failed; see $base.err"
        fi
        grep '^{' "$base.out" >> "$RESULTS" || true
        log "round $round: $(grep -v '^{' "$base.out" | head -1)"
    done
done

HEADER="## Metrics overhead ($(date -u +%Y-%m-%dT%H:%M:%SZ))

$(nproc) cores, $(uname -sr), $(java -version 2>&1 | head -1); $ROUNDS round(s) of $DURATION after $WARMUP \
warm-up, interleaved; load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg). Two server \
jars with their defaults, one with --metrics-port scraped every second."
REPORT=$OUT/metrics-overhead-$STAMP.md
java -cp "$JAR" dev.hftp.it.bench.BenchReport "$RESULTS" "$REPORT" \
    metadata-metrics/metadata-plain slice-1m-metrics/slice-1m-plain raw-64m-metrics/raw-64m-plain --header "$HEADER"
log "table written to $REPORT"
exit "$FAILED"
