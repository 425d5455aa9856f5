"""Requests per second and queries per request of the public boards.

Creates a throwaway database next to the configured one, named
`test_elue_leaderboard_benchmark`, and seeds entries with results on all
six tasks. It then requests the overall board and the SST-2 task page
through Django's test client (in process, no HTTP server) and prints one
line per page and entry count. The database is dropped at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/elue \\
        .venv/bin/python benchmarks/leaderboard_benchmark.py --entries 1000 --requests 20

Query counts must be equal at every entry count: each page loads its rows
in a fixed number of queries.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elue_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from elue_site.benchmark.models import (  # noqa: E402
    ModelEntry,
    ReferencePoint,
    ResultPoint,
    Route,
    Source,
    Status,
    Submission,
    Task,
)

logger = logging.getLogger("leaderboard_benchmark")

DATABASE_NAME = "test_elue_leaderboard_benchmark"
# (12-layer MFLOPs, 12-layer performance, 6-layer MFLOPs, 6-layer performance) of ElasticBERT-BASE.
REFERENCE = {
    "SST-2": (4238, 88.6, 2119, 87.0), "IMDb": (49566, 93.9, 24784, 92.7),
    "SNLI": (4695, 91.3, 2348, 90.1), "SciTail": (6732, 93.8, 3367, 92.5),
    "MRPC": (9117, 87.9, 4559, 87.3), "STS-B": (4715, 87.6, 2358, 86.9),
}
PAGES = {"overall board": "/", "SST-2 task page": "/tasks/SST-2/"}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10, 1000],
                        help="entry counts to measure at, in increasing order (default: 10 1000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default: 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated results")
    return parser.parse_args()


def seed_reference(tasks: dict[str, Task]) -> None:
    for key, (mflops12, perf12, mflops6, perf6) in REFERENCE.items():
        ReferencePoint.objects.update_or_create(task=tasks[key], layers=12, defaults={"flops": mflops12 * 10**6, "performance": perf12, "source": "benchmark"})
        ReferencePoint.objects.update_or_create(task=tasks[key], layers=6, defaults={"flops": mflops6 * 10**6, "performance": perf6, "source": "benchmark"})


def seed_entries(count: int, start: int, tasks: dict[str, Task], owner: object, rng: random.Random) -> None:
    """Add `count` public entries, each with a finished submission of 1 to 4 points per task."""
    entries = ModelEntry.objects.bulk_create([
        ModelEntry(owner=owner, name=f"bench-{number:05d}", is_public=True, kind="dynamic")
        for number in range(start, start + count)
    ])
    now = timezone.now()
    submissions = Submission.objects.bulk_create([
        Submission(entry=entry, task=task, route=Route.MODEL, status=Status.FINISHED, finished_at=now,
                   task_score=round(rng.uniform(-5, 2), 2), params=rng.randrange(10, 130) * 10**6,
                   scoring_method="elue-1")
        for entry in entries for task in tasks.values()
    ])
    points = []
    for submission in submissions:
        mflops12, perf12 = REFERENCE[submission.task.key][:2]
        for position in range(rng.randint(1, 4)):
            points.append(ResultPoint(
                submission=submission, position=position, performance=round(rng.uniform(perf12 - 8, perf12 + 1), 2),
                flops=int(rng.uniform(0.1, 1.2) * mflops12 * 10**6), params=submission.params,
                score=submission.task_score, performance_source=Source.MEASURED,
                flops_source=Source.MEASURED, params_source=Source.MEASURED,
            ))
    ResultPoint.objects.bulk_create(points, batch_size=2000)


def measure(client: Client, url: str, requests: int) -> tuple[float, int, int]:
    """Return (requests per second, queries per request, response bytes) for `url`."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Read the count now: the next request clears the connection's query log.
    query_count = len(queries.captured_queries)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} returned {response.status_code}")

    started = time.perf_counter()
    for _ in range(requests):
        client.get(url)
    elapsed = time.perf_counter() - started
    return requests / elapsed, query_count, len(response.content)


def run(arguments: argparse.Namespace) -> None:
    rng = random.Random(arguments.seed)
    tasks = {task.key: task for task in Task.objects.all()}
    seed_reference(tasks)
    owner = get_user_model().objects.create_user("benchmark-owner")
    client = Client()
    seeded = 0

    for count in sorted(arguments.entries):
        seed_entries(count - seeded, seeded, tasks, owner, rng)
        seeded = count
        for page, url in PAGES.items():
            rate, queries, size = measure(client, url, arguments.requests)
            print(f"{page:16} entries={count:5d}  {rate:7.2f} requests/s  {1000 / rate:8.1f} ms/request  "
                  f"{queries} queries/request  {size / 1024:8.0f} KiB")


def main() -> None:
    arguments = parse_arguments()
    # As in production: with DEBUG on, Django keeps every query in memory,
    # which slows the pages and caps the query log that the counts read.
    settings.DEBUG = False
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = DATABASE_NAME
    print(f"database: {connection.vendor}, throwaway {DATABASE_NAME}; {arguments.requests} requests per page")
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        run(arguments)
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
