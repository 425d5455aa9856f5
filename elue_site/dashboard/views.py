"""Staff dashboard: queue, running runs, recent failures, moderation, reference curves.

Every view requires a staff account. Anonymous visitors are sent to the log-in
page, and signed-in users without staff status get 403. Actions are POST
only, protected by CSRF, and report their outcome as a message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elue_site.benchmark.models import ModelEntry, Status, Submission, Task
from elue_site.dashboard import services
from elue_site.dashboard.forms import reference_formset

DEFAULT_FAILURE_DAYS = 7
MAX_FAILURE_DAYS = 90
LIST_LIMIT = 50


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let staff through; send anonymous users to log in; reject others with 403."""
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff can open the dashboard."))
        return view(request, *args, **kwargs)
    return wrapper


def _failure_days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_FAILURE_DAYS))
    except ValueError:
        return DEFAULT_FAILURE_DAYS
    return min(max(days, 1), MAX_FAILURE_DAYS)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the queue, running runs, recent failures, moderation and reference curves."""
    now = timezone.now()
    days = _failure_days(request)
    base = Submission.objects.select_related("entry", "task", "entry__owner")
    running = list(base.filter(status=Status.RUNNING).order_by("started_at", "pk")[:LIST_LIMIT])
    context = {
        "now": now,
        "days": days,
        "counts": Submission.objects.aggregate(
            queued=Count("pk", filter=Q(status=Status.QUEUED)),
            running=Count("pk", filter=Q(status=Status.RUNNING)),
        ),
        "queued": list(
            base.filter(status=Status.QUEUED)
            .order_by(Coalesce("requeued_at", "submitted_at"), "pk")[:LIST_LIMIT]
        ),
        "running": [(submission, now - (submission.started_at or now)) for submission in running],
        "failures": list(
            base.filter(status=Status.FAILED, finished_at__gte=now - timedelta(days=days))
            .order_by("-finished_at", "-pk")[:LIST_LIMIT]
        ),
        "hidden_entries": list(ModelEntry.objects.filter(is_hidden=True).select_related("owner").order_by("name")),
        "recent_entries": list(
            ModelEntry.objects.filter(is_public=True, is_hidden=False).select_related("owner")
            .order_by("-updated_at", "-pk")[:LIST_LIMIT]
        ),
        "tasks": list(Task.objects.prefetch_related("reference_points").order_by("position", "key")),
    }
    return render(request, "dashboard/home.html", context)


@staff_required
@require_POST
def rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a finished or failed submission back to the evaluation queue."""
    submission = get_object_or_404(Submission, pk=pk)
    if services.rerun_submission(submission.pk, staff_user=request.user):
        messages.success(request, _("Submission %(id)s is queued again.") % {"id": submission.pk})
    else:
        messages.error(request, _(
            "Submission %(id)s was not re-queued: only finished or failed submissions with "
            "uploaded files can run again."
        ) % {"id": submission.pk})
    return redirect("dashboard:home")


@staff_required
@require_POST
def set_hidden(request: HttpRequest, pk: int, hidden: bool) -> HttpResponse:
    """Hide an entry from every public page, or show it again."""
    entry = get_object_or_404(ModelEntry, pk=pk)
    changed = services.set_hidden(entry.pk, hidden, staff_user=request.user)
    if hidden:
        text = _("Entry “%(name)s” is hidden.") if changed else _("Entry “%(name)s” was already hidden.")
    else:
        text = _("Entry “%(name)s” is visible again.") if changed else _("Entry “%(name)s” was not hidden.")
    messages.success(request, text % {"name": entry.name})
    return redirect("dashboard:home")


@staff_required
def reference_curve(request: HttpRequest, task_key: str) -> HttpResponse:
    """Edit a task's reference points; saving re-scores the task's finished submissions."""
    task = get_object_or_404(Task, key=task_key)
    formset = reference_formset(task, request.POST if request.method == "POST" else None)
    if request.method == "POST" and formset.is_valid():
        formset.save()
        report = services.rescore_task(task)
        saved = _("Reference curve of %(task)s saved.") % {"task": task.key}
        messages.success(request, f"{saved} {services.rescore_message(report)}")
        return redirect("dashboard:home")
    return render(request, "dashboard/reference_curve.html", {"task": task, "formset": formset})
