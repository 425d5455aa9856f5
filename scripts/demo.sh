#!/usr/bin/env bash
# Run the whole platform on real data: start the site, train the ElasticBERT
# baseline, submit it through the API as a researcher would, wait for the
# worker's evaluations, publish the entry and print where to look.
#
#   bash scripts/demo.sh DATA_DIR [--full]
#
# DATA_DIR is the ELUE task data in its release layout (e.g. ../shared/data/elue).
# The default quick setting trains for about 15 minutes on 2 CPU cores and cuts
# IMDb reviews to 64 tokens; --full uses all training data and 512-token IMDb
# reviews, which needs a GPU. Rerunning reuses the trained models under
# baselines/runs/ (or ELUE_DEMO_RUN_DIR), the platform if it is already up,
# the account and the entry. ELUE_BIND and ELUE_VAR_DIR work as for start.sh.
# The site keeps running after the summary; Ctrl-C stops it, or set
# ELUE_DEMO_STOP=1 to stop it as soon as the summary is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: bash scripts/demo.sh DATA_DIR [--full]   (DATA_DIR: ELUE-layout task data, e.g. ../shared/data/elue)"
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "Missing or invalid task data directory '${1:-}'." >&2
    echo "$usage" >&2
    exit 2
fi
data_dir="$(cd "$1" && pwd)"
setting_flag=()
[ "${2:-}" = "--full" ] && setting_flag=(--full)
# ELUE_DEMO_RUN_DIR moves the trained models and the submission elsewhere.
[ -n "${ELUE_DEMO_RUN_DIR:-}" ] && setting_flag+=(--run-dir "$ELUE_DEMO_RUN_DIR")

started=$(date +%s)
site_url="http://${ELUE_BIND:-127.0.0.1:8000}"
demo_dir="${ELUE_VAR_DIR:-var}/demo"
mkdir -p "$demo_dir"
python=.venv/bin/python

bash scripts/install.sh

# 1. The platform: reuse a running site, else start one in the background. Its
# set-up (migrations, data import, reference curve) overlaps the training.
platform_pid=""
if curl -fs -o /dev/null "$site_url/"; then
    echo "Reusing the ELUE site already responding on $site_url" >&2
else
    echo "Starting the platform; its log is $demo_dir/platform.log" >&2
    bash scripts/start.sh "$data_dir" >"$demo_dir/platform.log" 2>&1 &
    platform_pid=$!
fi
stop_platform() {
    if [ -n "$platform_pid" ]; then
        kill "$platform_pid" 2>/dev/null || true
        wait "$platform_pid" 2>/dev/null || true
    fi
}
trap stop_platform INT TERM

# 2. The baseline: train, predict every exit on the test sets, package.
$python -m baselines train --data-dir "$data_dir" "${setting_flag[@]}"
$python -m baselines predict --data-dir "$data_dir" "${setting_flag[@]}"
$python -m baselines package "${setting_flag[@]}"

# 3. Wait for the site, then create the researcher account once.
for _ in $(seq 600); do
    curl -fs -o /dev/null "$site_url/" && break
    if [ -n "$platform_pid" ] && ! kill -0 "$platform_pid" 2>/dev/null; then
        echo "The platform stopped during start-up; see $demo_dir/platform.log" >&2
        exit 1
    fi
    sleep 2
done
curl -fsS -o /dev/null "$site_url/" || { echo "The site did not respond on $site_url within 20 minutes" >&2; exit 1; }

password_file="$demo_dir/researcher-password"
if [ ! -s "$password_file" ]; then
    (umask 077 && $python -c 'import secrets; print(secrets.token_urlsafe(18))' >"$password_file")
fi
export ELUE_PASSWORD="$(cat "$password_file")"
ELUE_DEMO_USER="${ELUE_DEMO_USER:-demo-researcher}"
export ELUE_DEMO_USER
$python manage.py shell -c '
import os
from django.contrib.auth import get_user_model
user, created = get_user_model().objects.get_or_create(
    username=os.environ["ELUE_DEMO_USER"], defaults={"email": "demo@localhost"})
user.set_password(os.environ["ELUE_PASSWORD"])
user.save()
' >/dev/null || {
    echo "Creating the account $ELUE_DEMO_USER failed. If the site on $site_url was already" >&2
    echo "running, start it with the same DATABASE_URL and ELUE_VAR_DIR as this shell, or" >&2
    echo "choose a free address with ELUE_BIND." >&2
    exit 1
}

# 4. Submit through the API, wait for the worker, publish, print the pages.
status=0
$python -m baselines submit --url "$site_url" --username "$ELUE_DEMO_USER" \
    --json-out "$demo_dir/outcome.json" "${setting_flag[@]}" || status=$?
echo "Demo wall time: $(( $(date +%s) - started )) s; researcher $ELUE_DEMO_USER, password in $password_file"

if [ -n "$platform_pid" ] && [ "${ELUE_DEMO_STOP:-0}" != "1" ]; then
    echo "The site keeps running on $site_url; press Ctrl-C to stop it." >&2
    wait "$platform_pid" || true
else
    stop_platform
fi
exit "$status"
