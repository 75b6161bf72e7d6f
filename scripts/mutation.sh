#!/usr/bin/env bash
# Mutation score of the core: dotnet-stryker (pinned in .config/dotnet-tools.json) over the worker's parser,
# domain, store and lead queries, one folder at a time, against their fast tests only: the project
# mutation/LeadTracker.Tests.Core, which links those test files of LeadTracker.Tests (real SQLite files, no
# broker, no child processes, no browser). Stryker's VsTest runner cannot complete its initial run on the whole
# LeadTracker.Tests (see docs/testing.md). Slow (minutes per folder on 2 cores), so not part of .ci/run.
#   scripts/mutation.sh [folder ...]     folders: Kapso Domain Storage Leads (default: all four); MUTATION_NICE (15),
#                                        MUTATION_CONCURRENCY (1; at most 2 on the shared machine)
# Reports land in .run/mutation/<folder>/ (html + json); the last lines print the score per folder, the figure
# docs/testing.md keeps. Exits non-zero when a folder scores below its break level (MUTATION_BREAK, default 0).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log() { echo "[mutation] $*"; }

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
  log "$folder: mutating LeadTracker.Worker/$folder/*.cs against the fast tests (concurrency ${MUTATION_CONCURRENCY:-1})"
  # Concurrency 1 by default: the machine is shared and each mutant run opens SQLite files; more would only queue.
  (cd mutation/LeadTracker.Tests.Core && nice -n "${MUTATION_NICE:-15}" dotnet stryker \
    --project LeadTracker.Worker.csproj \
    --mutate "**/LeadTracker.Worker/$folder/**/*.cs" \
    --concurrency "${MUTATION_CONCURRENCY:-1}" \
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
    | def n(st): $s | map(select(. == st)) | length;
      (n("Killed")) as $k | (n("Timeout")) as $t | (n("Survived")) as $sv | (n("NoCoverage")) as $nc
    | ($k + $t + $sv + $nc) as $valid
    | "  \($folder): \($valid) mutants, \($k) killed, \($t) timeout, \($sv) survived, \($nc) no coverage, score \(
        if $valid > 0 then (($k + $t) * 1000 / $valid | floor) / 10 else 0 end) %"' "$report"
done
exit "$status"
