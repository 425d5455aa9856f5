from django.contrib import admin

from elue_site.benchmark import models


@admin.register(models.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "metric", "test_examples", "data_imported_at"]


@admin.register(models.ReferencePoint)
class ReferencePointAdmin(admin.ModelAdmin):
    list_display = ["task", "layers", "flops", "performance", "is_estimate"]
    list_filter = ["task"]


@admin.register(models.ModelEntry)
class ModelEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "kind", "is_public", "is_hidden", "is_paper_seed"]
    list_filter = ["is_public", "is_hidden", "is_paper_seed", "kind"]
    search_fields = ["name", "owner__username"]


class ResultPointInline(admin.TabularInline):
    model = models.ResultPoint
    extra = 0


@admin.register(models.Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["pk", "entry", "task", "route", "status", "attempts", "submitted_at"]
    list_filter = ["status", "route", "task"]
    inlines = [ResultPointInline]
