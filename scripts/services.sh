#!/usr/bin/env bash
# Provision real PostgreSQL, Redis and Elasticsearch for citizen-space's test suite.
#
#   scripts/services.sh up       install (if needed) and start all three, write $CITIZEN_SERVICES_DIR/env
#   scripts/services.sh down     stop all three and remove the data dir (the download cache is kept)
#   scripts/services.sh status   one line per part; exit 0 only if all three are up
#
# Everything listens on 127.0.0.1 only, on non-standard ports, with data under
# ${CITIZEN_SERVICES_DIR:-/tmp/citizen-services}; nothing uses the system services.
#
#   PostgreSQL  127.0.0.1:55432  user citizen / password citizen, databases citizen + citizen_test
#   Redis       127.0.0.1:56379  no persistence
#   Elastic     127.0.0.1:59200  (transport 59300), single node, no security
#
# Elasticsearch is the minimal "integ-test-zip" distribution (the only 8.x server build on
# Maven Central). Its modules are only transport-netty4, x-pack-core, x-pack-security and
# apm, so: GET / and HEAD / answer 405 (client info()/ping() fail; use _cluster/health);
# no analysis-common (e.g. asciifolding/stemmer/ngram filters, "english" etc. analyzers),
# no painless, no _update_by_query/_delete_by_query/_reindex, no search_as_you_type.
# Index/bulk/search, match/multi_match/fuzzy, highlight, terms aggs, dense_vector/knn work.
#
# Must run as root (apt-get, runuser, useradd).
# A part that cannot start prints "SERVICES: <part> could not start: <reason>" to stderr;
# with CI=true the script then exits non-zero, otherwise it leaves the other parts running,
# omits that part from the env file and exits 0.
#
# Environment knobs:
#   CITIZEN_SERVICES_DIR   data/run dir               (default /tmp/citizen-services)
#   CITIZEN_CACHE_DIR      download cache (ES zip)    (default $HOME/.cache/citizen-space)
#   CITIZEN_ES_VERSION     force one ES version       (default: first of ES_VERSIONS that resolves)
#   CITIZEN_ES_TIMEOUT     seconds to wait for ES      (default 120)
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
SERVICES_DIR="${CITIZEN_SERVICES_DIR:-/tmp/citizen-services}"
CACHE_DIR="${CITIZEN_CACHE_DIR:-${HOME:-/root}/.cache/citizen-space}"
STATE_DIR="$SERVICES_DIR/.state"
MARKER="$SERVICES_DIR/.citizen-services"
LOCK_FILE="${SERVICES_DIR%/}.lock" # outside the dir, which `down` removes

PG_PORT=55432
REDIS_PORT=56379
ES_HTTP_PORT=59200
ES_TRANSPORT_PORT=59300
ES_USER=citizen-es
ES_TIMEOUT="${CITIZEN_ES_TIMEOUT:-120}"
ES_JAVA_OPTS_VALUE="-Xms512m -Xmx512m"

# Newest first. 8.19.21 was the newest 8.x in Maven Central's metadata for
# org.elasticsearch.distribution.integ-test-zip:elasticsearch when this was written;
# the rest are fallbacks (also published there) in case a download fails.
ES_VERSIONS="8.19.21 8.19.4 8.19.2 8.19.0 8.18.0 8.17.4 8.17.3 8.17.0 8.15.0"
ES_GROUP_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch"
MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

PARTS="postgres redis elasticsearch"

DATABASE_URL="postgresql+asyncpg://citizen:citizen@127.0.0.1:${PG_PORT}/citizen_test"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
ES_URL="http://127.0.0.1:${ES_HTTP_PORT}"

log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- helpers

pg_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$d" && -x "$d/pg_ctl" && -x "$d/initdb" ]]; then printf '%s' "$d"; fi
}

java_major() { # $1 = JAVA_HOME; prints the major version or nothing
  local rel="$1/release" v
  [[ -x "$1/bin/java" ]] || return 0
  if [[ -r "$rel" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -n 1)"
  else
    v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  fi
  printf '%s' "$v"
}

find_java_home() { # prefer JDK 17, else the lowest major >= 17
  local d real major best="" best_major=999
  declare -A seen=()
  for d in /usr/lib/jvm/*; do
    [[ -d "$d" ]] || continue
    real="$(readlink -f "$d")"
    [[ -n "${seen[$real]:-}" ]] && continue
    seen[$real]=1
    major="$(java_major "$real")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if (( major == 17 )); then printf '%s' "$real"; return 0; fi
    if (( major > 17 && major < best_major )); then best="$real"; best_major=$major; fi
  done
  printf '%s' "$best"
}

pg_ready() { timeout 5 "$(pg_bin_dir)/pg_isready" -q -t 3 -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }
redis_ready() { [[ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }
es_ready() {
  curl -fsS -m 10 "http://127.0.0.1:${ES_HTTP_PORT}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null 2>&1
}
part_ready() {
  case "$1" in
    postgres) [[ -n "$(pg_bin_dir)" ]] && pg_ready ;;
    redis) command -v redis-cli >/dev/null 2>&1 && redis_ready ;;
    elasticsearch) es_ready ;;
  esac
}

# Inside a part worker: record the reason and exit non-zero.
fail() {
  printf '%s\n' "$*" >"$STATE_DIR/$PART.reason"
  warn "$*"
  exit 1
}

# ---------------------------------------------------------------- apt

apt_phase() {
  local pkgs=() t0
  [[ -n "$(pg_bin_dir)" ]] || pkgs+=(postgresql)
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-server)
  [[ -n "$(find_java_home)" ]] || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
  command -v unzip >/dev/null 2>&1 || pkgs+=(unzip)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  command -v runuser >/dev/null 2>&1 || pkgs+=(util-linux)
  command -v useradd >/dev/null 2>&1 || pkgs+=(passwd)
  if ((${#pkgs[@]} == 0)); then
    log "apt: all packages already present, nothing to install"
    return 0
  fi
  t0="$(now)"
  log "apt: installing ${pkgs[*]}"
  # Keep the packages' own init scripts from starting system-wide services.
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "${pkgs[@]}"
  } >"$STATE_DIR/apt.log" 2>&1 || rc=$?
  if ((made_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  if ((rc != 0)); then
    warn "apt: apt-get failed (exit $rc); last lines of $STATE_DIR/apt.log:"
    tail -n 15 "$STATE_DIR/apt.log" >&2 || true
    printf 'apt-get install %s failed (exit %s)\n' "${pkgs[*]}" "$rc" >"$STATE_DIR/apt.failed"
  fi
  log "apt: took $(elapsed_since "$t0")s"
}

# ---------------------------------------------------------------- postgres

up_postgres() {
  local bin pgdir data run logf
  bin="$(pg_bin_dir)"
  [[ -n "$bin" ]] || fail "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin$(apt_reason)"
  pgdir="$SERVICES_DIR/postgres"
  data="$pgdir/data"
  run="$pgdir/run"
  logf="$pgdir/postgres.log"
  mkdir -p "$pgdir" "$run"
  chown postgres: "$pgdir" "$run"

  if [[ ! -s "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    log "initdb in $data ($bin)"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$pgdir/initdb.log" 2>&1 || fail "initdb failed: $(tail -n 1 "$pgdir/initdb.log")"
    cat >>"$data/postgresql.conf" <<EOF

# --- citizen-space test instance ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$run'
max_connections = 200
# throwaway test data: trade durability for speed
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    cat >"$data/pg_hba.conf" <<EOF
# citizen-space test instance: loopback only, trust
local   all  all                trust
host    all  all  127.0.0.1/32  trust
EOF
    chown postgres: "$data/postgresql.conf" "$data/pg_hba.conf"
  fi

  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "already running"
  else
    log "starting on 127.0.0.1:$PG_PORT"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$logf" -w -t 60 start >/dev/null 2>&1 ||
      fail "pg_ctl start failed: $(grep -E 'FATAL|ERROR|could not' "$logf" 2>/dev/null | tail -n 1)"
  fi

  local deadline=$((SECONDS + 30))
  until pg_ready || ((SECONDS >= deadline)); do sleep 0.5; done
  pg_ready || fail "pg_isready on 127.0.0.1:$PG_PORT never succeeded"

  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    >"$pgdir/setup.log" 2>&1 <<'SQL' || fail "creating role/databases failed: $(tail -n 1 "$pgdir/setup.log")"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'citizen') THEN
    CREATE ROLE citizen LOGIN PASSWORD 'citizen' CREATEDB;
  ELSE
    ALTER ROLE citizen LOGIN PASSWORD 'citizen' CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE citizen OWNER citizen'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'citizen') \gexec
SELECT 'CREATE DATABASE citizen_test OWNER citizen'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'citizen_test') \gexec
SQL
  log "ready: $DATABASE_URL"
}

down_postgres() {
  local bin data="$SERVICES_DIR/postgres/data"
  bin="$(pg_bin_dir)"
  [[ -n "$bin" && -s "$data/PG_VERSION" ]] || { log "postgres: not provisioned"; return 0; }
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1; then
      log "postgres: stopped"
    else
      warn "postgres: pg_ctl stop failed"
      return 1
    fi
  else
    log "postgres: not running"
  fi
}

# ---------------------------------------------------------------- redis

up_redis() {
  command -v redis-server >/dev/null 2>&1 || fail "redis-server not installed$(apt_reason)"
  command -v redis-cli >/dev/null 2>&1 || fail "redis-cli not installed$(apt_reason)"
  local rdir="$SERVICES_DIR/redis"
  mkdir -p "$rdir"
  if redis_ready; then
    log "already running"
  else
    cat >"$rdir/redis.conf" <<EOF
# citizen-space test instance
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $rdir/redis.pid
logfile $rdir/redis.log
dir $rdir
save ""
appendonly no
EOF
    log "starting on 127.0.0.1:$REDIS_PORT"
    redis-server "$rdir/redis.conf" >"$rdir/start.log" 2>&1 ||
      fail "redis-server failed: $(tail -n 1 "$rdir/start.log") $(tail -n 1 "$rdir/redis.log" 2>/dev/null)"
  fi
  local deadline=$((SECONDS + 15))
  until redis_ready || ((SECONDS >= deadline)); do sleep 0.25; done
  redis_ready || fail "redis-cli ping on 127.0.0.1:$REDIS_PORT never answered PONG: $(tail -n 1 "$rdir/redis.log" 2>/dev/null)"
  log "ready: $REDIS_URL"
}

down_redis() {
  if command -v redis-cli >/dev/null 2>&1 && redis_ready; then
    timeout 10 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 10))
    while redis_ready && ((SECONDS < deadline)); do sleep 0.25; done
    if redis_ready; then warn "redis: still answering after shutdown"; return 1; fi
    log "redis: stopped"
  else
    log "redis: not running"
  fi
}

# ---------------------------------------------------------------- elasticsearch

apt_reason() {
  if [[ -s "$STATE_DIR/apt.failed" ]]; then printf ' (%s)' "$(cat "$STATE_DIR/apt.failed")"; fi
}

# Prints the path of the cached zip; downloads the first version that resolves if none is cached.
es_fetch_zip() {
  local versions v zip tmp
  versions="${CITIZEN_ES_VERSION:-$ES_VERSIONS}"
  mkdir -p "$CACHE_DIR"
  for v in $versions; do
    zip="$CACHE_DIR/elasticsearch-$v.zip"
    if [[ -s "$zip" ]]; then
      log "using cached $zip" >&2
      printf '%s' "$zip"
      return 0
    fi
  done
  command -v mvn >/dev/null 2>&1 || { warn "mvn not installed$(apt_reason)"; return 1; }
  for v in $versions; do
    zip="$CACHE_DIR/elasticsearch-$v.zip"
    tmp="$(mktemp -d "$CACHE_DIR/.download.XXXXXX")"
    log "downloading $ES_GROUP_ARTIFACT:$v:zip from Maven Central" >&2
    if timeout 900 mvn -B -q "$MVN_DEP_PLUGIN:copy" \
      -Dartifact="$ES_GROUP_ARTIFACT:$v:zip" -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1 &&
      [[ -s "$tmp/elasticsearch-$v.zip" ]] && unzip -tqq "$tmp/elasticsearch-$v.zip" >/dev/null 2>&1; then
      mv -f "$tmp/elasticsearch-$v.zip" "$zip"
      rm -rf "$tmp"
      # mvn also left a copy in its local repository; keep only the one in the cache.
      rm -rf "${HOME:-/root}/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$v"
      printf '%s' "$zip"
      return 0
    fi
    warn "version $v did not resolve: $(grep -m 1 -E 'ERROR' "$tmp/mvn.log" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-300)"
    rm -rf "$tmp" "${HOME:-/root}/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$v"
  done
  return 1
}

up_elasticsearch() {
  if es_ready; then
    log "already running"
    log "ready: $ES_URL"
    return 0
  fi
  command -v unzip >/dev/null 2>&1 || fail "unzip not installed$(apt_reason)"
  command -v curl >/dev/null 2>&1 || fail "curl not installed$(apt_reason)"
  local java_home
  java_home="$(find_java_home)"
  [[ -n "$java_home" ]] || fail "no JDK >= 17 under /usr/lib/jvm$(apt_reason)"

  local t0 zip v esdir home
  t0="$(now)"
  zip="$(es_fetch_zip)" || fail "no Elasticsearch version out of [${CITIZEN_ES_VERSION:-$ES_VERSIONS}] could be fetched from Maven Central"
  v="$(basename "$zip" .zip)"
  v="${v#elasticsearch-}"
  log "zip ready in $(elapsed_since "$t0")s (version $v)"

  esdir="$SERVICES_DIR/elasticsearch"
  home="$esdir/elasticsearch-$v"
  mkdir -p "$esdir"
  if [[ ! -x "$home/bin/elasticsearch" ]]; then
    rm -rf "$home" "$esdir/.unzip"
    mkdir -p "$esdir/.unzip"
    if ! unzip -qq "$zip" -d "$esdir/.unzip" >"$esdir/unzip.log" 2>&1; then
      rm -rf "$esdir/.unzip"
      if ! unzip -tqq "$zip" >/dev/null 2>&1; then
        rm -f "$zip" # corrupt cache entry: the next run downloads it again
        fail "cached $zip is corrupt (removed; run up again to re-download)"
      fi
      fail "unzip of $zip into $esdir failed: $(tail -n 1 "$esdir/unzip.log")"
    fi
    mv "$esdir/.unzip/elasticsearch-$v" "$home" || fail "zip does not contain elasticsearch-$v/"
    rm -rf "$esdir/.unzip"
  fi

  if ! getent passwd "$ES_USER" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER" ||
      getent passwd "$ES_USER" >/dev/null || fail "useradd $ES_USER failed"
  fi

  # The integ-test zip ships only the core modules; x-pack settings are unknown
  # (and fatal) there, so only write them when x-pack security is present.
  local xpack=""
  if compgen -G "$home/modules/x-pack-security*" >/dev/null; then
    xpack="xpack.security.enabled: false"
  fi
  mkdir -p "$esdir/data" "$esdir/logs" "$esdir/run" "$esdir/tmp"
  cat >"$home/config/elasticsearch.yml" <<EOF
# citizen-space test instance
cluster.name: citizen-test
node.name: citizen-test-node
path.data: $esdir/data
path.logs: $esdir/logs
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_HTTP_PORT
transport.port: $ES_TRANSPORT_PORT
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
$xpack
EOF
  chown -R "$ES_USER": "$esdir"
  chmod 755 "$esdir"

  local pidfile="$esdir/run/elasticsearch.pid" pid=""
  if [[ -s "$pidfile" ]]; then pid="$(cat "$pidfile")"; fi
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "process $pid already running, waiting for it"
  else
    rm -f "$pidfile"
    log "starting $v on 127.0.0.1:$ES_HTTP_PORT (JDK $java_home, user $ES_USER)"
    # -d: daemonize; the CLI returns once the node has started (or failed).
    if ! timeout "$((ES_TIMEOUT + 60))" runuser -u "$ES_USER" -- env \
      -u JAVA_HOME ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="$ES_JAVA_OPTS_VALUE" \
      ES_TMPDIR="$esdir/tmp" HOME="$esdir" \
      "$home/bin/elasticsearch" -d -p "$pidfile" >"$esdir/start.log" 2>&1; then
      fail "bin/elasticsearch -d failed: $(es_error_hint "$esdir")"
    fi
  fi

  local deadline=$((SECONDS + ES_TIMEOUT))
  while ((SECONDS < deadline)); do
    es_ready && break
    if [[ -s "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      fail "process exited: $(es_error_hint "$esdir")"
    fi
    sleep 1
  done
  es_ready || fail "cluster health not yellow after ${ES_TIMEOUT}s: $(es_error_hint "$esdir")"
  log "ready: $ES_URL"
}

es_error_hint() { # best single line explaining an ES failure
  local esdir="$1" line
  line="$(cat "$esdir/start.log" "$esdir"/logs/*.log 2>/dev/null |
    grep -E 'fatal exception|unknown setting|\[ERROR\]|Caused by|Exception' | grep -vE '^\s+(at |Suppressed)' |
    head -n 1 | sed 's/^\[[^]]*\]//' | cut -c1-400 || true)"
  [[ -n "$line" ]] || line="$(grep -h 'ERROR:' "$esdir/start.log" 2>/dev/null | tail -n 1 | cut -c1-400 || true)"
  [[ -n "$line" ]] || line="$(tail -n 1 "$esdir/start.log" 2>/dev/null | cut -c1-400 || true)"
  printf '%s' "${line:-no output}"
}

down_elasticsearch() {
  local pidfile="$SERVICES_DIR/elasticsearch/run/elasticsearch.pid" pid=""
  if [[ -s "$pidfile" ]]; then pid="$(cat "$pidfile")"; fi
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "elasticsearch: pid $pid ignored SIGTERM for 30s, sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
      sleep 1
    fi
    log "elasticsearch: stopped (pid $pid)"
  else
    log "elasticsearch: not running"
  fi
  if es_ready; then
    warn "elasticsearch: something still answers on $ES_URL (not the process in $pidfile)"
    return 1
  fi
}

# ---------------------------------------------------------------- commands

# Serialise up/down: concurrent runs would race on the data dir and the cache.
take_lock() {
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    log "waiting for another services.sh up/down to finish ($LOCK_FILE)"
    flock -w 900 9 || { warn "SERVICES: could not get $LOCK_FILE after 900s"; exit 1; }
  fi
}

# Worker for one part, run as a separate bash process so that `set -e` applies inside.
part_worker() {
  PART="$1"
  exec 9>&- # the lock fd must not leak into the daemons
  local t0
  t0="$(now)"
  trap 'rc=$?; if ((rc != 0)) && [[ ! -s "$STATE_DIR/$PART.reason" ]]; then printf "unexpected error (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >"$STATE_DIR/$PART.reason"; fi' EXIT
  rm -f "$STATE_DIR/$PART.reason" "$STATE_DIR/$PART.time"
  "up_$PART"
  elapsed_since "$t0" >"$STATE_DIR/$PART.time"
}

cmd_up() {
  [[ "$(id -u)" == 0 ]] || { warn "services.sh up must run as root"; exit 2; }
  local t_all
  t_all="$(now)"
  take_lock
  mkdir -p "$SERVICES_DIR" "$STATE_DIR"
  chmod 755 "$SERVICES_DIR"
  touch "$MARKER"
  rm -f "$STATE_DIR/apt.failed"

  local t_apt
  t_apt="$(now)"
  apt_phase
  t_apt="$(elapsed_since "$t_apt")"

  local part
  declare -A pids=()
  for part in $PARTS; do
    (
      set -o pipefail
      "$BASH" "$SELF" __part "$part" 2>&1 | sed -u "s/^/[$part] /"
    ) &
    pids[$part]=$!
  done

  local failed=() ok=()
  for part in $PARTS; do
    if wait "${pids[$part]}" && part_ready "$part"; then
      ok+=("$part")
    else
      failed+=("$part")
    fi
  done

  log ""
  log "provisioning times (packages: ${t_apt}s, shared, before the parts):"
  for part in $PARTS; do
    if [[ " ${ok[*]:-} " == *" $part "* ]]; then
      log "  $part: ready in $(cat "$STATE_DIR/$part.time" 2>/dev/null || echo '?')s"
    else
      log "  $part: FAILED"
    fi
  done
  log "  total: $(elapsed_since "$t_all")s"

  local envf="$SERVICES_DIR/env"
  {
    [[ " ${ok[*]:-} " == *" postgres "* ]] && echo "CITIZEN_DATABASE_URL=$DATABASE_URL"
    [[ " ${ok[*]:-} " == *" redis "* ]] && echo "CITIZEN_REDIS_URL=$REDIS_URL"
    [[ " ${ok[*]:-} " == *" elasticsearch "* ]] && echo "CITIZEN_ELASTICSEARCH_URL=$ES_URL"
    true
  } >"$envf.tmp"
  mv -f "$envf.tmp" "$envf"
  log ""
  log "# $envf"
  cat "$envf"

  if ((${#failed[@]})); then
    local reason
    for part in "${failed[@]}"; do
      reason="$(head -n 1 "$STATE_DIR/$part.reason" 2>/dev/null || true)"
      warn "SERVICES: $part could not start: ${reason:-not ready after start (no reason recorded)}"
    done
    if [[ "${CI:-}" == "true" ]]; then exit 1; fi
  fi
  return 0
}

cmd_down() {
  [[ "$(id -u)" == 0 ]] || { warn "services.sh down must run as root"; exit 2; }
  take_lock
  local rc=0
  down_elasticsearch || rc=1
  down_redis || rc=1
  down_postgres || rc=1
  if [[ -d "$SERVICES_DIR" ]]; then
    if [[ -e "$MARKER" ]]; then
      if ((rc == 0)); then
        rm -rf -- "$SERVICES_DIR"
        log "removed $SERVICES_DIR (cache kept in $CACHE_DIR)"
      else
        warn "not removing $SERVICES_DIR: a service did not stop"
      fi
    else
      warn "not removing $SERVICES_DIR: it was not created by services.sh (no $MARKER)"
    fi
  fi
  return "$rc"
}

cmd_status() {
  local all=0
  if part_ready postgres; then log "postgres: up ($DATABASE_URL)"; else log "postgres: down"; all=1; fi
  if part_ready redis; then log "redis: up ($REDIS_URL)"; else log "redis: down"; all=1; fi
  if part_ready elasticsearch; then log "elasticsearch: up ($ES_URL)"; else log "elasticsearch: down"; all=1; fi
  return "$all"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  __part) part_worker "$2" ;;
  *)
    warn "usage: $0 up|down|status"
    exit 2
    ;;
esac
