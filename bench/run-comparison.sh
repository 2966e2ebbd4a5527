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
# each scenario before the rounds, 0 to skip), HFTP_JAVA_OPTS, LOAD_JAVA_OPTS, LIMIT_JAVA_OPTS,
# CLIENT_ROUNDS (7: the client commands, see below).
#
# The scenario "client" times whole commands as users run them, interleaved CLIENT_ROUNDS times, medians:
# curl -o of a 256 MiB file from nginx (Debian's package, installed if missing, started here on 127.0.0.1 with
# sendfile on) against bin/hftp get of the same file from the HFTP server (the distribution's launcher,
# --raw and base64), and bin/hftp stat against java -version (the JVM's floor).
#
# The scenario "nginx-small" is a peer of hftp-metadata: the same nginx (one worker) answering 64 connections of
# 16 pipelined GETs of small.txt, loaded by wrk (Debian's package, installed if missing), so that each request pays
# the file system (open, fstat, sendfile, close) as a get_metadata pays its stats. DURATION must then be in
# seconds ("5s"). wrk's latency percentiles under pipelining are per batch and sometimes 0: read its req/s and CPU.
# Every row reports the load tool's CPU and the server's (from /proc), and the server's CPU per request.
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
ALL_SCENARIOS+=" hftp-slice-1m limit-slice-1m hftp-raw-64m limit-raw-64m hftp-idle nginx-small client"
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

install_package() { # install_package COMMAND PACKAGE: Debian's package, if the command is missing
    command -v "$1" > /dev/null && return 0
    log "installing $2 (Debian package)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$2"
}
if needs client || needs nginx-small; then
    install_package nginx nginx
    install_package curl curl
    # The package's own service may have started on port 80: this run uses an nginx of its own.
    { [ "$(id -u)" -eq 0 ] && service nginx stop; } > /dev/null 2>&1 || true
fi

if needs nginx-small; then
    install_package wrk wrk
fi

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
if needs client; then make_file big256.bin $((256 * 1024 * 1024)); fi
make_file mid.bin $((1024 * 1024))
printf 'A small file, for get_metadata.\n' > "$DATA/small.txt"

# --- servers -----------------------------------------------------------------------------------------
# Only the servers that the selected scenarios use.
if needs redis-line; then
    REDIS_PORT=$(java -cp "$JAR" dev.hftp.it.bench.FreePort)
    start redis "Ready to accept connections" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
        --appendonly no --daemonize no --protected-mode yes --logfile ''
    REDIS_PID=$PID
fi

if [[ " ${SCENARIOS/hftp-idle/} " == *" hftp-"* ]] || needs client; then
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

if needs client || needs nginx-small; then
    NGINX_PORT=$(java -cp "$JAR" dev.hftp.it.bench.FreePort)
    mkdir -p "$OUT/nginx"
    cat > "$OUT/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nodelay on;
    client_body_temp_path $OUT/nginx;
    proxy_temp_path $OUT/nginx;
    fastcgi_temp_path $OUT/nginx;
    uwsgi_temp_path $OUT/nginx;
    scgi_temp_path $OUT/nginx;
    # A pipelining load tool sends many requests per connection: no limit on them.
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $DATA;
    }
}
NGINX
    # nginx says nothing when it is up: started, then asked until it answers.
    nginx -c "$OUT/nginx/nginx.conf" -e "$OUT/nginx/error.log" > "$OUT/nginx.out" 2>&1 &
    STARTED+=("$!")
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/small.txt" && break
        sleep 0.1
    done
    NGINX_WORKER=$(pgrep -P "$(cat "$OUT/nginx/nginx.pid")" | head -1)
    log "nginx on port $NGINX_PORT (worker pid $NGINX_WORKER)"
fi
if needs client; then
    DIST=$OUT/dist
    rm -rf "$DIST" && mkdir -p "$DIST"
    tar -xzf "$ROOT"/hftp-dist/target/hftp-*.tar.gz -C "$DIST"
    HFTP_CMD=$(echo "$DIST"/hftp-*/bin/hftp)
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
    LIMIT_LINE_PID=$PID
fi
if needs limit-slice-64m; then
    limit limit-slice-64m --reply slice --file "$DATA/big.bin"
    LIMIT_SLICE64_PORT=$PORT
    LIMIT_SLICE64_PID=$PID
fi
if needs limit-slice-1m; then
    limit limit-slice-1m --reply slice --file "$DATA/mid.bin"
    LIMIT_SLICE1_PORT=$PORT
    LIMIT_SLICE1_PID=$PID
fi
if needs limit-raw-64m; then
    limit limit-raw-64m --reply raw --file "$DATA/big.bin"
    LIMIT_RAW_PORT=$PORT
    LIMIT_RAW_PID=$PID
fi

# --- scenarios ---------------------------------------------------------------------------------------
args_of() { # sets ARGS for a scenario label
    case $1 in
        redis-line)      ARGS=(--port "$REDIS_PORT" --mode line --line PING --expect +PONG -c 64 -P 16 --server-pid "$REDIS_PID") ;;
        hftp-line)       ARGS=(--port "$HFTP_PORT" --mode line --line PING --expect "200 NO SUCH COMMAND" -c 64 -P 16 --server-pid "$HFTP_PID") ;;
        limit-line)      ARGS=(--port "$LIMIT_LINE_PORT" --mode line --line PING --expect "200 NO SUCH COMMAND" -c 64 -P 16 --server-pid "$LIMIT_LINE_PID") ;;
        hftp-metadata)   ARGS=(--port "$HFTP_PORT" --mode metadata --file "$DATA/small.txt" -c 64 -P 16 --server-pid "$HFTP_PID") ;;
        hftp-slice-64m)  ARGS=(--port "$HFTP_PORT" --mode slice --file "$DATA/big.bin" -c 1 -P 1 --server-pid "$HFTP_PID") ;;
        limit-slice-64m) ARGS=(--port "$LIMIT_SLICE64_PORT" --mode slice --file "$DATA/big.bin" -c 1 -P 1 --server-pid "$LIMIT_SLICE64_PID") ;;
        hftp-slice-1m)   ARGS=(--port "$HFTP_PORT" --mode slice --file "$DATA/mid.bin" -c 4 -P "$SLICE_1M_PIPELINE" --server-pid "$HFTP_PID") ;;
        limit-slice-1m)  ARGS=(--port "$LIMIT_SLICE1_PORT" --mode slice --file "$DATA/mid.bin" -c 4 -P "$SLICE_1M_PIPELINE" --server-pid "$LIMIT_SLICE1_PID") ;;
        hftp-raw-64m)    ARGS=(--port "$HFTP_PORT" --mode raw --file "$DATA/big.bin" -c 1 -P 1 --server-pid "$HFTP_PID") ;;
        limit-raw-64m)   ARGS=(--port "$LIMIT_RAW_PORT" --mode raw --file "$DATA/big.bin" -c 1 -P 1 --server-pid "$LIMIT_RAW_PID") ;;
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
        { [ "$s" = hftp-idle ] || [ "$s" = client ] || [ "$s" = nginx-small ]; } && continue
        args_of "$s"
        java "${LOAD_JAVA[@]}" -cp "$JAR" dev.hftp.it.bench.HftpLoad -q --duration "$PREWARM" --warmup 0 \
            "${ARGS[@]}" > /dev/null 2>&1 || log "warm-up of $s: exit code $?"
    done
fi

# nginx-small: what a mature server pays per small-file request (open, fstat, sendfile, close), as a peer of
# hftp-metadata: wrk, 64 connections each pipelining 16 GETs of small.txt, the same shape as the HFTP rows. Prints
# one JSON line in HftpLoad's fields; the load tool's CPU from bash's `time`, nginx's worker's from /proc.
ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
nginx_small() { # nginx_small BASE: one run, its output in BASE.out
    local base=$1 script=$OUT/nginx/pipeline.lua seconds=${DURATION%s} before after cpu
    cat > "$script" <<'LUA'
init = function(args)
    local batch = {}
    for i = 1, 16 do batch[i] = wrk.format(nil, "/small.txt") end
    pipelined = table.concat(batch)
end
request = function() return pipelined end
LUA
    before=$(ticks "$NGINX_WORKER")
    cpu=$( { TIMEFORMAT='%U %S'; time wrk -t2 -c64 -d"$DURATION" --latency -s "$script" \
        "http://127.0.0.1:$NGINX_PORT/small.txt" > "$base.out" 2> "$base.err"; } 2>&1 )
    after=$(ticks "$NGINX_WORKER")
    awk -v cpu="$cpu" -v ticks=$((after - before)) -v seconds="$seconds" '
        function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1e6; return v }
        function mb(v) { if (v ~ /GB$/) return v * 1000; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1000; return v / 1e6 }
        /^Requests\/sec:/ { rps = $2 }
        /^Transfer\/sec:/ { rate = mb($2) }
        /^ +50%/ { p50 = us($2) }
        /^ +99%/ { p99 = us($2) }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        /Socket errors:/ { n = split($0, parts, /[ ,]+/); for (i = 1; i <= n; i++) if (parts[i] ~ /^[0-9]+$/) errors += parts[i] }
        END {
            split(cpu, c, " ")
            server = ticks / 100.0
            printf "{\"label\":\"nginx-small\",\"mode\":\"http\",\"connections\":64,\"pipeline\":16,"
            printf "\"requestsPerSec\":%.1f,\"mbPerSec\":%.1f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":0,", rps, rate, p50, p99
            printf "\"errors\":%d,\"loadCpuCores\":%.3f,\"serverCpuCores\":%.3f,", errors, (c[1] + c[2]) / seconds, server / seconds
            printf "\"serverCpuUsPerRequest\":%.3f}\n", (rps > 0 ? server * 1e6 / (rps * seconds) : 0)
        }' "$base.out"
}

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=$OUT/results-$STAMP.jsonl
: > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=0
log "scenarios: $SCENARIOS; $ROUNDS round(s) of $DURATION after $WARMUP warm-up; results in $RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for s in $SCENARIOS; do
        [ "$s" = client ] && continue
        if [ "$s" = nginx-small ]; then
            nginx_small "$RUNS/$STAMP-$s-$round" >> "$RESULTS"
            log "round $round: nginx-small $(tail -1 "$RESULTS")"
            continue
        fi
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

# --- client commands, whole, as users run them -------------------------------------------------------
CLIENT_TABLE=""
if needs client; then
    CLIENT_ROUNDS=${CLIENT_ROUNDS:-7}
    CLIENT_RESULTS=$OUT/client-$STAMP.txt
    : > "$CLIENT_RESULTS"
    WORK=$OUT/client-work
    mkdir -p "$WORK"
    client_command() { # client_command LABEL: runs it once, its files in $WORK
        case $1 in
            curl-get-256m)     curl -s -o "$WORK/curl.bin" "http://127.0.0.1:$NGINX_PORT/big256.bin" ;;
            hftp-get-raw-256m) "$HFTP_CMD" get "127.0.0.1:$HFTP_PORT" big256.bin -o "$WORK/raw.bin" --raw -q ;;
            hftp-get-256m)     "$HFTP_CMD" get "127.0.0.1:$HFTP_PORT" big256.bin -o "$WORK/b64.bin" -q ;;
            hftp-stat)         "$HFTP_CMD" stat "127.0.0.1:$HFTP_PORT" big256.bin > /dev/null ;;
            java-version)      java -version 2> /dev/null ;;
        esac
    }
    COMMANDS="curl-get-256m hftp-get-raw-256m hftp-get-256m hftp-stat java-version"
    for c in $COMMANDS; do   # once each, not measured
        client_command "$c" || { log "client command $c failed"; FAILED=1; }
    done
    for round in $(seq 1 "$CLIENT_ROUNDS"); do
        for c in $COMMANDS; do
            t0=$(date +%s%N)
            client_command "$c" || { log "client command $c failed"; FAILED=1; }
            t1=$(date +%s%N)
            echo "$c $(( (t1 - t0) / 1000000 ))" >> "$CLIENT_RESULTS"
        done
    done
    for f in raw b64 curl; do
        cmp -s "$WORK/$f.bin" "$DATA/big256.bin" || { log "$f download: not the file's bytes"; FAILED=1; }
    done
    median_ms() {
        grep "^$1 " "$CLIENT_RESULTS" | cut -d' ' -f2 | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
    }
    CLIENT_TABLE="
### Client commands, whole (medians of $CLIENT_ROUNDS interleaved runs; hftp is the distribution's bin/hftp)

| command | median ms | ratio | to |
|---|---:|---:|---|"
    for row in "hftp-get-raw-256m curl-get-256m" "hftp-get-256m curl-get-256m" "hftp-stat java-version" \
               "curl-get-256m -" "java-version -"; do
        read -r a b <<< "$row"
        ma=$(median_ms "$a")
        if [ "$b" = - ]; then
            CLIENT_TABLE+=$'\n'"| $a | $ma | | |"
        else
            mb=$(median_ms "$b")
            CLIENT_TABLE+=$'\n'"| $a | $ma | $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}') | $b |"
        fi
    done
    log "client commands: $CLIENT_RESULTS"
fi
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
    hftp-line/redis-line hftp-metadata/redis-line hftp-metadata/nginx-small hftp-line/limit-line hftp-metadata/limit-line \
    hftp-slice-64m/limit-slice-64m hftp-slice-1m/limit-slice-1m hftp-raw-64m/limit-raw-64m \
    --header "$HEADER"
if [ -n "$CLIENT_TABLE" ]; then
    printf '%s\n' "$CLIENT_TABLE" >> "$REPORT"
    printf '%s\n' "$CLIENT_TABLE"
fi
log "table written to $REPORT"
exit "$FAILED"
