#!/usr/bin/env bash
# The LeadTracker benchmark, in one command:
#   bench/run.sh [--events N] [--quick] [--only broker,storage,naive,e2e,latency,backlog,alerts] [--help]
# Builds the ingress, the worker and the benchmark in Release (into an artifacts folder outside the source tree),
# then runs every phase against the RabbitMQ on this machine and prints a markdown table, also written to
# bench/results/<date>.md. Needs the .NET SDK and a RabbitMQ with the management plugin on 127.0.0.1 (guest/guest):
# scripts/ensure-rabbitmq.sh starts one when none answers. Nothing here runs in CI and nothing asserts timing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
artifacts="${LEADTRACKER_BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/leadtracker-bench-artifacts}"
mgmt="${LEADTRACKER_BENCH_RABBIT_MANAGEMENT:-http://127.0.0.1:15672/}"

wants_help=false
for arg in "$@"; do [[ "$arg" == "-h" || "$arg" == "--help" ]] && wants_help=true; done

if ! $wants_help; then
  # The project's own script starts (or installs) a local broker with the management plugin when none answers.
  if [[ -x "$root/scripts/ensure-rabbitmq.sh" ]]; then
    "$root/scripts/ensure-rabbitmq.sh"
  fi
  if ! curl -fsS -u "${LEADTRACKER_BENCH_RABBIT_USER:-guest}:${LEADTRACKER_BENCH_RABBIT_PASSWORD:-guest}" \
      "${mgmt%/}/api/overview" -o /dev/null; then
    echo "RabbitMQ's management API does not answer at $mgmt: start RabbitMQ (with rabbitmq_management) first." >&2
    exit 1
  fi
fi

echo "building Release into $artifacts ..."
# The benchmark references the worker, so this builds the worker too (same configuration, same output folder).
mkdir -p "$artifacts"
for project in LeadTracker.Ingress/LeadTracker.Ingress.csproj bench/LeadTracker.Benchmark/LeadTracker.Benchmark.csproj; do
  if ! dotnet build "$root/$project" -c Release --artifacts-path "$artifacts" -nologo >"$artifacts/build.log" 2>&1; then
    grep -E "error|Error" "$artifacts/build.log" >&2 || cat "$artifacts/build.log" >&2
    exit 1
  fi
done

bin="$artifacts/bin"
cd "$root"
exec dotnet "$bin/LeadTracker.Benchmark/release/LeadTracker.Benchmark.dll" \
  --ingress "$bin/LeadTracker.Ingress/release/LeadTracker.Ingress.dll" \
  --worker "$bin/LeadTracker.Worker/release/LeadTracker.Worker.dll" \
  --results "$here/results" \
  --command "bench/run.sh${*:+ $*}" \
  "$@"
