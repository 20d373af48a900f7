# The sandbox action's start step: comwit-sandbox in the background of the
# job, waited for until it answers, its addresses and tokens (masked) as
# step outputs and, with export-env, as COMWIT_* for the next steps. The
# runner stops it with the job's other leftover processes.
#
# Inputs come as INPUT_* variables (never inside the script: no expression
# injection); the binary as COMWIT_SANDBOX_BIN.
set -euo pipefail

fail() { echo "::error title=$1::$2"; exit "${3:-1}"; }
bool() {
  case "$2" in
    true) return 0 ;;
    false | "") return 1 ;;
    *) fail "Invalid $1 input" "$1 is \"$2\": give true or false" 2 ;;
  esac
}

tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
ready="$tmp/comwit-sandbox-ready.json"
log="$tmp/comwit-sandbox.log"
timeout="${INPUT_READY_TIMEOUT:-60}"
case "$timeout" in
  '' | *[!0-9]*) fail "Invalid ready-timeout input" "ready-timeout is \"$timeout\": give whole seconds, e.g. 60" 2 ;;
esac

args=(serve --listen "${INPUT_LISTEN:-127.0.0.1:8787}" --ready-file "$ready")
if [ -n "${INPUT_DATA_DIR:-}" ]; then
  mkdir -p "$INPUT_DATA_DIR"
  args+=(--data-dir "$INPUT_DATA_DIR")
else
  args+=(--ephemeral)
fi
if bool seed-demo "${INPUT_SEED_DEMO:-false}"; then args+=(--seed-demo); fi
if [ -n "${INPUT_PUBLIC_URL:-}" ]; then args+=(--public-url "$INPUT_PUBLIC_URL"); fi
if [ -n "${INPUT_KEEP_BUILDS:-}" ]; then args+=(--keep-builds "$INPUT_KEEP_BUILDS"); fi
export_env=false
if bool export-env "${INPUT_EXPORT_ENV:-true}"; then export_env=true; fi

rm -f "$ready"
"$COMWIT_SANDBOX_BIN" "${args[@]}" > "$log" 2>&1 < /dev/null &
pid=$!

# The ready file appears, atomically, once the API answers.
tenths=0
until [ -s "$ready" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    fail "comwit-sandbox did not start" "$(tail -n 5 "$log" | tr '\n' ' ')"
  fi
  if [ "$tenths" -ge $((timeout * 10)) ]; then
    kill "$pid" 2>/dev/null || true
    fail "comwit-sandbox did not start" "no answer within ${timeout}s (raise ready-timeout); its log: $(tail -n 5 "$log" | tr '\n' ' ')"
  fi
  sleep 0.1
  tenths=$((tenths + 1))
done

# One `"key": "value"` per line (the ready file is pretty-printed JSON whose
# values are URLs, addresses and hex tokens: no quotes or escapes inside).
field() { sed -n "s/^ *\"$1\": *\"\([^\"]*\)\".*/\1/p" "$ready" | head -n 1; }
api=$(field api_url)
token=$(field user_token)
operator=$(field operator_token)
[ -n "$api" ] && [ -n "$token" ] || fail "comwit-sandbox ready file unreadable" "$ready lacks api_url or user_token"
echo "::add-mask::$token"
echo "::add-mask::$operator"
project=$(field project_id)
{
  echo "api-url=$api"
  echo "data-url=$(field data_url)"
  echo "site-url=$(field site_url)"
  echo "dns-addr=$(field dns_addr)"
  echo "token=$token"
  echo "operator-token=$operator"
  echo "project=$project"
  echo "pid=$pid"
  echo "log-path=$log"
} >> "$GITHUB_OUTPUT"
if [ "$export_env" = true ]; then
  {
    echo "COMWIT_API_URL=$api"
    echo "COMWIT_TOKEN=$token"
    echo "COMWIT_PROJECT=$project"
  } >> "$GITHUB_ENV"
fi
echo "comwit-sandbox ready: API $api, project $project (pid $pid, log $log)"
