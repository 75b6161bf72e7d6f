#!/usr/bin/env bash
# Run every test: starts (installing if needed) a local RabbitMQ, then dotnet test on the solution.
#   scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~LeadStore]
# Exits non-zero when a test fails or is skipped, when nothing could run, or when a whole run executes fewer
# tests than scripts/test-floor; the last line sums up the counts.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log() { echo "[test] $*"; }

bash scripts/ensure-rabbitmq.sh

# Debian packages the tests drive: systemd (systemd-analyze, DeploymentFilesTests), chromium (LeadPageBrowserTests,
# through Playwright; its own browser download is not used), debootstrap and systemd-container (SystemdPackageTests
# boots a Debian 12 with systemd-nspawn; dpkg-deb, from dpkg, builds the package), podman and podman-compose with
# runc (ComposeStackTests bring compose.yaml up on base images made here with debootstrap: scripts/compose.sh,
# scripts/container-bases.sh, docs/containers.md); python3 (DocsTests run scripts/check-doc-links.py and the README's
# receiver check).
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v systemd-analyze >/dev/null || missing+=(systemd)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
for package in podman runc podman-compose uidmap slirp4netns; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || { log "missing: sudo apt-get install -y ${missing[*]}" >&2; exit 1; }
  log "installing the Debian packages ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p .run
output=.run/test-output.log
status=0
dotnet test LeadTracker.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$output" ||
  status=$?

# Sum the per-assembly summaries. Console verbosity normal prints a block:
#   Total tests: 7 / "     Passed: 5" / "     Failed: 1" / "    Skipped: 1" / " Total time: ..."
# and minimal prints one line: "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total: ..."
read -r passed failed skipped < <(tr -d '\r' <"$output" | awk '
  /^Total tests: [0-9]+/ { block = 1; found = 1; next }
  block && /^ +Passed: [0-9]+$/  { p += $2 }
  block && /^ +Failed: [0-9]+$/  { f += $2 }
  block && /^ +Skipped: [0-9]+$/ { s += $2 }
  / Total time: /                { block = 0 }
  /^(Passed|Failed)! +- +Failed: / {
    gsub(",", "")
    for (i = 1; i < NF; i++) {
      if ($i == "Failed:") f += $(i + 1)
      if ($i == "Passed:") p += $(i + 1)
      if ($i == "Skipped:") s += $(i + 1)
    }
    found = 1
  }
  END { if (found) print p + 0, f + 0, s + 0; else print "- - -" }')

if [[ "$passed" == - ]]; then
  log "FAILED: dotnet test exited $status without a test summary (build error?); see above" >&2
  exit $((status == 0 ? 1 : status))
fi
if ((status != 0)); then
  log "FAILED (dotnet test exit $status)"
fi
# A shrinking suite fails too: a skipped test is one that did not run (missing infrastructure must fail, not
# skip), and a whole run executing fewer tests than scripts/test-floor means tests went missing. The floor is
# kept in the repository and raised when tests are added; a filtered run ("$@" given) checks skips only.
executed=$((passed + failed))
if ((skipped > 0)); then
  log "FAILED: $skipped test(s) skipped; every test must run" >&2
  status=1
fi
floor=$(tr -dc '0-9' <scripts/test-floor)
if (($# == 0)) && ((executed < floor)); then
  log "FAILED: $executed tests executed, fewer than the floor of $floor in scripts/test-floor" >&2
  status=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
