"""Sign-up. Log-in, log-out and password reset are django.contrib.auth views
with this app's templates (see urls.py)."""

from __future__ import annotations

import logging

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from elue_site.accounts.forms import SignUpForm

logger = logging.getLogger(__name__)


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and log the new user in."""
    if request.user.is_authenticated:
        return redirect("submissions:mine")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        logger.info("New account %s (id %s)", user.username, user.pk)
        return redirect("submissions:mine")
    return render(request, "accounts/signup.html", {"form": form})
