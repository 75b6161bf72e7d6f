#!/usr/bin/env bash
# Sign a webhook body and post it to the ingress, as Kapso would.
#
#   scripts/post-fixture.sh FILE [URL]
#
# Signature: lowercase hex HMAC-SHA256 of the file's exact bytes with ${LeadTracker__Kapso__WebhookSecret}
# (default: run.sh's dev secret). Headers (event, idempotency key, batch) come from the manifest.json beside
# FILE when it lists FILE; otherwise set EVENT=whatsapp.message.received (and optionally IDEMPOTENCY_KEY,
# BATCH=true). EVENT and IDEMPOTENCY_KEY also override the manifest. Exits 0 only on HTTP 200.
set -euo pipefail

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,9p' "$0" >&2; exit 2; }
file=$1
url=${2:-http://127.0.0.1:5080/webhooks/kapso}
secret="${LeadTracker__Kapso__WebhookSecret:-dev-secret-change-me}"
[[ -f "$file" ]] || { echo "[post] no such file: $file" >&2; exit 2; }

declare -A headers=([Content-Type]=application/json)
listed=false

manifest="$(dirname "$file")/manifest.json"
if [[ -f "$manifest" ]]; then
  # One "Name<TAB>value" line per header the manifest gives this file; its signature is for another secret.
  while IFS=$'\t' read -r name value; do
    headers[$name]=$value
    listed=true
  done < <(python3 - "$manifest" "$(basename "$file")" <<'PY'
import json, sys
manifest, name = sys.argv[1], sys.argv[2]
for fixture in json.load(open(manifest, encoding="utf-8"))["fixtures"]:
    if fixture["file"] == name:
        for key, value in fixture["headers"].items():
            if key.lower() != "x-webhook-signature":
                print(f"{key}\t{value}")
PY
  )
fi
[[ -n "${EVENT:-}" ]] && headers[X-Webhook-Event]=$EVENT
[[ -n "${IDEMPOTENCY_KEY:-}" ]] && headers[X-Idempotency-Key]=$IDEMPOTENCY_KEY
[[ "${BATCH:-}" == true ]] && headers[X-Webhook-Batch]=true
if ! $listed && [[ -z "${headers[X-Webhook-Event]:-}" ]]; then
  echo "[post] $file is not listed in a manifest.json beside it: set EVENT=<type> (e.g. EVENT=whatsapp.message.received)" >&2
  exit 2
fi

signature=$(openssl dgst -sha256 -hmac "$secret" -r "$file" | cut -d' ' -f1)
args=(-sS -w '\n%{http_code}' --max-time 30 -X POST --data-binary "@$file"
  -H "X-Webhook-Signature: $signature")
for name in "${!headers[@]}"; do
  args+=(-H "$name: ${headers[$name]}")
done

echo "[post] $(basename "$file") -> $url (event ${headers[X-Webhook-Event]:-none})"
response=$(curl "${args[@]}" "$url") # the body, a newline, the status code
status=${response##*$'\n'}
body=${response%$'\n'*}
[[ -z "$body" ]] || echo "$body"
echo "[post] HTTP $status"
[[ "$status" == 200 ]]
