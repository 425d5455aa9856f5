"""The published static models (Liu et al. 2022, arXiv 2110.07038, Table 3) as paper entries.

Each model gets one point per task: performance from the table, parameters
from the table, and FLOPs per example taken from the reference curve at the
same depth (12 or 6 layers). BERT-BASE, TinyBERT-6L and ElasticBERT share
BERT's per-token cost, so their FLOPs equal the reference FLOPs. For the
others the reference FLOPs are scaled by the ratio of the model's average
#FLOPs in the table to ElasticBERT-BASE's at that depth (13,687M for 12
layers, 6,788M for 6), which is an estimate and marked so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from elue_site.benchmark.models import (
    EntryKind, ModelEntry, ReferencePoint, Route, Source, Submission, Task,
)
from elue_site.submissions.parsing import PaperPoint
from elue_site.submissions.services import store_paper_points

logger = logging.getLogger(__name__)

SEED_OWNER = "elue-papers"
PAPER_URL = "https://arxiv.org/abs/2110.07038"
TASK_ORDER = ("SST-2", "IMDb", "MRPC", "STS-B", "SNLI", "SciTail")
# ElasticBERT-BASE's average #FLOPs over the six tasks, in MFLOPs, by depth.
REFERENCE_AVERAGE_MFLOPS = {12: 13_687, 6: 6_788}


@dataclass(frozen=True)
class PaperModel:
    name: str
    mparams: int
    average_mflops: int
    depth: int
    exact_flops: bool
    performance: tuple[float, ...]  # in TASK_ORDER


PAPER_MODELS = (
    PaperModel("BERT-BASE", 109, 13_687, 12, True, (85.1, 93.0, 83.1, 84.2, 90.4, 93.2)),
    PaperModel("ALBERT-BASE", 12, 14_018, 12, False, (86.6, 92.9, 87.8, 88.3, 90.1, 93.4)),
    PaperModel("RoBERTa-BASE", 125, 13_188, 12, False, (88.3, 94.9, 88.0, 89.6, 91.3, 92.8)),
    PaperModel("ElasticBERT-BASE", 109, 13_687, 12, True, (88.6, 93.9, 87.9, 87.6, 91.3, 93.8)),
    PaperModel("BERT-BASE-6L", 67, 6_788, 6, True, (83.3, 91.0, 82.6, 82.5, 88.9, 90.7)),
    PaperModel("ALBERT-BASE-6L", 12, 7_063, 6, False, (84.7, 92.0, 85.3, 83.5, 89.3, 92.3)),
    PaperModel("RoBERTa-BASE-6L", 82, 6_638, 6, False, (86.8, 92.6, 86.7, 84.5, 90.2, 91.3)),
    # MobileBERT has 24 thin layers; its FLOPs are scaled from the 12-layer reference.
    PaperModel("MobileBERT", 25, 3_622, 12, False, (86.5, 92.6, 85.9, 83.4, 89.8, 93.6)),
    PaperModel("TinyBERT-6L", 67, 6_788, 6, True, (85.3, 89.0, 84.7, 85.0, 89.3, 90.0)),
    PaperModel("ElasticBERT-BASE-6L", 67, 6_788, 6, True, (87.0, 92.7, 87.3, 86.9, 90.1, 92.5)),
)


def paper_flops(model: PaperModel, task: Task) -> int:
    """Return the model's FLOPs per example on `task` from the reference point at its depth."""
    reference = ReferencePoint.objects.filter(task=task, layers=model.depth).first()
    if reference is None:
        raise LookupError(
            f"Task {task.key} has no {model.depth}-layer reference point; run seed_reference_curve first."
        )
    if model.exact_flops:
        return reference.flops
    return round(reference.flops * model.average_mflops / REFERENCE_AVERAGE_MFLOPS[model.depth])


def seed_owner() -> object:
    """Return the inactive system user that owns paper entries, creating it if needed."""
    user, created = get_user_model().objects.get_or_create(
        username=SEED_OWNER, defaults={"is_active": False, "email": ""},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def seed_model(model: PaperModel) -> ModelEntry:
    """Create or refresh one paper entry and its six paper submissions, updating stored rows in place."""
    clash = ModelEntry.objects.filter(name__iexact=model.name, is_paper_seed=False).first()
    if clash is not None:
        raise LookupError(
            f"A user's entry (id {clash.pk}) is named {clash.name!r}; rename it before seeding paper entries."
        )
    entry, _ = ModelEntry.objects.update_or_create(
        name=model.name,
        defaults={
            "owner": seed_owner(), "kind": EntryKind.STATIC, "is_public": True, "is_paper_seed": True,
            "paper_url": PAPER_URL, "affiliation": "",
            "description": "Published static result on the ELUE test sets (Liu et al. 2022, Table 3).",
        },
    )
    seeded_ids = []
    for task_key, performance in zip(TASK_ORDER, model.performance):
        submission = _paper_submission(entry, Task.objects.get(key=task_key), model)
        point = PaperPoint(performance=performance, flops=paper_flops(model, submission.task),
                           params=model.mparams * 1_000_000)
        store_paper_points(submission, [point], Source.PAPER, is_estimate=not model.exact_flops)
        if model.exact_flops:
            # FLOPs equal the reference FLOPs computed on the test set.
            submission.points.update(flops_source=Source.MEASURED)
        seeded_ids.append(submission.pk)
    entry.submissions.exclude(pk__in=seeded_ids).delete()
    logger.info("Seeded paper entry %s", model.name)
    return entry


def _paper_submission(entry: ModelEntry, task: Task, model: PaperModel) -> Submission:
    """Return the entry's paper submission of `task`, reused on reseeding so its id stays the same."""
    submission = entry.submissions.filter(task=task, route=Route.PAPER).order_by("pk").first()
    if submission is None:
        return Submission.objects.create(entry=entry, task=task, route=Route.PAPER,
                                         typed_params=model.mparams * 1_000_000)
    submission.typed_params = model.mparams * 1_000_000
    return submission


def seed_paper_entries() -> list[ModelEntry]:
    return [seed_model(model) for model in PAPER_MODELS]
