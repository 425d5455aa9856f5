"""Wall time from upload to FINISHED of a route-3 submission on each task.

Runs against a platform that is already up (for example `bash
scripts/start.sh DATA_DIR`) with the same settings in the environment
(ELUE_VAR_DIR, or DATABASE_URL and CELERY_BROKER_URL). For each task it
uploads a predictions file of a static 12-layer BERT-base and a BERT-base
model file through the same service as the web form. The predictions are
the gold labels, with modules at each example's real token count. It then
polls the database until the worker marks the submission FINISHED or FAILED.

    .venv/bin/python benchmarks/submission_walltime.py ../shared/data/elue [TASK ...]

Submissions run one after another, so each time is one task alone on the
worker. The user and entry it creates are named bench-<timestamp>.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elue_site.settings")

import django  # noqa: E402

django.setup()

import evaluator  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from evaluator.reference_flops import token_counts  # noqa: E402

from elue_site.benchmark.models import Route, Task  # noqa: E402
from elue_site.benchmark.models import ModelEntry  # noqa: E402
from elue_site.submissions.services import SubmissionRequest, create_submission  # noqa: E402

LAYERS = 12
POLL_SECONDS = 1.0

MODEL_FILE = """\
import torch
from torch import nn

HIDDEN, HEADS, FFN, LABELS = 768, 12, 3072, {labels}


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(30522, HIDDEN)
        self.position = nn.Embedding(512, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, ids):
        positions = torch.arange(ids.shape[-1])
        return self.norm(self.word(ids) + self.position(positions) + self.token_type(torch.zeros_like(ids)))


class Exit(nn.Module):
    def __init__(self):
        super().__init__()
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, LABELS)

    def forward(self, cls):
        return self.classifier(torch.tanh(self.pooler(cls)))


module_list = {{"emb": Embeddings()}}
for number in range(1, {layers} + 1):
    module_list[f"layer_{{number}}"] = nn.TransformerEncoderLayer(
        HIDDEN, HEADS, FFN, activation="gelu", batch_first=True, layer_norm_eps=1e-12,
    )
module_list["exit"] = Exit()
entire_model = nn.ModuleDict(module_list).eval()
"""


def predictions_file(task_key: str, data_dir: Path) -> tuple[bytes, int, int]:
    """Return the predictions file, its example count and distinct token counts."""
    task = evaluator.get_task(task_key)
    test_set = evaluator.read_test_set(task, data_dir)
    counts = token_counts(test_set.inputs)
    rows = ["index\tpred\tmodules"]
    for index, gold, n in zip(test_set.indices, test_set.gold, counts):
        layers = "; ".join(f"({n},768),layer_{number}" for number in range(1, LAYERS + 1))
        rows.append(f"{index}\t{gold}\t({n}),emb; {layers}; (768),exit")
    return ("\n".join(rows) + "\n").encode(), len(counts), len(set(counts))


def submit_and_wait(user: object, entry: ModelEntry, task_key: str, data_dir: Path) -> dict:
    content, examples, shapes = predictions_file(task_key, data_dir)
    labels = evaluator.get_task(task_key).num_labels
    model = MODEL_FILE.format(labels=labels, layers=LAYERS).encode()
    request = SubmissionRequest(
        entry=entry, task=Task.objects.get(key=task_key), route=Route.MODEL,
        predictions=[SimpleUploadedFile(f"{task_key}.tsv", content)],
        model_file=SimpleUploadedFile("bert_base.py", model),
    )
    started = time.monotonic()
    submission = create_submission(user, request)
    while True:
        submission.refresh_from_db()
        if submission.is_done:
            break
        time.sleep(POLL_SECONDS)
    wall = time.monotonic() - started
    point = submission.points.first()
    return {
        "task": task_key, "examples": examples, "token_counts": shapes, "wall_s": wall,
        "status": submission.status, "mflops": point.flops / 1e6 if point else None,
        "steps": submission.provenance.get("wall_seconds", {}), "reason": submission.failure_reason,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="ELUE-layout task data (public copy with test_full.tsv)")
    parser.add_argument("tasks", nargs="*", default=["SST-2", "MRPC", "STS-B", "SciTail", "SNLI", "IMDb"])
    args = parser.parse_args()

    stamp = time.strftime("%Y%m%d%H%M%S")
    user = get_user_model().objects.create_user(f"bench-{stamp}", password=None)
    entry = ModelEntry.objects.create(owner=user, name=f"bench-{stamp}")
    print(f"{'task':8} {'examples':>8} {'shapes':>6} {'wall s':>8} {'MFLOPs':>10}  status  seconds per step")
    total = 0.0
    for task_key in args.tasks:
        row = submit_and_wait(user, entry, task_key, args.data_dir)
        total += row["wall_s"]
        mflops = f"{row['mflops']:,.1f}" if row["mflops"] is not None else "-"
        print(f"{row['task']:8} {row['examples']:>8} {row['token_counts']:>6} {row['wall_s']:>8.1f} {mflops:>10}  "
              f"{row['status']}  {row['steps'] or row['reason']}", flush=True)
    print(f"total {total:.1f} s for {len(args.tasks)} tasks")


if __name__ == "__main__":
    main()
