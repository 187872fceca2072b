#!/usr/bin/env bash
# Hostile-load benchmark: one FakeMX server with its default limits, a legitimate client doing
# full sessions every 300 ms throughout, and three hostile loads in turn:
#   trickle  5,000 connections sending one byte every 3 s
#   flood    new connections from one address, 64 at a time, as fast as they go
#   garbage  1,000 clients sending random bytes, reconnecting when closed
# Each scenario: 10 s baseline, HOSTILE_SECONDS of load, 60 s after. Loopback only; every loop
# is bounded in time and count. Prints a Markdown table (append it to RESULTS.md).
#
#   bash bench/hostile/run.sh [HOSTILE_SECONDS]     default 60
set -euo pipefail

cd "$(dirname "$0")/../.."
seconds=${1:-60}
work=$(mktemp -d /tmp/fakemx-hostile.XXXXXX)
port=$((30000 + RANDOM % 20000))

# 5,000 client sockets in the load tool and 5,000 in the server, plus the rest: raise the soft
# file limit to the hard one (no privilege needed) and refuse to run with too few.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
  echo "hostile: needs 12000 open files per process, the hard limit is $(ulimit -Hn)" >&2
  exit 2
fi

dotnet publish src/FakeMx -c Release -o "$work/server" -nologo -clp:ErrorsOnly > /dev/null
dotnet publish bench/hostile/HostileLoad -c Release -o "$work/load" -nologo -clp:ErrorsOnly > /dev/null

"$work/server/fakemx" serve --listen "127.0.0.1:$port" --hostname bench.fakemx.test --log-level warning \
  > "$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2> /dev/null || true
  wait "$server" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    break
  fi
  sleep 0.1
done

echo "server: pid $server on 127.0.0.1:$port, $(nproc) cores, $(uname -r), dotnet $(dotnet --version)"
echo
echo "| scenario | hostile load | legit before (10 s) | legit during | legit after (60 s) | RSS MiB before / peak / end / +20 s / +60 s | same process |"
echo "|---|---|---|---|---|---|---|"
status=0
for scenario in trickle flood garbage; do
  dotnet "$work/load/HostileLoad.dll" "$port" "$server" "$scenario" "$seconds" || status=1
done

echo
echo "server log lines by event id:"
grep -o '\[[0-9]\{4\}\]' "$work/server.log" | sort | uniq -c | sed 's/^/  /'
exit $status
