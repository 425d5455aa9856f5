"""End to end through a real Celery worker process, real Redis and PostgreSQL.

The test uploads route-3 submissions of real SST-2 and MRPC predictions with
a toy model file. The predictions are the gold labels of test_full.tsv, so
performance is 100. A `celery -A elue_site worker` subprocess evaluates
them, and the test checks the stored numbers against values worked out here.

Toy model FLOPs (2 x multiply-accumulates, bias not counted): the embedding
costs 0, `layer` = Linear(8, 8) at input (n, 8) costs 2*8*8*n = 128n, and
`exit` = Linear(8, 2) at input (8,) costs 2*8*2 = 32.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse

import evaluator
from elue_site.benchmark.models import ReferencePoint, Status, Submission, Task
from elue_site.celery import app as celery_app
from site_factories import make_entry, make_user

pytestmark = [pytest.mark.worker, pytest.mark.realdata, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPO_ROOT = Path(__file__).resolve().parents[2]
BROKER_DB = 5
BROKER_URL = f"redis://127.0.0.1:6379/{BROKER_DB}"
WAIT_SECONDS = 120

TOY_MODEL = """\
from torch import nn

module_list = {
    "emb": nn.Embedding(100, 8),
    "layer": nn.Linear(8, 8),
    "exit": nn.Linear(8, 2),
}
entire_model = nn.ModuleDict(module_list)
"""
TOY_PARAMS = 100 * 8 + (8 * 8 + 8) + (8 * 2 + 2)


def token_count(index: int) -> int:
    return 3 + index % 5


def toy_flops(index: int) -> int:
    return 128 * token_count(index) + 32


def predictions_file(path: Path, task_key: str, data_dir: Path) -> list[int]:
    """Write the gold labels as route-3 predictions; return the test indices."""
    test_set = evaluator.read_test_set(evaluator.get_task(task_key), data_dir)
    rows = ["index\tpred\tmodules"]
    for index, gold in zip(test_set.indices, test_set.gold):
        n = token_count(index)
        rows.append(f"{index}\t{gold}\t({n}),emb; ({n},8),layer; (8),exit")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return test_set.indices


@pytest.fixture
def broker(monkeypatch):
    """Point this process's Celery producer at Redis database 5, emptied first.

    Celery reads the CELERY_BROKER_URL environment variable before its
    configuration, so the variable is what the test changes.
    """
    redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB).flushdb()
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    assert celery_app.connection_for_write().as_uri().endswith(f"/{BROKER_DB}")
    yield BROKER_URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB).flushdb()


@pytest.fixture
def worker(broker, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker test needs PostgreSQL: set DATABASE_URL as .ci/run does")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": broker,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ELUE_PRIVATE_DATA_DIR": str(settings.ELUE_PRIVATE_DATA_DIR),
        "ELUE_VAR_DIR": str(tmp_path / "worker-var"),
    }
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "elue_site", "worker", "-Q", "evaluate",
         "--concurrency=1", "--pool=prefork", "--without-gossip", "--without-mingle",
         "-n", f"test-{os.getpid()}@%h", "--loglevel=INFO"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield tmp_path / "worker.log"
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


def _curve(task_key: str, perf_12: float, mflops_12: int, perf_6: float, mflops_6: int) -> None:
    task = Task.objects.get(key=task_key)
    ReferencePoint.objects.create(task=task, layers=12, flops=mflops_12 * 10**6, performance=perf_12, source="test")
    ReferencePoint.objects.create(task=task, layers=6, flops=mflops_6 * 10**6, performance=perf_6, source="test")


def _wait_done(pks: list[int], log: Path) -> dict[int, Submission]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        rows = {row.pk: row for row in Submission.objects.filter(pk__in=pks)}
        if all(row.is_done for row in rows.values()):
            return rows
        time.sleep(0.5)
    pytest.fail(f"submissions not done after {WAIT_SECONDS} s; worker log:\n{log.read_text()[-4000:]}")


def _submit(client: Client, entry, task_key: str, predictions: Path, model: Path) -> int:
    with open(predictions, "rb") as predictions_stream, open(model, "rb") as model_stream:
        response = client.post(reverse("submissions:create", args=[entry.pk]), {
            "task": task_key, "route": "model", "predictions": predictions_stream, "model_file": model_stream,
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    return Submission.objects.latest("pk").pk


def test_route3_end_to_end(worker, real_data_dir, tmp_path):
    from django.core.management import call_command

    call_command("import_task_data", str(real_data_dir), "--tasks", "SST-2,MRPC")
    # Published ElasticBERT-BASE points (performance, MFLOPs) at 12 and 6 layers.
    _curve("SST-2", 88.6, 4238, 87.0, 2119)
    _curve("MRPC", 87.9, 9117, 87.3, 4559)
    owner = make_user("integration")
    client = Client()
    client.force_login(owner)
    entry = make_entry(owner, "ToyNet")
    model = tmp_path / "toy_model.py"
    model.write_text(TOY_MODEL, encoding="utf-8")

    indices, pks = {}, []
    for task_key in ("SST-2", "MRPC"):
        predictions = tmp_path / f"{task_key}.tsv"
        indices[task_key] = predictions_file(predictions, task_key, real_data_dir)
        pks.append(_submit(client, entry, task_key, predictions, model))

    done = _wait_done(pks, worker)
    for pk, task_key, lowest_reference in zip(pks, ("SST-2", "MRPC"), (87.0, 87.3)):
        submission = done[pk]
        assert submission.status == Status.FINISHED, (submission.failure_reason, submission.errors)
        point = submission.points.get()
        expected_flops = sum(toy_flops(index) for index in indices[task_key]) / len(indices[task_key])
        assert point.performance == 100.0
        assert point.flops == round(expected_flops)
        assert point.flops_source == "measured"
        assert submission.params == TOY_PARAMS
        # The toy model's FLOPs lie far below the curve, so p_ref is the 6-layer performance.
        assert submission.task_score == round(100.0 - lowest_reference, 2)
        assert submission.attempts == 1
        assert submission.provenance["versions"]["torch"]
        assert "linear" in submission.provenance["operators"][0]
        page = client.get(reverse("submissions:status", args=[pk])).json()
        assert page["status_display"] == "Finished"


def _wait_measuring(pk: int, log: Path) -> Submission:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        submission = Submission.objects.get(pk=pk)
        if submission.status == Status.RUNNING and submission.progress_step == "measuring":
            return submission
        assert not submission.is_done, (submission.status, submission.failure_reason)
        time.sleep(0.2)
    pytest.fail(f"submission {pk} never started measuring; worker log:\n{log.read_text()[-4000:]}")


def test_killed_worker_process_redelivered(worker, real_data_dir, tmp_path):
    """SIGKILL the pool process mid-measurement: the task is redelivered and re-claimed."""
    from django.core.management import call_command

    call_command("import_task_data", str(real_data_dir), "--tasks", "SST-2")
    _curve("SST-2", 88.6, 4238, 87.0, 2119)
    owner = make_user("survivor")
    client = Client()
    client.force_login(owner)
    model = tmp_path / "slow_model.py"
    model.write_text("import time\ntime.sleep(6)\n" + TOY_MODEL, encoding="utf-8")
    predictions = tmp_path / "SST-2.tsv"
    predictions_file(predictions, "SST-2", real_data_dir)

    pk = _submit(client, make_entry(owner, "SlowToyNet"), "SST-2", predictions, model)
    running = _wait_measuring(pk, worker)
    pool_process = int(running.claimed_by.rsplit(":", 1)[1])
    os.kill(pool_process, signal.SIGKILL)

    done = _wait_done([pk], worker)[pk]
    assert done.status == Status.FINISHED, (done.failure_reason, done.errors)
    assert done.attempts == 2
    assert done.points.get().performance == 100.0
    assert done.claimed_by != running.claimed_by
