#!/usr/bin/env bash
# Sustained event ingest into SQLite and into PostgreSQL: `bash bench/store-ingest/run.sh`.
#
# Builds the runner, then for each store does RUNS runs of EVENTS events (direct batch writes,
# and the server's queue+writer path fed at RATE events/s) and prints the medians. PostgreSQL
# is a throwaway cluster under /tmp (fsync on, as in production), or the one named by
# FAKEMX_BENCH_POSTGRES (an Npgsql connection string to a database that may CREATE DATABASE).
#
# PRELOAD=N starts every SQLite store with N older sessions (spread over 30 days) instead of empty.
#
# BASELINE=<git ref> compares side by side instead: the runner of that commit and this one take
# turns, one SQLite run each, RUNS times (a shared machine's load drifts; turns keep it fair).
set -euo pipefail
cd "$(dirname "$0")"
runs=${RUNS:-5}
events=${EVENTS:-200000}
rate=${RATE:-50000}

dotnet build -c Release -nologo -clp:ErrorsOnly -o "$PWD/bin/out" > /dev/null
runner="$PWD/bin/out/store-ingest"
scratch=$(mktemp -d /tmp/fakemx-bench-ingest.XXXXXX)
chmod 755 "$scratch"

pg_ctl_bin=""
baseline_tree=""
cleanup() {
  if [ -n "$baseline_tree" ]; then
    git -C "$here" worktree remove --force "$baseline_tree" > /dev/null 2>&1 || true
  fi
  if [ -n "$pg_ctl_bin" ]; then
    runuser -u postgres -- "$pg_ctl_bin" -D "$scratch/pg/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

here=$PWD
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "${BASELINE:-}" ]; then
  baseline_tree="$scratch/baseline"
  git -C "$here" worktree add --detach "$baseline_tree" "$BASELINE" > /dev/null 2>&1
  (cd "$baseline_tree/bench/store-ingest" &&
    dotnet build -c Release -nologo -clp:ErrorsOnly -o "$scratch/baseline-out" > /dev/null)
  for run in $(seq 1 "$runs"); do
    echo "== turn $run, baseline $BASELINE"
    "$scratch/baseline-out/store-ingest" sqlite "$scratch/sqlite-base" 1 "$events" "$rate" | grep '^run'
    echo "== turn $run, this tree"
    "$runner" sqlite "$scratch/sqlite" 1 "$events" "$rate" | grep '^run\|load'
  done
  exit 0
fi

echo "== SQLite ($runs runs x $events events, offered $rate/s)"
"$runner" sqlite "$scratch/sqlite" "$runs" "$events" "$rate"

postgres=${FAKEMX_BENCH_POSTGRES:-}
if [ -z "$postgres" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$scratch/pg" && chown postgres:postgres "$scratch/pg"
  port=$((40000 + RANDOM % 20000))
  runuser -u postgres -- "$bin/initdb" -D "$scratch/pg/data" -U postgres -A trust > /dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$scratch/pg/data" -l "$scratch/pg/log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $scratch/pg" start > /dev/null
  pg_ctl_bin="$bin/pg_ctl"
  postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
fi

echo "== PostgreSQL ($runs runs x $events events, offered $rate/s)"
"$runner" postgres "$postgres" "$runs" "$events" "$rate"
