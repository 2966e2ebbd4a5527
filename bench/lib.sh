# Sourced by the bench scripts: a log line, and processes that are all stopped when the script exits.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# PIDs of the processes a script started (STARTED+=("$!")): SIGTERM on exit, SIGKILL after 10 s.
STARTED=()
stop_started() {
    local pid
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap stop_started EXIT

# serve_jar NAME DIR ARGS...: the server jar on 127.0.0.1, a free port, serving DIR (output in $OUT/NAME.out, log in .err);
# sets PORT, and METRICS_PORT when ARGS ask for metrics.
serve_jar() {
    local name=$1 dir=$2
    shift 2
    : > "$OUT/$name.out"
    java -jar "$SERVER_JAR" -a 127.0.0.1 -p 0 -d "$dir" "$@" >> "$OUT/$name.out" 2> "$OUT/$name.err" &
    STARTED+=("$!")
    local wants_metrics=0
    [[ " $* " == *" --metrics-port "* ]] && wants_metrics=1
    for _ in $(seq 1 300); do
        grep -q ' - Serving ' "$OUT/$name.err" && { [ $wants_metrics = 0 ] || grep -q ' - Metrics at ' "$OUT/$name.err"; } \
            && break
        sleep 0.1
    done
    # The server logs both lines (stderr), after the date and level.
    PORT=$(grep -oE ' - Serving .* on 127\.0\.0\.1:[0-9]+' "$OUT/$name.err" | grep -oE '[0-9]+$' || true)
    METRICS_PORT=$(grep -oE ' - Metrics at http://127\.0\.0\.1:[0-9]+' "$OUT/$name.err" | grep -oE '[0-9]+$' || true)
    [ -n "$PORT" ] || { log "$name did not start"; cat "$OUT/$name.out" "$OUT/$name.err" >&2; exit 1; }
    log "$name on port $PORT${METRICS_PORT:+, metrics on $METRICS_PORT}"
}
