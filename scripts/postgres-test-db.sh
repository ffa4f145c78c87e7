#!/usr/bin/env bash
# Start the machine's PostgreSQL (installed but stopped on our dev/CI machines) and make
# the test role and database. Prints the URL to use on stdout; exits non-zero if it can't.
set -euo pipefail
DB=${FIELDAPP_TEST_PG_DB:-fieldapp_test}
URL="postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/$DB"

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "PostgreSQL is not installed (no pg_lsclusters)." >&2; exit 1
fi
cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  echo "No PostgreSQL cluster exists." >&2; exit 1
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not running and starting it needs root: sudo pg_ctlcluster $cluster start" >&2
    exit 1
  fi
  pg_ctlcluster $cluster start >&2
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { su postgres -c "$1"; }
  as_pg "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='fieldapp'\"" | grep -q 1 \
    || as_pg "psql -qc \"CREATE ROLE fieldapp LOGIN SUPERUSER PASSWORD 'fieldapp'\"" >&2
  as_pg "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" | grep -q 1 \
    || as_pg "createdb -O fieldapp $DB" >&2
fi
echo "$URL"
