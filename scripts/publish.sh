#!/usr/bin/env bash
# Builds the FakeMX binary the systemd unit runs.
#
#   scripts/publish.sh [OUTPUT_DIR] [--self-contained]
#
# Framework-dependent by default (needs the ASP.NET Core 10 runtime on the server; about 4 MB
# of output); --self-contained bundles the runtime (about 100 MB, nothing else to install).
# Then, as root:
#   install -d /opt/fakemx && cp -r OUTPUT_DIR/. /opt/fakemx/
#   cp deploy/fakemx.service /etc/systemd/system/ && systemctl daemon-reload
#   systemctl enable --now fakemx
set -euo pipefail

cd "$(dirname "$0")/.."
output=${1:-artifacts/publish/linux-x64}
self_contained=false
[ "${2:-}" = "--self-contained" ] && self_contained=true

dotnet publish src/FakeMx/FakeMx.csproj -c Release -r linux-x64 --self-contained "$self_contained" \
  -p:DebugType=none -o "$output" -nologo
cp README.md "$output/README.md"
echo "published $("$output/fakemx" --version) to $output (self-contained: $self_contained)"
