#!/usr/bin/env bash
# Runs every FakeMX test project against real peers, and prints "N passed, N failed" last.
#
# It installs the Debian packages the tests talk to when they are missing (swaks, Postfix,
# dnsmasq, PostgreSQL, Chromium, rbldnsd, nftables, afl++), starts a throwaway PostgreSQL
# cluster under /tmp for the store tests, builds once, runs each test project in turn and
# exits non-zero if anything failed, including a build or an install.
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

packages=(swaks postfix dnsmasq-base postgresql chromium rbldnsd nftables dnsutils iproute2 afl++ procps systemd
  netcat-openbsd)

log() { printf '[test] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  log "installing ${missing[*]}"
  # Keep package scripts from starting the machine's own Postfix or PostgreSQL: tests run
  # their own instances under their own directories.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" > "$results/apt.log" 2>&1
  local status=$?
  [ $created_policy -eq 1 ] && rm -f "$policy"
  if [ $status -ne 0 ]; then
    log "apt-get install failed; see $results/apt.log"
    tail -20 "$results/apt.log" >&2
    return 1
  fi
}

pg_dir=""
pg_bin=""
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pg_bin" ] || { log "PostgreSQL binaries not found"; return 1; }
  pg_dir=$(mktemp -d /tmp/fakemx-pg.XXXXXX)
  chmod 755 "$pg_dir"
  chown postgres:postgres "$pg_dir"
  local port=$((40000 + RANDOM % 20000))
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust > "$results/initdb.log" 2>&1 \
    || { log "initdb failed; see $results/initdb.log"; return 1; }
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $pg_dir -c fsync=off -c max_connections=200" start \
    > "$results/pg_ctl.log" 2>&1 || { log "PostgreSQL did not start"; cat "$pg_dir/server.log" >&2; return 1; }
  export FAKEMX_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  export FAKEMX_TEST_POSTGRES_CTL="$pg_bin/pg_ctl"
  export FAKEMX_TEST_POSTGRES_DATA="$pg_dir/data"
  log "PostgreSQL on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir/data" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop > /dev/null 2>&1
    rm -rf "$pg_dir"
  fi
}
trap stop_postgres EXIT

passed=0
failed=0

add_counts() {
  local trx=$1
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  local p f n
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<< "$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<< "$counters")
  # A test that did not run is a test that did not pass: there is no skipping in this suite.
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<< "$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${n:-0}))
}

setup_ok=1
install_packages || setup_ok=0
if [ $setup_ok -eq 1 ]; then
  start_postgres || setup_ok=0
fi

if [ $setup_ok -eq 0 ]; then
  log "the test peers could not be set up"
  failed=$((failed + 1))
else
  log "building"
  if ! dotnet build FakeMx.slnx -c Release -nologo -clp:ErrorsOnly > "$results/build.log" 2>&1; then
    cat "$results/build.log" >&2
    log "build failed"
    failed=$((failed + 1))
  else
    for project in tests/*/*.csproj; do
      name=$(basename "$project" .csproj)
      log "running $name"
      dotnet test "$project" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
        --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true \
        > "$results/$name.log" 2>&1
      status=$?
      grep -E '^\s+(Failed|Skipped) |^Total tests|Passed!|Failed!|error [A-Z]+[0-9]+' "$results/$name.log" >&2
      if [ -f "$results/$name.trx" ]; then
        add_counts "$results/$name.trx"
        if [ $status -ne 0 ] && ! grep -q 'failed="[1-9]' "$results/$name.trx"; then
          log "$name exited $status without a failed test (crash or abort); counting one failure"
          failed=$((failed + 1))
        fi
      else
        log "$name produced no results (exit $status)"
        tail -30 "$results/$name.log" >&2
        failed=$((failed + 1))
      fi
    done
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
