"""Staff actions in the Django admin, on top of the core models' admin classes.

The benchmark app registers plain admin classes. This module replaces three
of them with subclasses that add the dashboard's actions: hide and unhide
entries, re-run submissions, and re-score a task whenever one of its
reference points is saved or deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from elue_site.benchmark.admin import ModelEntryAdmin, ReferencePointAdmin, SubmissionAdmin
from elue_site.benchmark.models import ModelEntry, ReferencePoint, Submission
from elue_site.dashboard import services

for model in (ModelEntry, Submission, ReferencePoint):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(ModelEntry)
class StaffModelEntryAdmin(ModelEntryAdmin):
    actions = ["hide_entries", "unhide_entries"]

    @admin.action(description=gettext_lazy("Hide selected entries from public pages"))
    def hide_entries(self, request: HttpRequest, queryset: QuerySet[ModelEntry]) -> None:
        changed = sum(services.set_hidden(entry.pk, True, staff_user=request.user) for entry in queryset)
        text = ngettext("%(count)s entry hidden.", "%(count)s entries hidden.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Unhide selected entries"))
    def unhide_entries(self, request: HttpRequest, queryset: QuerySet[ModelEntry]) -> None:
        changed = sum(services.set_hidden(entry.pk, False, staff_user=request.user) for entry in queryset)
        text = ngettext("%(count)s entry unhidden.", "%(count)s entries unhidden.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)


@admin.register(Submission)
class StaffSubmissionAdmin(SubmissionAdmin):
    actions = ["rerun_submissions"]

    @admin.action(description=gettext_lazy("Re-run selected finished or failed submissions"))
    def rerun_submissions(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        queued = sum(services.rerun_submission(pk, staff_user=request.user) for pk in queryset.values_list("pk", flat=True))
        skipped = queryset.count() - queued
        text = " ".join((
            ngettext("%(queued)s submission queued again.", "%(queued)s submissions queued again.", queued),
            ngettext("%(skipped)s skipped (queued, running or paper route).",
                     "%(skipped)s skipped (queued, running or paper route).", skipped),
        ))
        self.message_user(request, text % {"queued": queued, "skipped": skipped}, messages.SUCCESS)


@admin.register(ReferencePoint)
class StaffReferencePointAdmin(ReferencePointAdmin):
    def save_model(self, request: HttpRequest, obj: ReferencePoint, form: object, change: bool) -> None:
        if "flops" in form.changed_data:
            obj.provenance = dict(services.STAFF_FLOPS_PROVENANCE)
        super().save_model(request, obj, form, change)
        self._rescore(request, obj)

    def delete_model(self, request: HttpRequest, obj: ReferencePoint) -> None:
        task = obj.task
        super().delete_model(request, obj)
        self._report(request, services.rescore_task(task))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReferencePoint]) -> None:
        tasks = {point.task for point in queryset.select_related("task")}
        super().delete_queryset(request, queryset)
        for task in tasks:
            self._report(request, services.rescore_task(task))

    def _rescore(self, request: HttpRequest, point: ReferencePoint) -> None:
        self._report(request, services.rescore_task(point.task))

    def _report(self, request: HttpRequest, report: services.RescoreReport) -> None:
        self.message_user(request, services.rescore_message(report))
