"""Staff commands on a tiny generated ELUE-layout directory, plus real data.

Expected reference FLOPs follow the ELUE counting rule for BERT-base with n
tokens (multiply-accumulates): per layer 7,080,960*n + 1,560*n^2, embedding
LayerNorm 1,536*n, pooler 589,824, classifier 768 per label; FLOPs are twice
that. Every tiny SST-2 sentence ("sentence 3") is 4 tokens with [CLS] and
[SEP].
"""

from __future__ import annotations

import hashlib
import stat

import pytest
from django.core.management import CommandError, call_command

from elue_site.benchmark.models import (
    ModelEntry, ReferenceFlopsCache, ReferencePoint, ResultPoint, Source, Submission, Task,
)
from elue_site.benchmark.papers import seed_paper_entries
from elue_site.dashboard.services import STAFF_FLOPS_PROVENANCE, rescore_task
from site_factories import make_entry, make_finished, make_user, write_elue_dir

pytestmark = pytest.mark.django_db

ALL_TASKS = ["SST-2", "IMDb", "MRPC", "STS-B", "SNLI", "SciTail"]


def bert_flops(tokens: int, layers: int, labels: int) -> int:
    macs = layers * (7_080_960 * tokens + 1_560 * tokens**2) + 1_536 * tokens + 589_824 + 768 * labels
    return 2 * macs


@pytest.fixture
def source(tmp_path):
    return write_elue_dir(tmp_path / "elue")


def test_import_copies_with_private_modes(source, settings):
    call_command("import_task_data", str(source))
    private = settings.ELUE_PRIVATE_DATA_DIR
    copied = private / "SST-2" / "test_full.tsv"
    assert copied.read_bytes() == (source / "SST-2" / "test_full.tsv").read_bytes()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert stat.S_IMODE((private / "SST-2").stat().st_mode) == 0o700
    assert stat.S_IMODE(private.stat().st_mode) == 0o700


def test_import_records_counts_and_checksums(source):
    call_command("import_task_data", str(source))
    task = Task.objects.get(key="MRPC")
    expected = hashlib.sha256((source / "MRPC" / "test.tsv").read_bytes()).hexdigest()
    assert task.test_examples == 4
    assert task.data_sha256["test.tsv"] == expected
    assert task.data_imported_at is not None
    assert Task.objects.filter(data_imported_at__isnull=False).count() == 6


def test_import_missing_task_folder_named(source):
    for path in (source / "SciTail").iterdir():
        path.unlink()
    (source / "SciTail").rmdir()
    with pytest.raises(CommandError) as raised:
        call_command("import_task_data", str(source))
    assert str(source / "SciTail" / "test.tsv") in str(raised.value)
    assert raised.value.returncode == 2
    assert not Task.objects.filter(data_imported_at__isnull=False).exists()


def test_import_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_task_data", str(tmp_path / "nowhere"))


def test_import_invalid_label_rejected(source):
    gold = source / "SST-2" / "test_full.tsv"
    gold.write_text(gold.read_text().replace("\t1\n", "\tpositive\n", 1))
    with pytest.raises(CommandError, match="invalid label"):
        call_command("import_task_data", str(source), "--tasks", "SST-2")


def test_import_subset_and_rerun(source):
    call_command("import_task_data", str(source), "--tasks", "SST-2,mrpc")
    call_command("import_task_data", str(source), "--tasks", "SST-2,mrpc")
    imported = Task.objects.filter(data_imported_at__isnull=False).values_list("key", flat=True)
    assert sorted(imported) == ["MRPC", "SST-2"]


def test_seed_curve_needs_imported_data(db):
    with pytest.raises(CommandError, match="run import_task_data"):
        call_command("seed_reference_curve", "--tasks", "SST-2")


@pytest.mark.slow
def test_seed_curve_flops_and_cache(source, capsys):
    call_command("import_task_data", str(source), "--tasks", "SST-2")
    call_command("seed_reference_curve", "--tasks", "SST-2")
    points = {point.layers: point for point in ReferencePoint.objects.filter(task__key="SST-2")}
    assert sorted(points) == [3, 4, 6, 12]
    for layers, point in points.items():
        expected = bert_flops(tokens=4, layers=layers, labels=2)
        assert abs(point.flops - expected) <= 0.005 * expected
    assert points[12].performance == 88.6
    assert points[6].performance == 87.0
    assert points[4].is_estimate is True
    assert points[12].is_estimate is False
    capsys.readouterr()

    call_command("seed_reference_curve", "--tasks", "SST-2")
    assert "computed" not in capsys.readouterr().out
    assert ReferencePoint.objects.count() == 4
    assert ReferenceFlopsCache.objects.count() == 4


# Cached reference FLOPs of the tiny SST-2 set, chosen by hand so that seeding computes nothing.
TINY_CURVE_FLOPS = {12: 4_000_000_000, 6: 2_000_000_000, 4: 1_400_000_000, 3: 1_000_000_000}


def _cache_flops(task_key: str, flops_by_layers: dict[int, int]) -> None:
    checksum = Task.objects.get(key=task_key).data_sha256["test.tsv"]
    for layers, flops in flops_by_layers.items():
        ReferenceFlopsCache.objects.create(task_key=task_key, layers=layers, data_sha256=checksum, flops=flops)


@pytest.fixture
def seeded_sst2(source):
    call_command("import_task_data", str(source), "--tasks", "SST-2")
    _cache_flops("SST-2", TINY_CURVE_FLOPS)
    call_command("seed_reference_curve", "--tasks", "SST-2")
    return Task.objects.get(key="SST-2")


def _user_result(performance: float = 90.0, flops: int = 3_000_000_000) -> Submission:
    """Return a finished user submission whose stored score no curve gives (1.4)."""
    return make_finished(make_entry(make_user()), "SST-2", performance=performance, flops=flops)


def test_reseed_keeps_staff_edited_performance(seeded_sst2):
    ReferencePoint.objects.filter(task=seeded_sst2, layers=12).update(performance=88.7)
    rescore_task(seeded_sst2)
    submission = _user_result()
    rescore_task(seeded_sst2)
    call_command("seed_reference_curve", "--tasks", "SST-2")
    submission.refresh_from_db()
    # p_ref(3,000 MFLOPs) on the segment (2,000, 87.0)-(4,000, 88.7) is 87.85.
    assert ReferencePoint.objects.get(task=seeded_sst2, layers=12).performance == 88.7
    assert submission.task_score == pytest.approx(90.0 - 87.85)
    assert ReferencePoint.objects.count() == 4


def test_reseed_output_names_kept_points(seeded_sst2, capsys):
    capsys.readouterr()
    call_command("seed_reference_curve", "--tasks", "SST-2")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert all("(kept)" in line for line in lines)


def test_reseed_missing_point_rescores_users(seeded_sst2):
    submission = _user_result()
    ReferencePoint.objects.filter(task=seeded_sst2, layers=3).delete()
    call_command("seed_reference_curve", "--tasks", "SST-2")
    submission.refresh_from_db()
    recreated = ReferencePoint.objects.get(task=seeded_sst2, layers=3)
    # p_ref(3,000 MFLOPs) on the segment (2,000, 87.0)-(4,000, 88.6) is 87.8.
    assert recreated.flops == 1_000_000_000
    assert submission.task_score == pytest.approx(90.0 - 87.8)


def test_reseed_changed_data_refreshes_flops(seeded_sst2, source):
    ReferencePoint.objects.filter(task=seeded_sst2, layers=6).update(provenance=STAFF_FLOPS_PROVENANCE)
    submission = _user_result()
    test_file = source / "SST-2" / "test.tsv"
    test_file.write_text(test_file.read_text().replace("sentence 5", "sentence five"))
    call_command("import_task_data", str(source), "--tasks", "SST-2")
    _cache_flops("SST-2", {12: 5_000_000_000, 6: 2_500_000_000, 4: 1_400_000_000, 3: 1_000_000_000})
    call_command("seed_reference_curve", "--tasks", "SST-2")
    submission.refresh_from_db()
    points = dict(ReferencePoint.objects.filter(task=seeded_sst2).values_list("layers", "flops"))
    # Staff typed the 6-layer FLOPs, so only the seed's own points follow the new data.
    assert points == {12: 5_000_000_000, 6: 2_000_000_000, 4: 1_400_000_000, 3: 1_000_000_000}
    # p_ref(3,000 MFLOPs) on the segment (2,000, 87.0)-(5,000, 88.6) is 87.0 + 1.6 / 3.
    assert submission.task_score == pytest.approx(round(90.0 - (87.0 + 1.6 / 3), 2))


def _curve(task_key: str, flops_12: int, flops_6: int, perf_12: float, perf_6: float) -> None:
    task = Task.objects.get(key=task_key)
    ReferencePoint.objects.create(task=task, layers=12, flops=flops_12, performance=perf_12, source="test")
    ReferencePoint.objects.create(task=task, layers=6, flops=flops_6, performance=perf_6, source="test")


@pytest.fixture
def published_curve(db):
    # The published 12- and 6-layer points of ElasticBERT-BASE (MFLOPs x 1e6).
    for key, values in {
        "SST-2": (4238, 2119, 88.6, 87.0), "IMDb": (49566, 24784, 93.9, 92.7),
        "MRPC": (9117, 4559, 87.9, 87.3), "STS-B": (4715, 2358, 87.6, 86.9),
        "SNLI": (4695, 2348, 91.3, 90.1), "SciTail": (6732, 3367, 93.8, 92.5),
    }.items():
        _curve(key, values[0] * 10**6, values[1] * 10**6, values[2], values[3])


def test_paper_entries_seeded(published_curve):
    seed_paper_entries()
    elastic = ModelEntry.objects.get(name="ElasticBERT-BASE")
    scores = dict(elastic.submissions.values_list("task__key", "task_score"))
    assert ModelEntry.objects.filter(is_paper_seed=True, is_public=True).count() == 10
    assert scores == {key: 0.0 for key in ALL_TASKS}


def test_paper_entry_exact_flops(published_curve):
    seed_paper_entries()
    point = ResultPoint.objects.get(submission__entry__name="TinyBERT-6L", submission__task__key="MRPC")
    assert point.flops == 4_559_000_000
    assert point.is_estimate is False
    assert point.performance == 84.7
    assert point.performance_source == Source.PAPER
    assert point.params == 67_000_000


def test_paper_entry_scaled_flops_estimate(published_curve):
    seed_paper_entries()
    point = ResultPoint.objects.get(submission__entry__name="RoBERTa-BASE", submission__task__key="SST-2")
    flops = round(4_238_000_000 * 13_188 / 13_687)
    # p_ref on the segment from (2,119 MFLOPs, 87.0) to (4,238 MFLOPs, 88.6).
    p_ref = 87.0 + (flops / 1e6 - 2119) / (4238 - 2119) * (88.6 - 87.0)
    assert point.flops == flops
    assert point.is_estimate is True
    assert point.score == pytest.approx(88.3 - p_ref)
    assert point.submission.task_score == round(88.3 - p_ref, 2)


def test_paper_entries_idempotent(published_curve):
    seed_paper_entries()
    submissions = set(Submission.objects.values_list("pk", "finished_at"))
    points = set(ResultPoint.objects.values_list("pk", flat=True))
    seed_paper_entries()
    assert ModelEntry.objects.filter(is_paper_seed=True).count() == 10
    assert Submission.objects.count() == 60
    assert ResultPoint.objects.count() == 60
    assert set(Submission.objects.values_list("pk", "finished_at")) == submissions
    assert set(ResultPoint.objects.values_list("pk", flat=True)) == points


def test_paper_reseed_follows_curve(published_curve):
    seed_paper_entries()
    ReferencePoint.objects.filter(task__key="SST-2", layers=12).update(performance=88.7)
    seed_paper_entries()
    bert = Submission.objects.get(entry__name="BERT-BASE", task__key="SST-2")
    # BERT-BASE's SST-2 point sits at the 12-layer reference FLOPs: 85.1 - 88.7.
    assert bert.task_score == pytest.approx(-3.6)
    assert bert.points.get().score == pytest.approx(-3.6)


def test_paper_seed_refuses_user_name_clash(published_curve):
    make_entry(make_user("researcher"), "bert-base")
    with pytest.raises(CommandError, match="rename it"):
        call_command("seed_paper_entries")


def test_paper_seed_needs_curve(db):
    with pytest.raises(CommandError, match="run seed_reference_curve first"):
        call_command("seed_paper_entries")


@pytest.mark.realdata
def test_import_real_data_checksums(real_data_dir):
    call_command("import_task_data", str(real_data_dir), "--tasks", "SST-2,MRPC")
    sst2 = Task.objects.get(key="SST-2")
    mrpc = Task.objects.get(key="MRPC")
    # Row counts and SHA-256 of the released test files, as listed in the data's SOURCES.md.
    assert sst2.test_examples == 2210
    assert mrpc.test_examples == 1725
    assert sst2.data_sha256["test.tsv"] == "55a3f5df91761038f90c45616d1c46e0725fa70d343c7e51352d972f9c655994"
    assert mrpc.data_sha256["test.tsv"] == "aee460ceda833926b8ab2ad952d399f5cf8bc9335cff19afcac03dc449558622"
