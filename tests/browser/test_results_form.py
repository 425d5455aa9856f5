"""The "add results" form in headless Chromium: picking a route shows only
that route's fields and the predictions format help where files are sent."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from elue_site.benchmark.models import ModelEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "results-form-pass-58"
ROUTE_SPECIFIC = ("points", "predictions", "mflops", "mparams", "model_file")
# Fields each route uses, from the route descriptions on the page.
ROUTE_FIELDS = {
    "paper": {"points"},
    "predictions": {"predictions", "mflops", "mparams"},
    "model": {"predictions", "model_file"},
}


@pytest.fixture
def results_form(page):
    """Log in as an entry's owner and open the entry's "add results" form."""
    owner = get_user_model().objects.create_user("form-owner", password=PASSWORD)
    entry = ModelEntry.objects.create(owner=owner, name="RouteNet")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", owner.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"/submit/entries/{entry.pk}/results/new/")
    return page


def visible_fields(page) -> set[str]:
    return {name for name in ROUTE_SPECIFIC if page.locator(f"[name={name}]").is_visible()}


def test_no_route_picked_shows_every_field(results_form):
    assert visible_fields(results_form) == set(ROUTE_SPECIFIC)
    assert results_form.locator("select[name=task]").is_visible()


def test_route_shows_only_its_fields(results_form):
    # Back to the first route at the end: a row hidden once shows again.
    for route in ("paper", "predictions", "model", "paper"):
        results_form.check(f"input[name=route][value={route}]")

        assert visible_fields(results_form) == ROUTE_FIELDS[route], route
        assert results_form.locator("select[name=task]").is_visible(), route
        assert results_form.locator("#predictions-format").is_visible() == (route != "paper"), route


def test_format_help_names_columns(results_form):
    results_form.check("input[name=route][value=model]")
    results_form.click("a[href='#predictions-format']")
    results_form.click("#predictions-format summary")
    help_text = results_form.locator("#predictions-format").inner_text()

    for column in ("index", "pred", "modules"):
        assert column in help_text
    assert "(10),emb; (10,768),layer_1; (768),exit_1" in help_text
