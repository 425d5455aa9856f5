"""Ranking rules of the boards, with expected orders worked out by hand."""

from __future__ import annotations

import pytest

from elue_site.leaderboards.ranking import (
    TRACK_LIMITS,
    EntrySummary,
    PlotPoint,
    TaskCell,
    average_performance,
    best_performance,
    overall_score,
    pareto_front,
    rank_overall,
    rank_track,
    sort_rows,
)

TASKS = ("SST-2", "IMDb", "SNLI", "SciTail", "MRPC", "STS-B")


def cell(score: float | None, performance: float = 80.0, source: str = "measured") -> TaskCell:
    return TaskCell(score=score, best_performance=performance, source=source)


def entry(entry_id: int, name: str, scores, performances=None, params: int | None = 50_000_000):
    performances = performances or [80.0] * len(scores)
    cells = {key: cell(s, p) for key, s, p in zip(TASKS, scores, performances)}
    return EntrySummary(entry_id=entry_id, name=name, params=params, cells=cells)


# Pareto front ---------------------------------------------------------------

def test_pareto_front_drops_dominated_points():
    # (flops, perf): A(100, 80) B(200, 85) C(150, 79) D(300, 84) E(400, 90).
    # C costs more than A and performs worse; D costs more than B and is worse.
    points = [
        PlotPoint(1, 100, 80.0), PlotPoint(2, 200, 85.0), PlotPoint(3, 150, 79.0),
        PlotPoint(4, 300, 84.0), PlotPoint(5, 400, 90.0),
    ]
    front = pareto_front(points)
    assert [p.entry_id for p in front] == [1, 2, 5]


def test_pareto_front_same_cost_keeps_best():
    points = [PlotPoint(1, 100, 80.0), PlotPoint(2, 100, 82.0)]
    assert [p.entry_id for p in pareto_front(points)] == [2]


def test_pareto_front_equal_performance_keeps_cheaper():
    points = [PlotPoint(1, 300, 80.0), PlotPoint(2, 100, 80.0)]
    assert [p.entry_id for p in pareto_front(points)] == [2]


def test_pareto_front_keeps_identical_points():
    points = [PlotPoint(7, 100, 80.0), PlotPoint(3, 100, 80.0)]
    assert [p.entry_id for p in pareto_front(points)] == [3, 7]


def test_pareto_front_lower_is_better_metric():
    # With lower performance better, B(200, 70) beats A(100, 80) only on
    # performance, and C(300, 75) is dominated by B.
    points = [PlotPoint(1, 100, 80.0), PlotPoint(2, 200, 70.0), PlotPoint(3, 300, 75.0)]
    front = pareto_front(points, higher_is_better=False)
    assert [p.entry_id for p in front] == [1, 2]


def test_pareto_front_empty():
    assert pareto_front([]) == []


# Per-entry numbers ----------------------------------------------------------

def test_best_performance_follows_direction():
    assert best_performance([84.1, 88.6, 87.0]) == 88.6
    assert best_performance([84.1, 88.6, 87.0], higher_is_better=False) == 84.1


def test_best_performance_rejects_empty():
    with pytest.raises(ValueError):
        best_performance([])


def test_overall_score_is_mean_of_six():
    # ALBERT-BASE in Table 5 of Liu et al. 2022 (arXiv 2110.07038): -2.3 -1.1 -0.3 -2.6 -1.7 -1.5;
    # the sum is -9.5 and the mean -1.5833, rounded to 2 decimals -1.58
    # (the paper shows -1.6 at 1 decimal).
    albert = entry(1, "ALBERT-BASE", [-2.3, -1.1, -0.3, -2.6, -1.7, -1.5])
    assert overall_score(albert) == pytest.approx(-1.58)


def test_overall_score_needs_every_task():
    partial = entry(1, "partial", [1.0, 1.0, 1.0, 1.0, 1.0])
    assert overall_score(partial) is None


def test_overall_score_none_when_a_score_is_missing():
    unscored = entry(1, "unscored", [1.0, 1.0, None, 1.0, 1.0, 1.0])
    assert overall_score(unscored) is None


def test_average_performance_of_published_row():
    # BERT-BASE in Table 3 of Liu et al. 2022: 85.1 93.0 83.1 84.2 90.4 93.2, mean 88.17.
    bert = entry(1, "BERT-BASE", [0.0] * 6, [85.1, 93.0, 90.4, 93.2, 83.1, 84.2])
    assert average_performance(bert, TASKS) == pytest.approx(529.0 / 6)


# Overall board --------------------------------------------------------------

def test_rank_overall_orders_by_score():
    low = entry(1, "low", [-1.0] * 6)
    high = entry(2, "high", [0.5] * 6)
    partial = entry(3, "partial", [9.0] * 5)
    ranked = rank_overall([low, high, partial], TASKS)
    assert [row.entry.name for row in ranked] == ["high", "low"]
    assert [row.rank for row in ranked] == [1, 2]
    assert ranked[0].elue_score == pytest.approx(0.5)


def test_rank_overall_ties_use_performance_then_params():
    # All three score 0. "b" has the better average performance (81 > 80);
    # "a" and "c" tie on it, and "c" has fewer parameters.
    a = entry(1, "a", [0.0] * 6, [80.0] * 6, params=60_000_000)
    b = entry(2, "b", [0.0] * 6, [81.0] * 6, params=90_000_000)
    c = entry(3, "c", [0.0] * 6, [80.0] * 6, params=20_000_000)
    ranked = rank_overall([a, b, c], TASKS)
    assert [row.entry.name for row in ranked] == ["b", "c", "a"]


def test_rank_overall_full_tie_uses_name_then_id():
    first = entry(9, "same", [0.0] * 6)
    second = entry(4, "same", [0.0] * 6)
    other = entry(1, "zeta", [0.0] * 6)
    ranked = rank_overall([other, first, second], TASKS)
    assert [row.entry.entry_id for row in ranked] == [4, 9, 1]


def test_rank_overall_unknown_params_last_among_ties():
    known = entry(2, "b", [0.0] * 6, params=109_000_000)
    unknown = entry(1, "a", [0.0] * 6, params=None)
    ranked = rank_overall([unknown, known], TASKS)
    assert [row.entry.entry_id for row in ranked] == [2, 1]


# Parameter tracks -----------------------------------------------------------

def test_track_limits_match_spec():
    assert TRACK_LIMITS == (40_000_000, 55_000_000, 70_000_000, 110_000_000)


def test_rank_track_filters_by_params():
    # MobileBERT 25M fits the 40M track; ElasticBERT-BASE-6L 67M only the
    # 70M track; BERT-BASE with a classifier has 109,483,778 parameters and
    # fits the 110M track only.
    mobile = entry(1, "MobileBERT", [None] * 6, [86.5, 92.6, 89.8, 93.6, 85.9, 83.4], params=25_000_000)
    elastic6 = entry(2, "ElasticBERT-6L", [None] * 6, [87.0, 92.7, 90.1, 92.5, 87.3, 86.9], params=67_000_000)
    bert = entry(3, "BERT-BASE", [None] * 6, [85.1, 93.0, 90.4, 93.2, 83.1, 84.2], params=109_483_778)
    entries = [mobile, elastic6, bert]

    assert [r.entry.name for r in rank_track(entries, TASKS, 40_000_000)] == ["MobileBERT"]
    assert [r.entry.name for r in rank_track(entries, TASKS, 55_000_000)] == ["MobileBERT"]
    assert [r.entry.name for r in rank_track(entries, TASKS, 70_000_000)] == ["ElasticBERT-6L", "MobileBERT"]
    # Averages: ElasticBERT-6L 536.5/6 = 89.42, MobileBERT 531.8/6 = 88.63,
    # BERT-BASE 529.0/6 = 88.17.
    assert [r.entry.name for r in rank_track(entries, TASKS, 110_000_000)] == [
        "ElasticBERT-6L", "MobileBERT", "BERT-BASE",
    ]


def test_rank_track_limit_is_inclusive():
    exact = entry(1, "exact", [None] * 6, params=40_000_000)
    over = entry(2, "over", [None] * 6, params=40_000_001)
    assert [r.entry.name for r in rank_track([exact, over], TASKS, 40_000_000)] == ["exact"]


def test_rank_track_skips_unknown_params_and_missing_tasks():
    unknown = entry(1, "unknown", [None] * 6, params=None)
    partial = entry(2, "partial", [None] * 5, params=10)
    assert rank_track([unknown, partial], TASKS, 110_000_000) == []


def test_rank_track_ties_prefer_scored_entry():
    unscored = entry(1, "a", [None] * 6, params=30)
    scored = entry(2, "b", [0.1] * 6, params=30)
    ranked = rank_track([unscored, scored], TASKS, 40_000_000)
    assert [r.entry.name for r in ranked] == ["b", "a"]
    assert ranked[1].elue_score is None


# Column sorting -------------------------------------------------------------

def test_sort_rows_descending_with_stable_ties():
    rows = [("c", 3, 1.0), ("a", 1, 2.0), ("b", 2, 1.0), ("d", 4, None)]
    ordered = sort_rows(rows, lambda r: r[2], descending=True, tie_break=lambda r: (r[0], r[1]))
    assert [r[0] for r in ordered] == ["a", "b", "c", "d"]


def test_sort_rows_ascending_keeps_none_last():
    rows = [("d", 4, None), ("c", 3, 1.0), ("a", 1, 2.0), ("b", 2, 1.0)]
    ordered = sort_rows(rows, lambda r: r[2], descending=False, tie_break=lambda r: (r[0], r[1]))
    assert [r[0] for r in ordered] == ["b", "c", "a", "d"]
