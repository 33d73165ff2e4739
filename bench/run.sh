#!/usr/bin/env bash
# Issue 6's benchmark suite: installs what it needs, builds Release, runs every section and writes
# BENCHMARKS.md at the repository root. About 12 minutes on the 2-core machine.
#
#   bench/run.sh                      everything
#   bench/run.sh --sections outbound  some sections (outbound,inbound,fanout,longpoll,webhooks,codec,cluster)
#   bench/run.sh --quick              shortened smoke run (figures not comparable with the targets)
#   bench/run.sh --out /tmp/B.md      write the report elsewhere
#
# Run it on a quiet machine: the load generators and the servers share the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 1
fi

if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk (Debian package)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

# The cluster section starts a redis-server of its own (unix socket in bench/out, never the system daemon).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing redis-server (Debian package)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# 10,000 long-polls and 5,000 SignalR connections need a descriptor each on both sides.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "Building (Release)..."
for project in NymBridge.Api bench/NymBridge.Bench.Tools bench/NymBridge.Bench.Codec; do
  dotnet build "$project" -c Release --nologo -v quiet -warnaserror >/dev/null
done

out="BENCHMARKS.md"
command="bench/run.sh"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --sections|--quick) command="$command $1${2:+ }"; args+=("$1"); if [ "$1" = "--sections" ]; then command="$command$2"; args+=("$2"); shift; fi; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exec dotnet bench/NymBridge.Bench.Tools/bin/Release/net10.0/NymBridge.Bench.Tools.dll suite \
  --repo . --out "$out" --command "${command% }" "${args[@]}"
