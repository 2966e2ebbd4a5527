#!/usr/bin/env bash
# The whole benchmark comparison in one command: HFTP against redis-server (PING) and against the limit
# reference (a server that answers with a reply pre-encoded in memory), every scenario run ROUNDS times,
# interleaved (A B C ... A B C ...), so that noise on the machine hits every scenario alike.
#
#   bench/run-comparison.sh                     # 3 rounds of 10 s (+2 s warm-up) per scenario, ~10 minutes
#   DURATION=1s WARMUP=1s ROUNDS=1 IDLE_CONNECTIONS=1000 bench/run-comparison.sh    # a quick smoke run
#
# Environment: DURATION (10s), WARMUP (2s), ROUNDS (3), IDLE_CONNECTIONS (10000), SCENARIOS (all, space-
# separated labels, see below), SKIP_BUILD (0), SLICE_1M_PIPELINE (2), PREWARM (5s: an unmeasured run of
# each scenario before the rounds, 0 to skip), HFTP_JAVA_OPTS, LOAD_JAVA_OPTS, LIMIT_JAVA_OPTS.
#
# It installs redis-server (Debian's package) if missing, builds the project and the bench jar
# (mvn -Pbench package), makes the data files, starts redis-server, the HFTP server (its jar, its own JVM)
# and the limit servers on 127.0.0.1, runs the load generator (dev.hftp.it.bench.HftpLoad), stops every
# process it started on exit, and writes a markdown table of medians and ratios to stdout and to
# target/bench/comparison-<time>.md. Exit code 1 if any run saw a wrong reply or an unanswered request.
# Figures mean something only on an otherwise idle machine: the table's header records the load average.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench
DATA=$OUT/data
RUNS=$OUT/runs
JAR=$ROOT/hftp-it/target/hftp-bench.jar
SERVER_JAR=$ROOT/hftp-server/target/hftp-server.jar

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
SLICE_1M_PIPELINE=${SLICE_1M_PIPELINE:-2}
PREWARM=${PREWARM:-5s}
ALL_SCENARIOS="redis-line hftp-line limit-line hftp-metadata hftp-slice-64m limit-slice-64m"
ALL_SCENARIOS+=" hftp-slice-1m limit-slice-1m hftp-raw-64m limit-raw-64m hftp-idle"
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}
read -r -a HFTP_JAVA <<< "${HFTP_JAVA_OPTS:-}"
read -r -a LOAD_JAVA <<< "${LOAD_JAVA_OPTS:-}"
read -r -a LIMIT_JAVA <<< "${LIMIT_JAVA_OPTS:--Xmx1g}"

for s in $SCENARIOS; do
    [[ " $ALL_SCENARIOS " == *" $s "* ]] || { echo "unknown scenario $s (known: $ALL_SCENARIOS)" >&2; exit 2; }
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- processes: every one started here is stopped on exit -------------------------------------------
STARTED=()
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "pid $pid still running after 10 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME PATTERN COMMAND...: runs COMMAND in the background (stdout to NAME.out, stderr to NAME.err) and
# waits until a line of either matches PATTERN; sets PID and PORT (the first 127.0.0.1:PORT of that line).
start() {
    local name=$1 pattern=$2
    shift 2
    # Emptied here, before the start: the child's own redirection may come after the first look below.
    : > "$OUT/$name.out"
    : > "$OUT/$name.err"
    "$@" >> "$OUT/$name.out" 2>> "$OUT/$name.err" &
    PID=$!
    STARTED+=("$PID")
    local line=""
    for _ in $(seq 1 300); do
        # Complete lines only (read fails on a last line still being written).
        line=$(while IFS= read -r l; do [[ $l =~ $pattern ]] && { echo "$l"; break; }; done < <(cat "$OUT/$name.out" "$OUT/$name.err"))
        [ -n "$line" ] && break
        if ! kill -0 "$PID" 2>/dev/null; then
            log "$name exited at start:"; cat "$OUT/$name.out" "$OUT/$name.err" >&2; exit 1
        fi
        sleep 0.1
    done
    if [ -z "$line" ]; then
        log "$name did not start in 30 s:"; cat "$OUT/$name.out" "$OUT/$name.err" >&2; exit 1
    fi
    PORT=$( (grep -oE '127\.0\.0\.1:[0-9]+' <<< "$line" || true) | head -1 | cut -d: -f2)
    log "$name: pid $PID${PORT:+, port $PORT}"
}
need_port() { [ -n "$PORT" ] || { log "no 127.0.0.1:PORT in the output of $1"; exit 1; }; }

# --- prerequisites -----------------------------------------------------------------------------------
HARD=$(ulimit -Hn)
if [ "$HARD" = unlimited ] || [ "$HARD" -gt 1048576 ]; then HARD=1048576; fi
ulimit -n "$HARD" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((IDLE_CONNECTIONS + 1000)) ]; then
    log "open-file limit $(ulimit -n) is too low for $IDLE_CONNECTIONS idle connections; lowering them"
    IDLE_CONNECTIONS=$(( $(ulimit -n) - 1000 ))
fi

needs() { [[ " $SCENARIOS " == *" $1 "* ]]; }   # needs LABEL: is that scenario selected?

if needs redis-line && ! command -v redis-server > /dev/null; then
    log "installing redis-server (Debian package)"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    BEFORE=$(pgrep -x redis-server || true)
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q redis-server
    if [ -z "$BEFORE" ] && pgrep -x redis-server > /dev/null; then
        # The package's own service, started by its installation: this run uses a redis-server of its own.
        log "stopping the redis-server service that the installation started"
        $SUDO service redis-server stop > /dev/null 2>&1 || true
    fi
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building (mvn -B -q -DskipTests -Pbench package)"
    (cd "$ROOT" && mvn -B -q -DskipTests -Pbench package)
fi
[ -f "$JAR" ] && [ -f "$SERVER_JAR" ] || { log "missing $JAR or $SERVER_JAR: build first"; exit 1; }

mkdir -p "$DATA" "$RUNS"
make_file() { # make_file NAME BYTES: random content, made once
    if [ ! -f "$DATA/$1" ] || [ "$(stat -c %s "$DATA/$1")" -ne "$2" ]; then
        head -c "$2" /dev/urandom > "$DATA/$1"
    fi
}
make_file big.bin $((64 * 1024 * 1024))
make_file mid.bin $((1024 * 1024))
printf 'A small file, for get_metadata.\n' > "$DATA/small.txt"

# --- servers -----------------------------------------------------------------------------------------
# Only the servers that the selected scenarios use.
if needs redis-line; then
    REDIS_PORT=$(java -cp "$JAR" dev.hftp.it.bench.FreePort)
    start redis "Ready to accept connections" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
        --appendonly no --daemonize no --protected-mode yes --logfile ''
fi

if [[ " ${SCENARIOS/hftp-idle/} " == *" hftp-"* ]]; then
    # The server's own jar in its own JVM, with its defaults but a connection limit above the idle test's.
    start hftp " - Serving .* on 127\.0\.0\.1:[0-9]+$" java "${HFTP_JAVA[@]}" -jar "$SERVER_JAR" -a 127.0.0.1 -p 0 \
        -d "$DATA" --max-connections $((IDLE_CONNECTIONS + 1000))
    need_port hftp
    HFTP_PORT=$PORT
    HFTP_PID=$PID
fi
if needs hftp-idle; then
    # A server of its own, so that the RSS measured is that of the idle connections, not of the heap that the
    # other scenarios made the JVM grow (the JVM keeps a grown heap).
    start hftp-idle-server " - Serving .* on 127\.0\.0\.1:[0-9]+$" java "${HFTP_JAVA[@]}" -jar "$SERVER_JAR" -a 127.0.0.1 \
        -p 0 -d "$DATA" --max-connections $((IDLE_CONNECTIONS + 1000))
    need_port hftp-idle-server
    IDLE_PORT=$PORT
    IDLE_PID=$PID
fi

limit() { # limit NAME ARGS...
    local name=$1
    shift
    start "$name" "^LimitServer listening on 127\.0\.0\.1:[0-9]+ " \
        java "${LIMIT_JAVA[@]}" -cp "$JAR" dev.hftp.it.bench.LimitServer "$@"
    need_port "$name"
}
if needs limit-line; then
    limit limit-line --reply line --line-reply "200 NO SUCH COMMAND"
    LIMIT_LINE_PORT=$PORT
fi
if needs limit-slice-64m; then
    limit limit-slice-64m --reply slice --file "$DATA/big.bin"
    LIMIT_SLICE64_PORT=$PORT
fi
if needs limit-slice-1m; then
    limit limit-slice-1m --reply slice --file "$DATA/mid.bin"
    LIMIT_SLICE1_PORT=$PORT
fi
if needs limit-raw-64m; then
    limit limit-raw-64m --reply raw --file "$DATA/big.bin"
    LIMIT_RAW_PORT=$PORT
fi

# --- scenarios ---------------------------------------------------------------------------------------
args_of() { # sets ARGS for a scenario label
    case $1 in
        redis-line)      ARGS=(--port "$REDIS_PORT" --mode line --line PING --expect +PONG -c 64 -P 16) ;;
        hftp-line)       ARGS=(--port "$HFTP_PORT" --mode line --line PING --expect "200 NO SUCH COMMAND" -c 64 -P 16) ;;
        limit-line)      ARGS=(--port "$LIMIT_LINE_PORT" --mode line --line PING --expect "200 NO SUCH COMMAND" -c 64 -P 16) ;;
        hftp-metadata)   ARGS=(--port "$HFTP_PORT" --mode metadata --file "$DATA/small.txt" -c 64 -P 16) ;;
        hftp-slice-64m)  ARGS=(--port "$HFTP_PORT" --mode slice --file "$DATA/big.bin" -c 1 -P 1) ;;
        limit-slice-64m) ARGS=(--port "$LIMIT_SLICE64_PORT" --mode slice --file "$DATA/big.bin" -c 1 -P 1) ;;
        hftp-slice-1m)   ARGS=(--port "$HFTP_PORT" --mode slice --file "$DATA/mid.bin" -c 4 -P "$SLICE_1M_PIPELINE") ;;
        limit-slice-1m)  ARGS=(--port "$LIMIT_SLICE1_PORT" --mode slice --file "$DATA/mid.bin" -c 4 -P "$SLICE_1M_PIPELINE") ;;
        hftp-raw-64m)    ARGS=(--port "$HFTP_PORT" --mode raw --file "$DATA/big.bin" -c 1 -P 1) ;;
        limit-raw-64m)   ARGS=(--port "$LIMIT_RAW_PORT" --mode raw --file "$DATA/big.bin" -c 1 -P 1) ;;
        hftp-idle)       ARGS=(--port "$IDLE_PORT" --mode idle --file "$DATA/small.txt" -c "$IDLE_CONNECTIONS"
                               --source-addresses 4 --server-pid "$IDLE_PID") ;;
        *) log "unknown scenario $1 (known: $ALL_SCENARIOS)"; exit 2 ;;
    esac
}

# The servers are fresh JVMs: one unmeasured pass of every scenario (idle aside) first, so that the first
# round does not measure the JIT compiler.
if [ "$PREWARM" != 0 ]; then
    log "warming the servers up: $PREWARM per scenario, not measured"
    for s in $SCENARIOS; do
        [ "$s" = hftp-idle ] && continue
        args_of "$s"
        java "${LOAD_JAVA[@]}" -cp "$JAR" dev.hftp.it.bench.HftpLoad -q --duration "$PREWARM" --warmup 0 \
            "${ARGS[@]}" > /dev/null 2>&1 || log "warm-up of $s: exit code $?"
    done
fi

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=$OUT/results-$STAMP.jsonl
: > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=0
log "scenarios: $SCENARIOS; $ROUNDS round(s) of $DURATION after $WARMUP warm-up; results in $RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for s in $SCENARIOS; do
        args_of "$s"
        base=$RUNS/$STAMP-$s-$round
        set +e
        java "${LOAD_JAVA[@]}" -cp "$JAR" dev.hftp.it.bench.HftpLoad --label "$s" --json \
            --duration "$DURATION" --warmup "$WARMUP" "${ARGS[@]}" > "$base.out" 2> "$base.err"
        rc=$?
        set -e
        grep '^{' "$base.out" >> "$RESULTS" || true
        log "round $round: $(grep -v '^{' "$base.out" | head -1)"
        if [ "$rc" -ne 0 ]; then
            FAILED=1
            log "round $round $s: exit code $rc; see $base.err"
            grep 'error' "$base.err" | head -5 >&2 || true
        fi
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

REDIS_VERSION=$(redis-server --version | grep -oE 'v=[^ ]+' || true)
HEADER="## HFTP benchmark comparison ($(date -u +%Y-%m-%dT%H:%M:%SZ))

$(nproc) cores, $(uname -sr), $(java -version 2>&1 | head -1), redis-server ${REDIS_VERSION#v=}; \
$ROUNDS round(s) of $DURATION after $WARMUP warm-up; load average at start $LOAD_START, at end $LOAD_END \
(figures are meaningful only on an otherwise idle machine). Load generator, HFTP server (jar, defaults but \
--max-connections $((IDLE_CONNECTIONS + 1000)); hftp-idle has a fresh one of its own), redis-server and limit servers \
on 127.0.0.1, each in its own process."
REPORT=$OUT/comparison-$STAMP.md
java -cp "$JAR" dev.hftp.it.bench.BenchReport "$RESULTS" "$REPORT" \
    hftp-line/redis-line hftp-metadata/redis-line hftp-line/limit-line hftp-metadata/limit-line \
    hftp-slice-64m/limit-slice-64m hftp-slice-1m/limit-slice-1m hftp-raw-64m/limit-raw-64m \
    --header "$HEADER"
log "table written to $REPORT"
exit "$FAILED"
