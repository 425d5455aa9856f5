#!/usr/bin/env bash
# Start the ELUE platform on this machine with its embedded defaults: SQLite in
# var/, a file-system Celery broker, one worker and the development web server
# on http://127.0.0.1:8000. Ctrl-C stops both.
#
#   bash scripts/start.sh DATA_DIR
#
# DATA_DIR is a task data directory in the ELUE layout (DATA_DIR/SST-2/test.tsv,
# test_full.tsv, ... for all six tasks). Set ELUE_ADMIN_PASSWORD to create the
# superuser "admin" (ELUE_ADMIN_USER overrides the name). Any setting of
# docs/deployment.md (DATABASE_URL, CELERY_BROKER_URL, ...) may be exported first.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: bash scripts/start.sh DATA_DIR   (DATA_DIR: ELUE-layout task data, e.g. ../shared/data/elue)"
if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "No task data directory given." >&2
    echo "$usage" >&2
    exit 2
fi
data_dir="$1"
if [ ! -d "$data_dir" ]; then
    echo "Task data directory $data_dir does not exist." >&2
    echo "$usage" >&2
    exit 2
fi
# Check the task folders before the slow install and the migrations.
missing=()
for task in SST-2 IMDb SNLI SciTail MRPC STS-B; do
    for file in test.tsv test_full.tsv; do
        [ -f "$data_dir/$task/$file" ] || missing+=("$data_dir/$task/$file")
    done
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Task data directory $data_dir is incomplete; missing:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    echo "It needs a folder per task (SST-2 IMDb SNLI SciTail MRPC STS-B), each with test.tsv and test_full.tsv." >&2
    echo "$usage" >&2
    exit 2
fi

bash scripts/install.sh
python=.venv/bin/python

$python manage.py migrate --noinput
# Exits with status 2 and names every missing file when a task folder is incomplete.
$python manage.py import_task_data "$data_dir" || exit 2
echo "Seeding the reference curve; this can take a few minutes on the first run (IMDb's FLOPs)." >&2
$python manage.py seed_reference_curve
$python manage.py seed_paper_entries

if [ -n "${ELUE_ADMIN_PASSWORD:-}" ]; then
    ELUE_ADMIN_USER="${ELUE_ADMIN_USER:-admin}" $python manage.py shell -c '
import os
from django.contrib.auth import get_user_model
User = get_user_model()
name = os.environ["ELUE_ADMIN_USER"]
user, created = User.objects.get_or_create(username=name, defaults={"email": f"{name}@localhost"})
user.is_staff = user.is_superuser = True
user.set_password(os.environ["ELUE_ADMIN_PASSWORD"])
user.save()
print(("Created" if created else "Updated") + f" superuser {name}")
'
fi

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait || true
}
trap stop INT TERM EXIT

# -B runs the beat scheduler inside this one worker, which requeues runs whose
# worker died (recover_stale_runs). Start beat once per site when scaling out.
.venv/bin/celery -A elue_site worker -B -Q evaluate,default --concurrency=1 --loglevel=INFO &
pids+=($!)
$python manage.py runserver --noreload "${ELUE_BIND:-127.0.0.1:8000}" &
pids+=($!)
echo "ELUE is starting on http://${ELUE_BIND:-127.0.0.1:8000}/ (Ctrl-C stops the web server and the worker)" >&2
wait -n
