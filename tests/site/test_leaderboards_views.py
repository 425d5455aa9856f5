"""Public boards, task pages and entry pages, seen by each persona.

Personas: anonymous visitor, the entry's owner, another signed-in user and
a staff member. Boards list no private or hidden entry for any persona.
An unlisted entry page exists only for its owner and staff.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leaderboard_factories import add_all_tasks, add_result, make_entry, make_tasks, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks():
    return make_tasks()


@pytest.fixture
def owner():
    return make_user("owner")


@pytest.fixture
def other():
    return make_user("other")


@pytest.fixture
def staff():
    return make_user("staffer", staff=True)


@pytest.fixture
def board(tasks, owner, other):
    """Two listed entries with all six tasks, one private, one hidden, one partial."""
    alpha = make_entry(owner, "alpha")
    add_all_tasks(alpha, tasks, 0.5, performance=86.0, params=30_000_000)
    beta = make_entry(other, "beta")
    add_all_tasks(beta, tasks, -1.0, performance=88.0, params=100_000_000)
    secret = make_entry(owner, "secret-gamma", public=False)
    add_all_tasks(secret, tasks, 2.0)
    hidden = make_entry(other, "hidden-delta", hidden=True)
    add_all_tasks(hidden, tasks, 3.0)
    partial = make_entry(other, "partial-epsilon")
    add_result(partial, tasks["SST-2"], [(87.5, 2500)], score=0.9)
    return {"alpha": alpha, "beta": beta, "secret": secret, "hidden": hidden, "partial": partial}


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _board_names(response) -> list[str]:
    return [row.entry.name for row in response.context["rows"]]


# Overall board --------------------------------------------------------------

@pytest.mark.parametrize("persona", ["anonymous", "owner", "other", "staff"])
def test_overall_lists_only_listed_entries(client, board, owner, other, staff, persona):
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    response = _client_for(client, user).get(reverse("leaderboards:overall"))

    assert response.status_code == 200
    assert _board_names(response) == ["alpha", "beta"]
    content = response.content.decode()
    assert "secret-gamma" not in content
    assert "hidden-delta" not in content
    assert "partial-epsilon" not in content


def test_overall_shows_scores_and_sources(client, board):
    response = client.get(reverse("leaderboards:overall"))
    first = response.context["rows"][0]

    # Six task scores of +0.50 average to +0.50; six performances of 86.0 to 86.0.
    assert first.ranked.elue_score == pytest.approx(0.5)
    assert first.ranked.average_performance == pytest.approx(86.0)
    assert first.mparams == pytest.approx(30.0)
    assert [cell.source for cell in first.cells] == ["measured"] * 6
    assert first.params_sources == ["measured"]
    content = response.content.decode()
    assert "+0.50" in content
    assert "-1.00" in content


def test_overall_sort_by_params_ascending(client, board):
    response = client.get(reverse("leaderboards:overall"), {"sort": "average", "dir": "desc"})
    assert _board_names(response) == ["beta", "alpha"]
    active = [heading for heading in response.context["headings"] if heading.aria_sort != "none"]
    assert [(heading.key, heading.aria_sort) for heading in active] == [("average", "descending")]
    # The active heading links to the other direction.
    assert "dir=asc" in active[0].url

    response = client.get(reverse("leaderboards:overall"), {"sort": "params", "dir": "asc"})
    assert _board_names(response) == ["alpha", "beta"]


def test_overall_unknown_sort_falls_back(client, board):
    response = client.get(reverse("leaderboards:overall"), {"sort": "nonsense", "dir": "sideways"})
    assert response.status_code == 200
    assert _board_names(response) == ["alpha", "beta"]


def test_overall_counts_latest_submission(client, tasks, owner):
    entry = make_entry(owner, "improved")
    add_all_tasks(entry, tasks, -2.0)
    add_result(entry, tasks["SST-2"], [(90.0, 2000)], score=4.0)
    response = client.get(reverse("leaderboards:overall"))
    # Five tasks at -2.0 and SST-2 now at +4.0: (-10 + 4) / 6 = -1.0.
    assert response.context["rows"][0].ranked.elue_score == pytest.approx(-1.0)


# Parameter tracks -----------------------------------------------------------

def test_track_filters_by_parameters(client, board):
    response = client.get(reverse("leaderboards:track", kwargs={"millions": 40}))
    assert response.status_code == 200
    assert _board_names(response) == ["alpha"]

    response = client.get(reverse("leaderboards:track", kwargs={"millions": 110}))
    # beta (88.0 average) ranks above alpha (86.0) by average performance.
    assert _board_names(response) == ["beta", "alpha"]


def test_track_unknown_limit_is_404(client, board):
    response = client.get(reverse("leaderboards:track", kwargs={"millions": 41}))
    assert response.status_code == 404


# Task page ------------------------------------------------------------------

@pytest.fixture
def sst2_board(tasks, owner, other):
    sst2 = tasks["SST-2"]
    dynamic = make_entry(owner, "dynamic", kind="dynamic")
    add_result(dynamic, sst2, [(88.0, 3000), (84.0, 1000)], score=0.1)
    static = make_entry(other, "static")
    add_result(static, sst2, [(86.0, 2000)], score=-0.2)
    dominated = make_entry(other, "dominated")
    add_result(dominated, sst2, [(85.0, 2500)], score=-1.5)
    paper = make_entry(other, "paper-model", paper=True)
    add_result(paper, sst2, [(85.1, 4238)], score=-3.5, source="paper")
    secret = make_entry(owner, "secret", public=False)
    add_result(secret, sst2, [(99.0, 10)], score=50.0)
    return sst2


def _traces(response) -> dict[str, dict]:
    figure = response.context["plot"]
    return {trace["name"]: trace for trace in figure["data"]}


@pytest.mark.parametrize("persona", ["anonymous", "owner", "other", "staff"])
def test_task_page_hides_unlisted_entries(client, sst2_board, owner, other, staff, persona):
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    response = _client_for(client, user).get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"}))

    assert response.status_code == 200
    assert "secret" not in _traces(response)
    assert "secret" not in response.content.decode()


def test_task_page_plot_traces(client, sst2_board):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"}))
    traces = _traces(response)

    reference = traces["Reference: ElasticBERT-BASE"]
    assert reference["x"] == [2119.0, 4238.0]
    assert reference["y"] == [87.0, 88.6]
    # An entry's points are joined in FLOPs order, whatever order they came in.
    assert traces["dynamic"]["x"] == [1000.0, 3000.0]
    assert traces["dynamic"]["y"] == [84.0, 88.0]
    assert traces["static"]["x"] == [2000.0]


def test_task_page_pareto_front(client, sst2_board):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"}))
    front = _traces(response)["Pareto front"]
    # dominated (2500, 85.0) loses to static (2000, 86.0); paper-model
    # (4238, 85.1) loses to dynamic (3000, 88.0).
    assert front["x"] == [1000.0, 2000.0, 3000.0]
    assert front["text"] == ["dynamic", "static", "dynamic"]


def test_entry_traces_avoid_front_colour(client, tasks, owner):
    """Twelve entries, more than the palette has colours, so the colours wrap
    round; none of them may take the front's red or the reference's grey."""
    sst2 = tasks["SST-2"]
    for number in range(12):
        add_result(make_entry(owner, f"c{number}"), sst2, [(80.0 + number, 1000 + 100 * number)], score=0.0)

    figure = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"})).context["plot"]
    front = next(trace for trace in figure["data"] if trace["meta"]["role"] == "pareto")
    reference = next(trace for trace in figure["data"] if trace["meta"]["role"] == "reference")
    entries = [trace for trace in figure["data"] if trace["meta"]["role"] == "entry"]
    reserved = {front["line"]["color"].lower(), reference["line"]["color"].lower()}

    assert len(entries) == 12
    for trace in entries:
        # Each entry names its colour; left to plotly, the fourth would be red.
        assert trace["line"]["color"].lower() not in reserved, trace["name"]
        assert trace["marker"]["color"].lower() not in reserved, trace["name"]
    assert reserved.isdisjoint(colour.lower() for colour in figure["layout"]["colorway"])


def test_task_page_splits_paper_and_submitted(client, sst2_board):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"}))
    assert [row.entry.name for row in response.context["paper_rows"]] == ["paper-model"]
    # Default order: best performance, descending.
    assert [row.entry.name for row in response.context["submitted_rows"]] == ["dynamic", "static", "dominated"]


def test_task_page_embeds_plot_json(client, sst2_board):
    content = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"})).content.decode()
    match = re.search(r'<script id="task-plot-data" type="application/json">(.*?)</script>', content, re.S)
    assert match is not None
    figure = json.loads(match.group(1))
    assert figure["layout"]["xaxis"]["type"] == "linear"
    assert "vendor/plotly/plotly.min.js" in content


def test_task_page_sort_by_cost(client, sst2_board):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"}), {"sort": "mflops"})
    # Best points: dynamic 3000, static 2000, dominated 2500 MFLOPs; ascending.
    assert [row.entry.name for row in response.context["submitted_rows"]] == ["static", "dominated", "dynamic"]


def test_task_page_alias_redirects(client, tasks):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "sst2"}))
    assert response.status_code == 301
    assert response["Location"] == reverse("leaderboards:task", kwargs={"task_key": "SST-2"})


def test_task_page_unknown_task_is_404(client, tasks):
    response = client.get(reverse("leaderboards:task", kwargs={"task_key": "CoLA"}))
    assert response.status_code == 404


def test_plotly_static_file_found():
    path = finders.find("vendor/plotly/plotly.min.js")
    assert path
    with open(path, encoding="utf-8") as handle:
        head = handle.read(300)
    assert "plotly.js" in head


# Entry page -----------------------------------------------------------------

@pytest.mark.parametrize(("persona", "expected"), [
    ("anonymous", 200), ("owner", 200), ("other", 200), ("staff", 200),
])
def test_entry_page_public(client, board, owner, other, staff, persona, expected):
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    response = _client_for(client, user).get(reverse("leaderboards:entry", kwargs={"pk": board["alpha"].pk}))
    assert response.status_code == expected
    assert len(response.context["sections"]) == 6


@pytest.mark.parametrize(("persona", "expected"), [
    ("anonymous", 404), ("owner", 200), ("other", 404), ("staff", 200),
])
def test_entry_page_private(client, board, owner, other, staff, persona, expected):
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    response = _client_for(client, user).get(reverse("leaderboards:entry", kwargs={"pk": board["secret"].pk}))
    assert response.status_code == expected
    if expected == 404:
        assert "secret-gamma" not in response.content.decode()


@pytest.mark.parametrize(("persona", "expected"), [
    ("anonymous", 404), ("owner", 200), ("other", 200), ("staff", 200),
])
def test_entry_page_hidden(client, board, owner, other, staff, persona, expected):
    # The hidden entry belongs to "other", so "owner" is the outsider here.
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    if persona == "owner":
        expected = 404
    response = _client_for(client, user).get(reverse("leaderboards:entry", kwargs={"pk": board["hidden"].pk}))
    assert response.status_code == expected


def test_entry_page_operator_breakdown(client, tasks, owner):
    entry = make_entry(owner, "measured")
    provenance = {
        "operators": [{"linear": 3_000_000_000.0, "matmul": 200_000_000.0},
                      {"linear": 1_500_000_000.0, "matmul": 100_000_000.0}],
        "unsupported_operators": {"aten::softmax": 12},
        "versions": {"torch": "2.13.0", "fvcore": "0.1.5"},
    }
    add_result(entry, tasks["SST-2"], [(86.0, 3200), (84.0, 1600)], score=0.1, provenance=provenance)
    response = client.get(reverse("leaderboards:entry", kwargs={"pk": entry.pk}))

    section = response.context["sections"][0]
    assert [row.operator for row in section.breakdown] == ["linear", "matmul"]
    assert section.breakdown[0].flops == [3_000_000_000.0, 1_500_000_000.0]
    content = response.content.decode()
    # 3,000,000,000 FLOPs shown in millions with 2 decimals.
    assert "3,000.00" in content
    assert "aten::softmax" in content
    assert "2.13.0" in content


def test_entry_page_files_only_for_owner_and_staff(client, tasks, owner, other, staff):
    entry = make_entry(owner, "with-files")
    submission = add_result(entry, tasks["SST-2"], [(86.0, 3200)], score=0.1)
    submission.prediction_files.create(file="x/preds.tsv", original_name="sst2-preds.tsv", position=1)
    url = reverse("leaderboards:entry", kwargs={"pk": entry.pk})

    assert "sst2-preds.tsv" not in client.get(url).content.decode()
    client.force_login(other)
    assert "sst2-preds.tsv" not in client.get(url).content.decode()
    client.force_login(owner)
    content = client.get(url).content.decode()
    assert "sst2-preds.tsv" in content
    download = reverse("submissions:prediction_file", kwargs={"pk": submission.pk, "position": 1})
    assert f'href="{download}"' in content
    client.force_login(staff)
    assert "sst2-preds.tsv" in client.get(url).content.decode()


def test_private_notice_names_viewer(client, tasks, owner, staff):
    entry = make_entry(owner, "secret", public=False)
    url = reverse("leaderboards:entry", kwargs={"pk": entry.pk})
    client.force_login(owner)
    assert "only you and staff can see it" in client.get(url).content.decode()
    client.force_login(staff)
    content = client.get(url).content.decode()
    assert "Private: only its owner and staff can see it." in content
    assert "only you and staff" not in content


def test_entry_page_lists_earlier_results(client, tasks, owner):
    from datetime import timedelta

    from django.utils import timezone

    entry = make_entry(owner, "resubmitted")
    add_result(entry, tasks["SST-2"], [(84.0, 2000)], score=-3.0, finished_at=timezone.now() - timedelta(days=2))
    add_result(entry, tasks["SST-2"], [(88.0, 2000)], score=1.0)
    response = client.get(reverse("leaderboards:entry", kwargs={"pk": entry.pk}))

    (section,) = response.context["sections"]
    assert section.submission.task_score == 1.0
    assert [earlier.task_score for earlier in section.earlier] == [-3.0]
    assert "-3.00" in response.content.decode()


def test_earlier_results_show_time_and_id(client, tasks, owner):
    from datetime import datetime, timezone

    entry = make_entry(owner, "resubmitted", public=True)
    earlier = add_result(entry, tasks["SST-2"], [(84.0, 2000)], score=-3.0,
                         finished_at=datetime(2026, 11, 30, 14, 5, tzinfo=timezone.utc))
    add_result(entry, tasks["SST-2"], [(88.0, 2000)], score=1.0)
    url = reverse("leaderboards:entry", kwargs={"pk": entry.pk})
    details = f'href="{reverse("submissions:detail", args=[earlier.pk])}"'

    public = client.get(url).content.decode()
    assert f"2026-11-30 14:05 UTC, submission {earlier.pk} (score -3.00)" in public
    assert details not in public
    client.force_login(owner)
    assert details in client.get(url).content.decode()


def test_entry_page_missing_is_404(client, tasks):
    assert client.get(reverse("leaderboards:entry", kwargs={"pk": 999_999})).status_code == 404


# Query counts ---------------------------------------------------------------

def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _seed(tasks, owner, count: int, start: int) -> None:
    for number in range(start, start + count):
        entry = make_entry(owner, f"bulk-{number}")
        add_all_tasks(entry, tasks, 0.01 * number, mflops=1000 + number)


@pytest.mark.parametrize("url_name, kwargs", [
    ("leaderboards:overall", {}),
    ("leaderboards:track", {"millions": 110}),
    ("leaderboards:task", {"task_key": "SST-2"}),
])
def test_query_count_constant(client, tasks, owner, django_assert_max_num_queries, url_name, kwargs):
    url = reverse(url_name, kwargs=kwargs)
    _seed(tasks, owner, 3, 0)
    with_three = _count_queries(client, url)
    _seed(tasks, owner, 27, 3)
    with_thirty = _count_queries(client, url)

    assert with_three == with_thirty
    with django_assert_max_num_queries(5):
        client.get(url)


def test_entry_page_query_count_constant(client, tasks, owner):
    small = make_entry(owner, "small")
    add_result(small, tasks["SST-2"], [(86.0, 3200)], score=0.1)
    large = make_entry(owner, "large")
    add_all_tasks(large, tasks, 0.2)
    for task in tasks.values():
        add_result(large, task, [(80.0, 1000), (85.0, 2000)], score=0.3)

    small_count = _count_queries(client, reverse("leaderboards:entry", kwargs={"pk": small.pk}))
    large_count = _count_queries(client, reverse("leaderboards:entry", kwargs={"pk": large.pk}))
    assert small_count == large_count


# Number formats -------------------------------------------------------------

@pytest.mark.parametrize(("flops", "expected"), [
    (4_237_600_000, "4,238"), (654_321, "0.654"), (12_340_000, "12.3"), (None, "\u2013"),
    (12_340, "0.0123"), (1_000, "0.00100"), (0, "0.000"),
])
def test_mflops_filter(flops, expected):
    from elue_site.leaderboards.templatetags.leaderboards import mflops

    assert mflops(flops) == expected


@pytest.mark.parametrize(("count", "decimals", "expected"), [
    (109_482_240, 2, "109.48"), (45_000, 2, "0.0450"), (4_560, 1, "0.00456"), (0, 1, "0.0"), (None, 1, "\u2013"),
])
def test_mega_filter(count, decimals, expected):
    from elue_site.leaderboards.templatetags.leaderboards import mega

    assert mega(count, decimals) == expected


@pytest.mark.parametrize(("score", "expected"), [(0.5, "+0.50"), (-1.583, "-1.58"), (0.0, "+0.00"), (None, "\u2013")])
def test_signed_filter(score, expected):
    from elue_site.leaderboards.templatetags.leaderboards import signed

    assert signed(score) == expected


def test_task_plot_merges_entries_beyond_limit(client, tasks, owner, monkeypatch):
    from elue_site.leaderboards import plots

    monkeypatch.setattr(plots, "MAX_ENTRY_TRACES", 2)
    sst2 = tasks["SST-2"]
    for number, performance in enumerate([84.0, 88.0, 86.0, 85.0]):
        add_result(make_entry(owner, f"e{number}"), sst2, [(performance, 1000 + number), (performance - 1, 500)], score=0.0)

    traces = _traces(client.get(reverse("leaderboards:task", kwargs={"task_key": "SST-2"})))
    # The best two (e1 88.0, e2 86.0) get their own traces. e3 (85.0) and e0
    # (84.0) share one trace, with a gap (None) between each entry's points.
    assert {"e1", "e2"} <= set(traces)
    assert "e0" not in traces
    others = traces["Other entries (2)"]
    assert others["text"] == ["e3", "e3", None, "e0", "e0", None]
    assert others["x"] == [500.0, 1003.0, None, 500.0, 1000.0, None]


def test_overall_board_paginates(client, tasks, owner, monkeypatch):
    from elue_site.leaderboards import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        add_all_tasks(make_entry(owner, f"p{number}"), tasks, 0.1 * number)

    first = client.get(reverse("leaderboards:overall"))
    assert [row.ranked.rank for row in first.context["rows"]] == [1, 2]
    last = client.get(reverse("leaderboards:overall"), {"page": 3, "sort": "rank", "dir": "asc"})
    assert [row.entry.name for row in last.context["rows"]] == ["p0"]
    assert "page=2" in last.content.decode()


# Publish and unpublish buttons ----------------------------------------------

@pytest.mark.parametrize(("persona", "shown"), [
    ("anonymous", False), ("owner", True), ("other", False), ("staff", False),
])
def test_entry_page_publish_button_for_owner_only(client, board, owner, other, staff, persona, shown):
    user = {"anonymous": None, "owner": owner, "other": other, "staff": staff}[persona]
    secret = board["secret"]
    response = _client_for(client, user).get(reverse("leaderboards:entry", kwargs={"pk": secret.pk}))
    if response.status_code == 404:
        assert not shown
        return
    publish = reverse("submissions:entry_publish", kwargs={"pk": secret.pk})
    assert (f'action="{publish}"' in response.content.decode()) is shown


def test_entry_page_publish_round_trip(client, board, owner):
    secret = board["secret"]
    page = reverse("leaderboards:entry", kwargs={"pk": secret.pk})
    client.force_login(owner)

    response = client.post(reverse("submissions:entry_publish", kwargs={"pk": secret.pk}), {"next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    secret.refresh_from_db()
    assert secret.is_public
    content = client.get(page).content.decode()
    assert reverse("submissions:entry_unpublish", kwargs={"pk": secret.pk}) in content
    assert "secret-gamma" in _board_names(client.get(reverse("leaderboards:overall")))


def test_entry_page_hidden_notice_for_owner(client, board, other):
    client.force_login(other)
    response = client.get(reverse("leaderboards:entry", kwargs={"pk": board["hidden"].pk}))
    assert 'id="entry-hidden"' in response.content.decode()
