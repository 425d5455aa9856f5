"""Serializers of the API; privacy and upload rules live in the submissions app."""

from __future__ import annotations

from rest_framework import serializers

from elue_site.benchmark.models import EntryKind, ModelEntry, Route, Task, task_by_name
from elue_site.submissions.forms import EntryForm


class EntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices, default=EntryKind.STATIC)

    class Meta:
        model = ModelEntry
        fields = ["id", "name", "description", "affiliation", "paper_url", "code_url", "kind",
                  "is_public", "created_at", "updated_at"]
        read_only_fields = ["id", "is_public", "created_at", "updated_at"]

    def validate_name(self, name: str) -> str:
        # One rule for the form and the API: the form's case-insensitive check.
        form = EntryForm(data={"name": name, "kind": EntryKind.STATIC}, instance=self.instance or ModelEntry())
        form.is_valid()
        if "name" in form.errors:
            error = form.errors.as_data()["name"][0]
            raise serializers.ValidationError(form.errors["name"][0], code=error.code or "invalid")
        return name.strip()


class TaskField(serializers.SlugRelatedField):
    """A task given by key in any spelling the evaluator accepts ("SST-2", "sst2", "SST2")."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(slug_field="key", queryset=Task.objects.all(), **kwargs)

    def to_internal_value(self, data: object) -> Task:
        return task_by_name(str(data))


class SubmissionCreateSerializer(serializers.Serializer):
    """Multipart fields of POST /api/v1/submissions/; numbers as on the web form."""

    entry = serializers.IntegerField()
    task = TaskField()
    route = serializers.ChoiceField(choices=Route.choices)
    points = serializers.CharField(required=False, allow_blank=True)
    predictions = serializers.ListField(child=serializers.FileField(), required=False, allow_empty=True)
    mflops = serializers.CharField(required=False, allow_blank=True)
    mparams = serializers.CharField(required=False, allow_blank=True)
    model_file = serializers.FileField(required=False)
