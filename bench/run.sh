#!/usr/bin/env bash
# FakeMX against Postfix's smtp-sink, side by side on loopback, in one command.
#
# Builds the C load generator (gcc -O2), publishes FakeMX in Release, starts FakeMX (with
# --defer-at rcpt, so both servers do the same work: 220, EHLO, MAIL, a 4xx to RCPT, QUIT) and
# `smtp-sink -r RCPT` at the same time on their own loopback ports, and measures them in
# alternating rounds so the noise of this shared machine hits both alike. Reports medians and
# paired ratios (FakeMX / smtp-sink, same round) per concurrency level, memory per idle
# connection, and FakeMX's time from process start to first banner.
#
# Every run is bounded by a session count and a time limit; every process started here is
# stopped by its PID. Not part of the test suite: numbers are only meaningful side by side.
#
# Settings (environment): ROUNDS (5), RUN_TIME seconds per run (3), LEVELS ("1 10 100 1000"),
# IDLE_LEVELS ("1000 10000"), IDLE_HOLD seconds (4), SOURCES loopback source addresses (8).
# Output: the summary on stdout and in artifacts/bench/summary.txt; raw lines beside it.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/artifacts/bench"
work=$(mktemp -d /tmp/fakemx-bench.XXXXXX)
rm -rf "$out"
mkdir -p "$out"

ROUNDS=${ROUNDS:-5}
RUN_TIME=${RUN_TIME:-3}
LEVELS=${LEVELS:-"1 10 100 1000"}
IDLE_LEVELS=${IDLE_LEVELS:-"1000 10000"}
IDLE_HOLD=${IDLE_HOLD:-4}
SOURCES=${SOURCES:-8}
COUNT=200000 # far above what RUN_TIME allows: the time limit ends each run
HOSTNAME_ARG=bench.fakemx.test

log() { printf '[bench] %s\n' "$*" >&2; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# 10,000 idle connections need 10,000 descriptors in each process; raise the soft limit to
# the hard one (a container may not allow more than its hard limit, even to root).
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 10500 ]; then
  log "ulimit -n is $(ulimit -n); the 10,000-connection idle run needs at least 10,500"
  exit 1
fi

command -v smtp-sink > /dev/null || { log "smtp-sink missing: apt-get install postfix"; exit 1; }
command -v nstat > /dev/null || { log "nstat missing: apt-get install iproute2"; exit 1; }
command -v sqlite3 > /dev/null || { log "sqlite3 missing: apt-get install sqlite3"; exit 1; }

log "building the load generator"
gcc -O2 -Wall -Wextra -pthread -o "$work/loadgen" bench/loadgen/loadgen.c
loadgen="$work/loadgen"

log "publishing FakeMX (Release)"
dotnet publish src/FakeMx -c Release -o "$work/fakemx" > "$out/publish.log" 2>&1 \
  || { tail -20 "$out/publish.log" >&2; exit 1; }
fakemx="$work/fakemx/fakemx"

# ------------------------------------------------------------------ helpers

# A port below the ephemeral range (where the load generator's own connections would take
# it) that no socket in any state uses.
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  while :; do
    port=$((20000 + RANDOM % (low - 20000)))
    ss -Htan "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

# CPU time (user + system, all threads) of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# Writing 5 to clear_refs resets VmHWM to the current RSS, so each level gets its own peak.
reset_hwm() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }

overflows() { nstat -saz TcpExtListenOverflows | awk '/ListenOverflows/ { print $2 }'; }

wait_banner() {
  local port=$1 deadline=$((SECONDS + 30))
  until "$loadgen" sessions --port "$port" --count 1 --time 2 --timeout 2 > /dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "no banner on port $port"; return 1; }
    sleep 0.1
  done
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

field() { tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

# Servers under test: name -> pid and port.
declare -A pid_of port_of http_port_of
names=()

start_server() {
  local name=$1
  shift
  local port
  port=$(free_port)
  case "$name" in
    smtp-sink)
      # -m: smtp-sink serves at most 256 connections at once unless told otherwise.
      smtp-sink -u postfix -m 20000 -r RCPT "127.0.0.1:$port" 4096 > "$out/$name.log" 2>&1 &
      ;;
    *)
      # As shipped: events recorded into SQLite, /metrics and the API on their own port.
      http_port_of[$name]=$(free_port)
      rm -f "$work/$name.db"*
      "$fakemx" serve --listen "127.0.0.1:$port" --hostname "$HOSTNAME_ARG" --defer-at rcpt \
        --max-connections 20000 --max-connections-per-ip 20000 --connection-rate-per-ip off \
        --connection-rate-per-network off --store "$work/$name.db" \
        --http "127.0.0.1:${http_port_of[$name]}" "$@" > "$out/$name.log" 2>&1 &
      ;;
  esac
  local pid=$!
  pids+=("$pid")
  pid_of[$name]=$pid
  port_of[$name]=$port
  names+=("$name")
  wait_banner "$port"
  log "started $name (pid $pid) on 127.0.0.1:$port"
}

stop_server() {
  local name=$1 pid=${pid_of[$1]}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}


# ------------------------------------------------------------------ machine

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "dotnet: $(dotnet --version)"
  echo "smtp-sink: postfix $(dpkg-query -W -f='${Version}' postfix 2>/dev/null || echo '?')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: ROUNDS=$ROUNDS RUN_TIME=$RUN_TIME LEVELS='$LEVELS' IDLE_LEVELS='$IDLE_LEVELS' SOURCES=$SOURCES"
} > "$out/machine.txt"
cat "$out/machine.txt" >&2

# ------------------------------------------------------------------ start-up time

log "start-up: process start to first banner, 5 tries each"
for try in 1 2 3 4 5; do
  # A fresh port per start: a port the previous server just released can still be busy.
  port=$(free_port)
  rm -f "$work/startup.db"*
  "$loadgen" startup --port "$port" --time 10 -- "$fakemx" serve --listen "127.0.0.1:$port" \
    --hostname "$HOSTNAME_ARG" --defer-at rcpt --log-level warning --store "$work/startup.db" \
    --http "127.0.0.1:$(free_port)" > "$work/startup-line"
  field startup_ms < "$work/startup-line" >> "$work/startup-fakemx"
  field startup_cpu_ms < "$work/startup-line" >> "$work/startup-fakemx-cpu"
  port=$(free_port)
  "$loadgen" startup --port "$port" --time 10 -- smtp-sink -u postfix -r RCPT "127.0.0.1:$port" 4096 \
    | field startup_ms >> "$work/startup-sink"
done
startup_fakemx=$(median < "$work/startup-fakemx")
startup_fakemx_cpu=$(median < "$work/startup-fakemx-cpu")
startup_sink=$(median < "$work/startup-sink")

# ------------------------------------------------------------------ idle connections

# Fresh servers for each K (a heap already grown by an earlier run would hide part of the
# cost), warmed with a few sessions so JIT and pools are in place, then K held connections;
# memory per connection = (RSS while holding - RSS before) / K.
log "idle: memory per held connection"
: > "$out/idle.tsv"
for k in $IDLE_LEVELS; do
  names=()
  start_server smtp-sink
  start_server fakemx --log-level warning
  for name in fakemx smtp-sink; do
    "$loadgen" sessions --port "${port_of[$name]}" --concurrency 10 --count 2000 --time 5 \
      --sources "$SOURCES" > /dev/null || true
  done
  sleep 1
  for name in fakemx smtp-sink; do
    pid=${pid_of[$name]}
    before=$(rss_kb "$pid")
    : > "$work/idle-out"
    "$loadgen" idle --port "${port_of[$name]}" --conns "$k" --hold "$IDLE_HOLD" --time 60 \
      --sources "$SOURCES" > "$work/idle-out" 2>&1 &
    idle_pid=$!
    pids+=("$idle_pid")
    deadline=$((SECONDS + 70))
    until grep -q '^held=' "$work/idle-out" || [ $SECONDS -gt $deadline ]; do sleep 0.1; done
    # Sample a few times while the connections are held and keep the largest.
    during=0
    for _ in 1 2 3 4 5; do
      sleep 0.3
      now=$(rss_kb "$pid")
      [ "$now" -gt "$during" ] && during=$now
    done
    wait "$idle_pid" || true
    held=$(head -1 "$work/idle-out" | field held)
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$k" "$held" "$before" "$during" >> "$out/idle.tsv"
    log "idle $name k=$k held=$held rss ${before} -> ${during} kB"
  done
  stop_server fakemx
  stop_server smtp-sink
done
names=()

# ------------------------------------------------------------------ sessions

start_server smtp-sink
start_server fakemx
start_server fakemx-warn --log-level warning
# Recording effectively off: a store queue of one drops nearly every event before the store.
start_server fakemx-norec --store-queue 1

# Warm-up: the JIT's tiered compilation settles in the first few thousand sessions, and
# every server gets the same treatment.
for name in "${names[@]}"; do
  "$loadgen" sessions --port "${port_of[$name]}" --concurrency 100 --count 50000 --time 4 \
    --sources "$SOURCES" > /dev/null || true
done

: > "$out/runs.tsv"
for level in $LEVELS; do
  for name in "${names[@]}"; do reset_hwm "${pid_of[$name]}"; done
  for round in $(seq 1 "$ROUNDS"); do
    # Rotate the order every round so no server always runs first (or right after another).
    order=("${names[@]:$(( (round - 1) % ${#names[@]} ))}" "${names[@]:0:$(( (round - 1) % ${#names[@]} ))}")
    for name in "${order[@]}"; do
      pid=${pid_of[$name]}
      cpu0=$(cpu_ticks "$pid")
      ov0=$(overflows)
      line=$("$loadgen" sessions --port "${port_of[$name]}" --concurrency "$level" --count "$COUNT" \
        --time "$RUN_TIME" --timeout 10 --sources "$SOURCES" || true)
      ov1=$(overflows)
      cpu1=$(cpu_ticks "$pid")
      printf '%s\t%s\t%s\tserver_ticks=%s overflows=%s %s\n' "$level" "$round" "$name" \
        "$((cpu1 - cpu0))" "$((ov1 - ov0))" "$line" >> "$out/runs.tsv"
      sleep 0.5
    done
  done
  for name in "${names[@]}"; do
    printf '%s\t%s\t%s\n' "$level" "$name" "$(hwm_kb "${pid_of[$name]}")" >> "$out/peak.tsv"
  done
  log "level $level done"
done

# Did the recording server keep every event? Its own counters, then the rows in its database.
sleep 2
metrics=$(curl -s --max-time 5 "http://127.0.0.1:${http_port_of[fakemx]}/metrics" || true)
sessions_total=$(awk '/^fakemx_smtp_sessions_total/ { s += $2 } END { print s + 0 }' <<< "$metrics")
dropped_total=$(awk '/^fakemx_events_dropped_total/ { s += $2 } END { print s + 0 }' <<< "$metrics")
db_rows=$(sqlite3 "$work/fakemx.db" "select count(*) from sessions" 2>/dev/null || echo "?")

# ------------------------------------------------------------------ summary

ticks=$(getconf CLK_TCK)
summary() {
  echo "== machine"
  cat "$out/machine.txt"
  echo
  echo "== start-up (process start to first 220, median of 5)"
  echo "fakemx ${startup_fakemx} ms wall, ${startup_fakemx_cpu} ms CPU (target < 250 ms wall);" \
    "smtp-sink ${startup_sink} ms wall"
  echo "(wall times: $(tr '\n' ' ' < "$work/startup-fakemx"))"
  echo
  echo "== idle connections (RSS delta / held connections)"
  printf '%-10s %7s %7s %10s %10s %12s\n' server conns held rss_before rss_during bytes_per_conn
  while IFS=$'\t' read -r name k held before during; do
    printf '%-10s %7s %7s %8skB %8skB %12.0f\n' "$name" "$k" "$held" "$before" "$during" \
      "$(awk -v b="$before" -v d="$during" -v h="$held" 'BEGIN { print h ? (d - b) * 1024 / h : 0 }')"
  done < "$out/idle.tsv"
  echo
  echo "== sessions (medians over $ROUNDS rounds of ${RUN_TIME}s; ratio = median of per-round X/smtp-sink)"
  printf '%-5s %-13s %9s %8s %10s %10s %9s %9s %9s %8s %7s %9s\n' c server sess/s ratio srv_us/s ratio \
    p50_ms p99_ms cli_us/s errors ovfl peak_MB
  for level in $LEVELS; do
    for name in "${names[@]}"; do
      local rows rates cpus p50s p99s clis errs ovfl rate_ratio cpu_ratio peak
      rows=$(awk -F'\t' -v l="$level" -v n="$name" '$1 == l && $3 == n' "$out/runs.tsv")
      rates=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "rate" { print $2 }')
      cpus=$(echo "$rows" | awk -F'\t' -v t="$ticks" '{ delete f; split($4, a, " ");
        for (i in a) { split(a[i], kv, "="); f[kv[1]] = kv[2] }
        print f["ok"] ? f["server_ticks"] / t * 1e6 / f["ok"] : 0 }')
      p50s=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "p50_us" { print $2 / 1000 }')
      p99s=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "p99_us" { print $2 / 1000 }')
      clis=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "client_cpu_us_per_session" { print $2 }')
      errs=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "errors" { s += $2 } END { print s + 0 }')
      ovfl=$(echo "$rows" | tr '\t' ' ' | tr ' ' '\n' | awk -F= '$1 == "overflows" { s += $2 } END { print s + 0 }')
      rate_ratio=$(ratio "$level" "$name" rate)
      cpu_ratio=$(ratio "$level" "$name" cpu)
      peak=$(awk -F'\t' -v l="$level" -v n="$name" '$1 == l && $2 == n { printf "%.1f", $3 / 1024 }' "$out/peak.tsv")
      printf '%-5s %-13s %9.0f %8s %10.1f %10s %9.2f %9.2f %9.1f %8s %7s %9s\n' "$level" "$name" \
        "$(median <<< "$rates")" "$rate_ratio" "$(median <<< "$cpus")" "$cpu_ratio" \
        "$(median <<< "$p50s")" "$(median <<< "$p99s")" "$(median <<< "$clis")" "$errs" "$ovfl" "$peak"
    done
  done
  echo
  echo "errors = failed or timed-out sessions summed over all rounds; ovfl = TcpExtListenOverflows"
  echo "increase during that server's runs (machine-wide counter); srv_us/s = server CPU per session"
  echo "(utime+stime from /proc/PID/stat); cli_us/s = the load generator's own CPU per session."
  echo
  echo "== recording into SQLite (fakemx against fakemx-norec, whose events are dropped)"
  for level in $LEVELS; do
    echo "c=$level sessions/s ratio $(ratio "$level" fakemx rate fakemx-norec)"
  done
  echo "fakemx: sessions finished $sessions_total, events dropped $dropped_total, rows in its database $db_rows"
}

# The per-round ratio of one server to smtp-sink, then the median of those ratios.
ratio() {
  local level=$1 name=$2 what=$3 reference=${4:-smtp-sink}
  awk -F'\t' -v l="$level" -v n="$name" -v w="$what" -v t="$ticks" -v ref="$reference" '
    $1 != l { next }
    {
      delete f
      split($4, a, " ")
      for (i in a) { split(a[i], kv, "="); f[kv[1]] = kv[2] }
      v = (w == "rate") ? f["rate"] : (f["ok"] ? f["server_ticks"] / t / f["ok"] : 0)
      if ($3 == n) x[$2] = v
      if ($3 == ref) s[$2] = v
    }
    END { for (r in x) if (s[r] > 0) print x[r] / s[r] }' "$out/runs.tsv" | median | awk '{ printf "%.2f", $1 }'
}

summary | tee "$out/summary.txt"
