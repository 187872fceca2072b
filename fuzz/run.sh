#!/usr/bin/env bash
# Fuzzes FakeMX's SMTP core (line framer, command parser, session state machine) with afl++.
#
#   bash fuzz/run.sh [SECONDS]        default 600 (ten minutes)
#
# It publishes fuzz/FakeMx.Fuzz, installs the sharpfuzz instrumentation tool (SharpFuzz.CommandLine
# 2.3.0) under fuzz/.tools, instruments the published fakemx.dll, then runs Debian's afl-fuzz on
# the harness for SECONDS with tests/FakeMx.Tests/Fuzz/corpus as seeds. Findings land in
# fuzz/findings/default/{crashes,hangs,queue}. Every crash must become a regression test: copy
# the input into the corpus (the CI replay then checks it) and fix the core.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-600}
out=fuzz/out
tools=fuzz/.tools
findings=fuzz/findings
corpus=tests/FakeMx.Tests/Fuzz/corpus

command -v afl-fuzz > /dev/null || { echo "fuzz: afl-fuzz not found; apt-get install afl++" >&2; exit 2; }

dotnet publish fuzz/FakeMx.Fuzz -c Release -o "$out" -nologo -clp:ErrorsOnly > /dev/null

if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 > /dev/null
fi

# Instrument only the code under test; a fresh publish undoes it, so this runs every time.
"$tools/sharpfuzz" "$out/fakemx.dll"

# The .NET host is not an afl-instrumented binary (AFL_SKIP_BIN_CHECK); this machine's core
# pattern and CPU governor are not ours to change (the two AFL_* overrides below).
export AFL_SKIP_BIN_CHECK=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CPUFREQ=1
export AFL_NO_UI=1
# A second run continues from the findings of the first.
export AFL_AUTORESUME=1
export DOTNET_TieredPGO=0

mkdir -p "$findings"
afl-fuzz -i "$corpus" -o "$findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/FakeMx.Fuzz.dll"

crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2> /dev/null | wc -l)
queue=$(find "$findings/default/queue" -type f -name 'id:*' 2> /dev/null | wc -l)
echo "fuzz: $queue inputs in the queue, $crashes crashes (see $findings/default)"
[ "$crashes" -eq 0 ]
