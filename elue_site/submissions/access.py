"""Access rules for reading and changing entries, submissions and their files.

Owners manage their own entries; staff may read everything. Anyone else gets
404, not 403, so the existence of a private entry is never revealed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from elue_site.benchmark.models import ModelEntry, Submission


def manageable_entries(request: HttpRequest) -> QuerySet[ModelEntry]:
    """Entries that the user may read on the management pages: own ones, all for staff."""
    if not request.user.is_authenticated:
        return ModelEntry.objects.none()
    if request.user.is_staff:
        return ModelEntry.objects.all()
    return ModelEntry.objects.filter(owner=request.user)


def readable_entry(request: HttpRequest, pk: int) -> ModelEntry:
    """Return entry `pk` if the user owns it or is staff; raise Http404 otherwise."""
    try:
        return manageable_entries(request).get(pk=pk)
    except ModelEntry.DoesNotExist:
        raise Http404("No such entry") from None


def owned_entry(request: HttpRequest, pk: int) -> ModelEntry:
    """Return entry `pk` if the user owns it; raise Http404 otherwise (staff included)."""
    if not request.user.is_authenticated:
        raise Http404("No such entry")
    try:
        return ModelEntry.objects.get(pk=pk, owner=request.user)
    except ModelEntry.DoesNotExist:
        raise Http404("No such entry") from None


def readable_submission(request: HttpRequest, pk: int) -> Submission:
    """Return submission `pk` if the user owns its entry or is staff; raise Http404 otherwise."""
    entries = manageable_entries(request)
    try:
        return Submission.objects.select_related("entry", "task").get(pk=pk, entry__in=entries)
    except Submission.DoesNotExist:
        raise Http404("No such submission") from None
