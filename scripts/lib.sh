# Shared setup steps for the README's two commands. Sourced, not run.

log() { printf '\033[1m[parta]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

# Installs dependencies exactly from the lockfile when node_modules is missing or stale.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# Builds every package (incremental) and the web client.
build() {
  log "building"
  npx tsc -b
  npm run --silent build -w @parta/web -- --logLevel warn
}

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null; then log "apt-get not found; install $* yourself"; return 1; fi
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

# Makes sure a PostgreSQL answers on 127.0.0.1:5432 for the test suite: starts the
# installed cluster, or installs Debian's PostgreSQL and sets the password the tests use.
ensure_postgres() {
  if [ -n "${PARTA_TEST_PG_URL:-}" ] || pg_up; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { log "PostgreSQL did not come up on 127.0.0.1:5432"; return 1; }
  # A fresh Debian cluster asks for a password over TCP; give postgres the one the tests use.
  as_root su postgres -c "psql -q -c \"alter user postgres password 'postgres'\"" >/dev/null 2>&1 || true
}

# Makes sure the browser tests have a Chromium: $PARTA_CHROMIUM when set, else Debian's
# /usr/bin/chromium, installed with apt-get when missing (never a downloaded browser).
# Exports PARTA_CHROMIUM for the tests and benchmarks.
ensure_chromium() {
  if [ -n "${PARTA_CHROMIUM:-}" ]; then
    if [ ! -x "$PARTA_CHROMIUM" ]; then log "PARTA_CHROMIUM=$PARTA_CHROMIUM is not an executable file"; return 1; fi
    export PARTA_CHROMIUM
    return 0
  fi
  if [ ! -x /usr/bin/chromium ]; then
    # The emoji font makes reactions render (not as empty boxes) in screenshots.
    apt_install chromium fonts-noto-color-emoji || true
  fi
  if [ ! -x /usr/bin/chromium ]; then
    log "no Chromium for the browser tests: could not install Debian's chromium with apt-get" \
      "(it needs root or sudo and a reachable Debian archive). Run 'apt-get install -y chromium'," \
      "or set PARTA_CHROMIUM to a Chromium binary"
    return 1
  fi
  export PARTA_CHROMIUM=/usr/bin/chromium
}
