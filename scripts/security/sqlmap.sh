#!/usr/bin/env bash
# Runs sqlmap against every list and search parameter of the API, signed in as an admin, and
# prints a summary. This reproduces the run recorded in docs/security.md ("SQL injection: sqlmap").
#
# Prerequisites: Debian's sqlmap (`apt-get install -y sqlmap`), curl, Node.js with the project's
# dependencies installed (`npm install`).
#
# It starts its own app on 127.0.0.1:$PORT (default 5077) with the embedded database in a fresh
# temporary directory, or on the PostgreSQL database in $DATABASE_URL if you set one (use a
# scratch database: sqlmap's payloads only read, but the script seeds rows). It stops that app
# when it ends, however it ends. Nothing else is started or touched.
#
#   scripts/security/sqlmap.sh                  # level 3, risk 2 (the recorded run)
#   LEVEL=5 RISK=3 scripts/security/sqlmap.sh   # sqlmap's most thorough settings (hours)
#
# Exit status: 0 when sqlmap found no injectable parameter and the app answered no request with
# a 5xx; 1 otherwise. Logs stay in the printed work directory.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${PORT:-5077}"
LEVEL="${LEVEL:-3}"
RISK="${RISK:-2}"
base="http://127.0.0.1:$PORT"
work="$(mktemp -d /tmp/uplink-sqlmap.XXXXXX)"
echo "== work directory: $work"

command -v sqlmap >/dev/null || { echo "sqlmap is not installed: apt-get install -y sqlmap" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 2; }
echo "== $(sqlmap --version 2>/dev/null | head -n 1)"

# The app, in this process group's child only: one node process, stopped by its pid.
env DATA_DIR="$work/data" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=info SEED_DEMO_USERS=true NODE_ENV=production \
  node --import tsx src/server/main.ts >"$work/app.log" 2>&1 &
app_pid=$!
stop_app() {
  if kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$app_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
}
trap stop_app EXIT

for _ in $(seq 1 60); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { echo "the app did not start; see $work/app.log" >&2; exit 2; }
  sleep 1
done
curl -fsS "$base/readyz" >/dev/null || { echo "the app is not ready; see $work/app.log" >&2; exit 2; }

# Sign in as the demo admin: the session cookie is all a GET needs.
login="$(curl -fsS -c "$work/cookies.txt" -H 'content-type: application/json' \
  -d '{"email":"admin@isp.com","password":"admin123"}' "$base/api/auth/login")"
csrf="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).csrfToken)' "$login")"
session="$(awk '$6 == "uplink_session" { print $7 }' "$work/cookies.txt")"
[ -n "$session" ] || { echo "sign-in failed: $login" >&2; exit 2; }

# A few rows, so boolean- and UNION-based tests see result sets change.
post() {
  curl -fsS -b "$work/cookies.txt" -H 'content-type: application/json' -H "x-csrf-token: $csrf" -d "$2" "$base$1"
}
field() { node -e 'const v = JSON.parse(process.argv[1]); process.stdout.write(String(process.argv[2].split(".").reduce((o, k) => o?.[k], v) ?? ""))' "$1" "$2"; }
admin_id="$(field "$login" user.id)"
plan_id="$(field "$(post /api/service-plans '{"name":"Fiber 300","downloadMbps":300,"uploadMbps":100,"monthlyPrice":49}')" id)"
post /api/service-plans '{"name":"Fiber 500","downloadMbps":500,"uploadMbps":100,"monthlyPrice":69}' >/dev/null
site_id="$(field "$(post /api/sites '{"name":"North Tower","kind":"tower"}')" id)"
post /api/sites '{"name":"North Cabinet","kind":"cabinet"}' >/dev/null
for i in 1 2 3 4 5 6; do
  customer_id="$(field "$(post /api/customers "{\"name\":\"Smith Household $i\",\"phone\":\"+1201555010$i\",\"street\":\"$i Main Street\",\"city\":\"Springfield\",\"servicePlanId\":\"$plan_id\",\"siteId\":\"$site_id\",\"ipAddress\":\"10.0.0.$i\",\"status\":\"active\"}")" id)"
  ticket_id="$(field "$(post /api/tickets "{\"customerId\":\"$customer_id\",\"subject\":\"No service at house $i\",\"priority\":\"high\",\"assigneeId\":\"$admin_id\"}")" id)"
  post "/api/tickets/$ticket_id/comments" '{"body":"Checked the ONT, light is red"}' >/dev/null
  post "/api/tickets/$ticket_id/comments" '{"body":"Replaced the ONT"}' >/dev/null
done
# A real cursor for each list (the first page of one row), so the baseline answer is a page, not a 400.
cursor() { field "$(curl -fsS -b "$work/cookies.txt" "$base$1")" nextCursor; }
c_customers="$(cursor '/api/customers?limit=1&sort=name')"
c_tickets="$(cursor '/api/tickets?limit=1')"
c_sms="$(cursor '/api/sms?limit=1')"
c_users="$(cursor '/api/users?limit=1')"
c_plans="$(cursor '/api/service-plans?limit=1')"
c_sites="$(cursor '/api/sites?limit=1')"
c_comments="$(cursor "/api/tickets/$ticket_id/comments?limit=1")"
for c in "$c_customers" "$c_tickets" "$c_sms" "$c_users" "$c_plans" "$c_sites" "$c_comments"; do
  [ -n "$c" ] || { echo "a list handed out no cursor: the seed rows are missing" >&2; exit 2; }
done
enc() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"; }

# Every list and search route with every parameter it takes (names must match the API), grouped
# so that each baseline request answers 200 with rows: sqlmap compares answers to that baseline.
targets=(
  "/api/customers?q=smith&status=active&sort=name&limit=10|q,status,sort,limit"
  "/api/customers?sort=name&limit=2&cursor=$(enc "$c_customers")|cursor"
  "/api/customers/export.csv?q=smith&status=active|q,status"
  "/api/tickets?q=service&status=open&priority=high&category=other&sort=-created&limit=10|q,status,priority,category,sort,limit"
  "/api/tickets?assigneeId=$admin_id&overdue=false|assigneeId,overdue"
  "/api/tickets?customerId=$customer_id|customerId"
  "/api/tickets?limit=2&cursor=$(enc "$c_tickets")|cursor"
  "/api/sms?q=smith&status=skipped&purpose=ticket_created&direction=outbound&since=2020-01-01T00:00:00Z&until=2099-01-01T00:00:00Z&limit=10|q,status,purpose,direction,since,until,limit"
  "/api/sms?ticketId=$ticket_id&customerId=$customer_id|ticketId,customerId"
  "/api/sms?limit=2&cursor=$(enc "$c_sms")|cursor"
  "/api/users?q=a&active=true&limit=10|q,active,limit"
  "/api/users?limit=1&cursor=$(enc "$c_users")|cursor"
  "/api/service-plans?q=fiber&active=true&limit=10|q,active,limit"
  "/api/service-plans?limit=1&cursor=$(enc "$c_plans")|cursor"
  "/api/sites?q=north&active=true&limit=10|q,active,limit"
  "/api/sites?limit=1&cursor=$(enc "$c_sites")|cursor"
  "/api/tickets/$ticket_id/comments?limit=1&cursor=$(enc "$c_comments")|cursor,limit"
  "/api/dashboard?tz=UTC|tz"
  # Path parameters, marked with sqlmap's custom injection marker.
  "/api/customers/$customer_id*|"
  "/api/tickets/$ticket_id*|"
  "/api/tickets/$ticket_id*/timeline|"
  "/api/users/$admin_id*|"
)

status=0
n=0
for target in "${targets[@]}"; do
  url="${target%%|*}"
  params="${target#*|}"
  n=$((n + 1))
  name="$(printf '%02d_%s' "$n" "$(echo "$url" | sed -E 's/[^A-Za-z0-9]+/_/g' | cut -c1-50)")"
  # sqlmap judges answers against the unmodified request: it must be a 200, or every test is moot.
  baseline="$(curl -s -o /dev/null -w '%{http_code}' -b "$work/cookies.txt" "$base${url//\*/}")"
  if [ "$baseline" != 200 ]; then
    echo "   the unmodified request answers $baseline, not 200: fix the target" >&2
    status=1
    continue
  fi
  echo "== sqlmap $url (parameters: ${params:-path})"
  args=(-u "$base$url" --cookie="uplink_session=$session" --level "$LEVEL" --risk "$RISK" --batch
    --flush-session --output-dir "$work/sqlmap" --disable-coloring --threads 1)
  if [ -n "$params" ]; then args+=(-p "$params"); fi
  sqlmap "${args[@]}" >"$work/$name.log" 2>&1 || true
  if grep -q "identified the following injection point" "$work/$name.log"; then
    echo "   INJECTABLE: see $work/$name.log"
    status=1
  elif grep -qE "do not appear to be injectable|does not seem to be injectable" "$work/$name.log"; then
    echo "   not injectable ($(grep -cE "testing '" "$work/$name.log") techniques tried)"
  else
    echo "   sqlmap did not finish a verdict: see $work/$name.log"
    status=1
  fi
done

stop_app
# What the app answered during the run, from its own request log.
node -e '
  const fs = require("node:fs");
  const counts = {};
  let total = 0;
  for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
    if (!line.includes("request completed")) continue;
    const code = JSON.parse(line).res?.statusCode;
    counts[code] = (counts[code] ?? 0) + 1;
    total++;
  }
  console.log(`== the app answered ${total} requests: ${JSON.stringify(counts)}`);
  if (Object.keys(counts).some((code) => Number(code) >= 500)) { console.log("   5xx answers: see the app log"); process.exit(1); }
' "$work/app.log" || status=1

echo "== result: $([ "$status" = 0 ] && echo "no injectable parameter, no 5xx" || echo "PROBLEMS FOUND")"
exit "$status"
