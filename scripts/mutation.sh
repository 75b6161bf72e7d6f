#!/usr/bin/env bash
# Mutation score of the core: dotnet-stryker (pinned in .config/dotnet-tools.json) over the worker's parser,
# domain, store and lead queries, one folder at a time, each against its fast tests only (real SQLite files, no
# broker, no child processes, no browser). Slow (minutes per folder on 2 cores), so not part of .ci/run.
#   scripts/mutation.sh [folder ...]     folders: Kapso Domain Storage Leads (default: all four)
# Reports land in .run/mutation/<folder>/ (html + json); the last lines print the score per folder, the figure
# docs/testing.md keeps. Exits non-zero when a folder scores below its break level (MUTATION_BREAK, default 0).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log() { echo "[mutation] $*"; }

# The fast tests of each folder: unit tests over the parser and a temp SQLite file. Stryker runs, per mutant,
# only the tests that cover it, so a wider list costs little; what must stay out is anything needing RabbitMQ,
# a child process or a browser (those tests would time out under every mutant).
fast_tests=(
  KapsoEventParserTests ParserPropertyTests ApiMessageEventsTests WhatsAppIdentityTests NationalPhoneVariantsTests
  LeadStoreTests LeadStorePropertyTests LeadEventApplierTests LeadWriterTests OutreachFromReceiptsTests
  LeadQueriesTests
)
filter=""
for name in "${fast_tests[@]}"; do
  filter+="${filter:+|}FullyQualifiedName~LeadTracker.Tests.${name}"
done

folders=("$@")
((${#folders[@]})) || folders=(Kapso Domain Storage Leads)
for folder in "${folders[@]}"; do
  [[ -d "LeadTracker.Worker/$folder" ]] || { echo "mutation.sh: no folder LeadTracker.Worker/$folder" >&2; exit 2; }
done

dotnet tool restore >/dev/null

status=0
for folder in "${folders[@]}"; do
  out="$PWD/.run/mutation/$folder"
  rm -rf "$out"
  log "$folder: mutating LeadTracker.Worker/$folder/*.cs against the fast tests (concurrency 1)"
  # Concurrency 1: the machine is shared and each mutant run opens SQLite files; more would only queue.
  (cd LeadTracker.Tests && dotnet stryker \
    --project LeadTracker.Worker.csproj \
    --mutate "**/LeadTracker.Worker/$folder/**/*.cs" \
    --test-case-filter "$filter" \
    --concurrency 1 \
    --reporter Progress --reporter Json --reporter Html \
    --break-at "${MUTATION_BREAK:-0}" \
    --skip-version-check --log-to-file \
    --output "$out") || status=$?
done

echo "mutation score per folder (killed + timeout) / (all valid mutants, no-coverage included):"
for folder in "${folders[@]}"; do
  report="$PWD/.run/mutation/$folder/reports/mutation-report.json"
  if [[ ! -f $report ]]; then
    echo "  $folder: no report"
    continue
  fi
  jq -r --arg folder "$folder" '
    [.files[].mutants[].status] as $s
    | ($s | map(select(. == "Killed" or . == "Timeout")) | length) as $killed
    | ($s | map(select(. == "Survived" or . == "NoCoverage")) | length) as $alive
    | "  \($folder): \($killed) killed, \($alive) alive, score \(if $killed + $alive > 0
        then ($killed * 1000 / ($killed + $alive) | floor) / 10 else 0 end) %"' "$report"
done
exit "$status"
