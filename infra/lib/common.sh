#!/usr/bin/env bash
# Shell helpers shared by infra/test.sh and infra/scale-test.sh (sourced, not run).

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the named Debian packages that are missing (postgresql, chromium, python3-aiosmtpd, wrk ...).
install_prerequisites() {
  local missing=() package
  for package in "$@"; do
    case "$package" in
      postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql) ;;
      python3-aiosmtpd) /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd) ;;
      *) command -v "$package" >/dev/null 2>&1 || [ -x "/usr/bin/$package" ] || missing+=("$package") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    printf '\n== Installing %s\n' "${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

pg_dir=""
pg_bin=""
start_postgres() {
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  pg_dir="$(mktemp -d /tmp/membership-pg.XXXXXX)"
  pg_port="$(free_port)"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$pg_dir"
    run=(su postgres -s /bin/sh -c)
  else
    run=(sh -c)
  fi
  "${run[@]}" "'$pg_bin/initdb' -D '$pg_dir/data' -A trust -U postgres >'$pg_dir/initdb.log' 2>&1" || { cat "$pg_dir/initdb.log"; return 1; }
  # Durability off: a test database is thrown away, and fsync is most of its cost.
  "${run[@]}" "'$pg_bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/server.log' -w -t 60 -o \"-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start >/dev/null" \
    || { cat "$pg_dir/server.log"; return 1; }
  export MEMBERSHIP_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Pooling=true"
  echo "PostgreSQL on 127.0.0.1:$pg_port"
}

stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop" >/dev/null 2>&1
  else
    "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  fi
  rm -rf "$pg_dir"
}
