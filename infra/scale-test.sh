#!/usr/bin/env bash
# Several nodes on one database, tested here: PostgreSQL, an SMTP sink (aiosmtpd with a Maildir)
# and three site processes on loopback, node 1 and 2 running Hangfire workers and node 3 web
# requests only (Jobs:RunWorkers=false). A creator signed in on node 3 publishes a members-only
# post to N followers (form read on node 3, posted to node 1); the worker node holding the
# delivery's claims is killed with SIGKILL once a fifth is sent. Then it checks that every
# follower got the post exactly once (or within the documented duplicate window: at most one
# copy per connection of the killed sender), that the recurring jobs ran once per schedule tick
# with no tick missed, and that a fan signed in on one node stays signed in on another.
#
#   bash infra/scale-test.sh [--members N] [--connections C] [--publish-dir DIR] [--timeout-seconds S]
#
# Defaults: 10,000 followers, 4 SMTP connections, 15 minutes at most (a run takes ~3-4 minutes:
# the dead sender's lease is 90 s and the sweep is minutely). Uses $MEMBERSHIP_TEST_POSTGRES (a
# server connection string) when set, else starts a throwaway PostgreSQL on a free port;
# publishes the site unless --publish-dir is given. Logs of every process: artifacts/scale/.
# Exit code 0 only when every check passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source "$root/infra/lib/common.sh"
trap stop_postgres EXIT

publish_dir=""
driver_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --publish-dir) publish_dir="$2"; shift 2 ;;
    --members|--connections|--timeout-seconds) driver_args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: bash infra/scale-test.sh [--members N] [--connections C] [--publish-dir DIR] [--timeout-seconds S]" >&2; exit 2 ;;
  esac
done

install_prerequisites postgresql python3-aiosmtpd
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="$root/artifacts/scale"
rm -rf "$work" && mkdir -p "$work"

if [ -z "$publish_dir" ]; then
  publish_dir="$work/publish"
  dotnet publish src/Membership.Web -c Release --nologo -v quiet -o "$publish_dir" || exit 1
fi

dotnet build infra/ScaleTest -c Release --nologo -v quiet || exit 1

if [ -z "${MEMBERSHIP_TEST_POSTGRES:-}" ]; then
  start_postgres || exit 1
fi

timeout --signal=KILL 1200 dotnet infra/ScaleTest/bin/Release/net10.0/ScaleTest.dll \
  --publish-dir "$publish_dir" --postgres "$MEMBERSHIP_TEST_POSTGRES" --work-dir "$work/run" "${driver_args[@]}"
