# Sourced by perf/benchmark.sh and perf/profile/api.sh, run from the repository's root: their set-up, and the API in
# Release with Production settings, as it is deployed, on a port and a database of the caller's, with one API key of
# its own (the roles poster, reader and admin) and the per-key limits off (one key stands for many clients here).
# start_api needs the Release build of Ledger.Api and ConnectionStrings__Redis in the environment.

# perf_setup: the servers' environment (scripts/servers-up.sh) and the tools the wrk-driven scripts use (wrk, curl,
# python3), installed from the distribution when missing; enough open files for a thousand connections.
perf_setup() {
  eval "$(bash scripts/servers-up.sh --print-env)"
  source scripts/lib/apt.sh
  require_command wrk wrk || return 1
  require_command curl curl || return 1
  require_command python3 python3 || return 1
  ulimit -n 65536 2>/dev/null || true
}

# start_api PORT CONNECTION_STRING KEY LOG: starts it in the background, waits until it is ready (at most 60 s) and
# sets api_pid; returns 1 when something already answers on PORT or the API does not become ready.
start_api() {
  local port="$1" connection="$2" key="$3" log="$4"
  if curl -sf "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then
    echo "api: something already answers on :$port; stop it first" >&2
    return 1
  fi
  # Run from the build's folder, as the image runs from /app: the content root is then where appsettings.json is
  # (from anywhere else the API starts without it, logging every request at Information), and the configuration
  # watcher sees none of the files a run writes.
  (
    cd Ledger.Api/bin/Release/net10.0 &&
      ConnectionStrings__Ledger="$connection" Ledger__MigrateOnStartup=true Ledger__Cache__KeyPrefix="bench:" \
      ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" \
      Api__MaxConcurrentRequestsPerKey=0 Api__PostsPerSecondPerKey=0 \
      Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Key="$key" \
      Auth__ApiKeys__0__Roles__0=poster Auth__ApiKeys__0__Roles__1=reader Auth__ApiKeys__0__Roles__2=admin \
      exec dotnet Ledger.Api.dll
  ) >"$log" 2>&1 &
  api_pid=$!
  local _
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$api_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "api: the API did not become ready on :$port (see $log)" >&2
  return 1
}
