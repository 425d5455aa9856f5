"""Reference curve and ELUE score: interpolation, clamping, rounding, file format."""

from __future__ import annotations

import json

import pytest

from evaluator.errors import InvalidInputError
from evaluator.scoring import (
    SCORING_METHOD,
    ReferenceCurve,
    ReferencePoint,
    default_reference_curve,
    load_reference_curve,
    overall_score,
    parse_reference_curve,
    point_score,
    score_points,
)
from evaluator.tasks import TASKS

# Two points: 80.0 at 1,000 MFLOPs and 90.0 at 3,000 MFLOPs, so p_ref rises
# by 1 point per 200 MFLOPs in between.
TWO_POINTS = ReferenceCurve(tasks={
    "SST-2": (ReferencePoint(6, 1000.0, 80.0), ReferencePoint(12, 3000.0, 90.0)),
})


def test_scoring_method_is_elue_1():
    assert SCORING_METHOD == "elue-1"
    assert default_reference_curve().scoring_method == "elue-1"


@pytest.mark.parametrize(
    ("mflops", "expected"),
    [
        (1000.0, 80.0),   # left end point
        (2000.0, 85.0),   # midway
        (1500.0, 82.5),   # a quarter of the way
        (3000.0, 90.0),   # right end point
        (500.0, 80.0),    # clamped below the range
        (9000.0, 90.0),   # clamped above the range
    ],
)
def test_reference_interpolates_and_clamps(mflops, expected):
    assert TWO_POINTS.performance_at("SST-2", mflops) == pytest.approx(expected)


def test_curve_sorts_points_given_in_any_order():
    curve = ReferenceCurve(tasks={
        "SST-2": (ReferencePoint(12, 3000.0, 90.0), ReferencePoint(6, 1000.0, 80.0)),
    })
    assert [point.layers for point in curve.points("SST-2")] == [6, 12]
    assert curve.performance_at("SST-2", 2000.0) == pytest.approx(85.0)


def test_point_score_is_difference_to_reference():
    # At 2,400 MFLOPs p_ref = 80 + 1400 / 200 = 87; 88.5 - 87 = 1.5.
    assert point_score("sst2", 88.5, 2400.0, TWO_POINTS) == pytest.approx(1.5)


def test_task_score_is_rounded_mean():
    # Differences: 85.0 - 85 = 0.0; 79.0 - 80 = -1.0 (clamped); 91.333 - 90 = 1.333.
    # Mean 0.111..., rounded to 0.11.
    points = [(85.0, 2000.0), (79.0, 100.0), (91.333, 5000.0)]
    assert score_points("SST-2", points, TWO_POINTS) == 0.11


def test_task_score_rounds_only_at_the_end():
    # Differences 0.004, 0.004, 0.004 and 0.009 have the mean 0.00525 -> 0.01.
    # Rounding each point first would give 0, 0, 0, 0.01 and a mean of 0.0.
    points = [(80.004, 1000.0)] * 3 + [(80.009, 900.0)]
    assert score_points("SST-2", points, TWO_POINTS) == 0.01


def test_no_points_is_rejected():
    with pytest.raises(ValueError, match="no points"):
        score_points("SST-2", [], TWO_POINTS)


def test_task_without_points_is_an_error():
    with pytest.raises(Exception, match="no points for task IMDb"):
        TWO_POINTS.performance_at("IMDb", 100.0)


def test_reference_model_scores_zero_on_default_curve():
    curve = default_reference_curve()
    for key in TASKS:
        points = [(point.performance, point.mflops) for point in curve.points(key)]
        assert score_points(key, points, curve) == 0.0


SEED = {
    "SST-2": (88.6, 4238, 87.0, 2119),
    "IMDb": (93.9, 49566, 92.7, 24784),
    "SNLI": (91.3, 4695, 90.1, 2348),
    "SciTail": (93.8, 6732, 92.5, 3367),
    "MRPC": (87.9, 9117, 87.3, 4559),
    "STS-B": (87.6, 4715, 86.9, 2358),
}


@pytest.mark.parametrize("key", list(SEED))
def test_default_curve_has_seed_table(key):
    perf_12, mflops_12, perf_6, mflops_6 = SEED[key]
    by_layers = {point.layers: point for point in default_reference_curve().points(key)}
    assert (by_layers[12].performance, by_layers[12].mflops) == (perf_12, mflops_12)
    assert (by_layers[6].performance, by_layers[6].mflops) == (perf_6, mflops_6)
    assert not by_layers[12].approximate


def test_default_sst2_small_points_are_approximate():
    # Slope of the 12L/6L line: (4238 - 2119) / 6 = 353.17 MFLOPs per layer,
    # so 4 layers: 2119 - 2 * 353.17 = 1412.7, 3 layers: 1059.5.
    by_layers = {point.layers: point for point in default_reference_curve().points("SST-2")}
    assert by_layers[4].mflops == pytest.approx(1412.7, abs=0.05)
    assert by_layers[3].mflops == pytest.approx(1059.5, abs=0.05)
    assert by_layers[4].performance == 85.7
    assert by_layers[3].performance == 84.1
    assert by_layers[4].approximate
    assert by_layers[3].approximate


def test_default_points_sorted_by_flops():
    for key in TASKS:
        flops = [point.mflops for point in default_reference_curve().points(key)]
        assert flops == sorted(flops)


def test_overall_score_needs_all_six():
    scores = {"SST-2": 1.0, "IMDb": 2.0, "SNLI": -1.0, "SciTail": 0.5, "MRPC": 0.25}
    assert overall_score(scores) is None
    assert overall_score({**scores, "STS-B": None}) is None
    # (1 + 2 - 1 + 0.5 + 0.25 + 0.75) / 6 = 3.5 / 6 = 0.5833 -> 0.58
    assert overall_score({**scores, "stsb": 0.75}) == 0.58


# file format


def test_curve_round_trips_through_json(tmp_path):
    path = tmp_path / "curve.json"
    path.write_text(json.dumps(default_reference_curve().to_dict()))
    assert load_reference_curve(path) == default_reference_curve()


def make_curve_data(**overrides):
    data = default_reference_curve().to_dict()
    data.update(overrides)
    return data


def test_curve_file_replaces_default(tmp_path):
    data = make_curve_data()
    data["tasks"]["SST-2"] = [
        {"layers": 6, "mflops": 1000, "performance": 80.0},
        {"layers": 12, "mflops": 3000, "performance": 90.0, "source": "measured"},
    ]
    path = tmp_path / "curve.json"
    path.write_text(json.dumps(data))
    curve = load_reference_curve(path)
    assert curve.performance_at("SST-2", 2000) == pytest.approx(85.0)
    assert curve.points("SST-2")[1].source == "measured"


def problems_of(data):
    with pytest.raises(InvalidInputError) as caught:
        parse_reference_curve(data, name="curve.json")
    return [str(problem) for problem in caught.value.problems]


def test_wrong_scoring_method_is_rejected():
    messages = problems_of(make_curve_data(scoring_method="elue-2"))
    assert messages == ["curve.json: unsupported \"scoring_method\"; expected \"elue-1\" "
                        "(got \"'elue-2'\")"]


def test_unknown_task_in_curve_is_rejected():
    data = make_curve_data()
    data["tasks"]["CoLA"] = [{"layers": 1, "mflops": 1, "performance": 1}]
    messages = problems_of(data)
    assert len(messages) == 1
    assert "Unknown task 'CoLA'" in messages[0]


def test_missing_task_in_curve_is_rejected():
    data = make_curve_data()
    del data["tasks"]["IMDb"]
    assert problems_of(data) == ["curve.json: missing task IMDb; the curve needs all six tasks"]


def test_invalid_points_list_every_field():
    data = make_curve_data()
    data["tasks"]["MRPC"] = [
        {"layers": 0, "mflops": -5, "performance": "high"},
        {"layers": 12, "mflops": 9117, "performance": 87.9, "approximate": "yes"},
    ]
    messages = problems_of(data)
    assert "curve.json: MRPC point 1: layers must be a positive integer (got '0')" in messages
    assert "curve.json: MRPC point 1: mflops must be a positive number (got '-5')" in messages
    assert "curve.json: MRPC point 1: performance must be a finite number (got \"'high'\")" \
        in messages
    assert "curve.json: MRPC point 2: approximate must be true or false (got \"'yes'\")" \
        in messages


def test_duplicate_flops_in_curve_is_rejected():
    data = make_curve_data()
    data["tasks"]["MRPC"] = [
        {"layers": 6, "mflops": 100, "performance": 1.0},
        {"layers": 7, "mflops": 100, "performance": 2.0},
    ]
    assert "two points have the same mflops" in " ".join(problems_of(data))


def test_empty_points_list_is_rejected():
    data = make_curve_data()
    data["tasks"]["MRPC"] = []
    assert "expected a non-empty list of points" in " ".join(problems_of(data))


def test_non_json_curve_file_is_rejected(tmp_path):
    path = tmp_path / "curve.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInputError, match="curve.json: not valid JSON"):
        load_reference_curve(path)


def test_curve_must_be_an_object():
    assert problems_of([1, 2]) == [
        'curve.json: expected a JSON object with "scoring_method" and "tasks"'
    ]
