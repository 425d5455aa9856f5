"""Forms for model entries and for adding results to an entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from elue_site.benchmark.models import ModelEntry, Route, Task, task_by_name
from elue_site.submissions.parsing import mparams_to_params, parse_mflops_list, parse_paper_points
from elue_site.submissions.services import SubmissionRequest, validate_request


class EntryForm(forms.ModelForm):
    paper_url = forms.URLField(label=_("Paper URL"), required=False, assume_scheme="https")
    code_url = forms.URLField(label=_("Code URL"), required=False, assume_scheme="https")

    class Meta:
        model = ModelEntry
        fields = ["name", "description", "affiliation", "paper_url", "code_url", "kind"]
        help_texts = {
            "name": _("Shown on every task board; unique across the site, ignoring case."),
            "kind": _("Dynamic models (early exit) may give one point per threshold."),
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = ModelEntry.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _("An entry named %(name)s already exists; choose another name."),
                code="duplicate_name", params={"name": name},
            )
        return name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files and cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class TaskChoiceField(forms.ModelChoiceField):
    """A task choice that also accepts every spelling the evaluator does ("sst2" for "SST-2")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Task.objects.all(), to_field_name="key", **kwargs)

    def to_python(self, value: Any) -> Task | None:
        if value in self.empty_values:
            return None
        return task_by_name(str(value))

    def prepare_value(self, value: Any) -> Any:
        # A spelling such as ?task=sst2 preselects SST-2 in the list.
        if isinstance(value, str) and value:
            try:
                return task_by_name(value).key
            except ValidationError:
                return value
        return super().prepare_value(value)


class SubmissionForm(forms.Form):
    """Results of one entry on one task, by one of the three routes."""

    task = TaskChoiceField(label=_("Task"))
    route = forms.ChoiceField(choices=Route.choices, label=_("Route"), widget=forms.RadioSelect)
    points = forms.CharField(
        label=_("Points (route 1)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One point per line: performance (x100 scale), MFLOPs per example, MParams. "
                    "Example: 88.6, 4238, 109.5"),
    )
    predictions = MultipleFileField(
        label=_("Predictions files (routes 2 and 3)"), required=False,
        help_text=_("One TSV file per operating point, in order: columns index and pred "
                    "(route 3 also modules)."),
    )
    mflops = forms.CharField(
        label=_("MFLOPs per example (route 2)"), required=False,
        help_text=_("One value per predictions file, in the same order, separated by spaces."),
    )
    mparams = forms.CharField(label=_("MParams (route 2)"), required=False,
                              help_text=_("All parameters of the model, in millions."))
    model_file = forms.FileField(
        label=_("Model file (route 3)"), required=False,
        help_text=_("Python file defining module_list (module name to nn.Module) and entire_model."),
    )

    # Routes that use each route-specific field; the page script shows a
    # field only for these routes. Fields not listed serve every route.
    ROUTE_FIELDS = {
        "points": (Route.PAPER,),
        "predictions": (Route.PREDICTIONS, Route.MODEL),
        "mflops": (Route.PREDICTIONS,),
        "mparams": (Route.PREDICTIONS,),
        "model_file": (Route.MODEL,),
    }

    def __init__(self, *args: Any, entry: ModelEntry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        for name, routes in self.ROUTE_FIELDS.items():
            self.fields[name].routes = " ".join(str(route) for route in routes)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        route = data["route"]
        request = SubmissionRequest(entry=self.entry, task=data["task"], route=route)
        if route == Route.PAPER:
            request.paper_points = self._field("points", parse_paper_points)
        else:
            request.predictions = data.get("predictions") or []
        if route == Route.PREDICTIONS:
            request.typed_flops = self._field("mflops", parse_mflops_list)
            if data.get("mparams"):
                request.typed_params = self._field("mparams", mparams_to_params)
        if route == Route.MODEL:
            request.model_file = data.get("model_file")
        if not self.errors:
            validate_request(request)
        self.submission_request = request
        return data

    def _field(self, name: str, parse: Any) -> Any:
        try:
            return parse(self.cleaned_data.get(name) or "")
        except ValidationError as error:
            self.add_error(name, error)
            return None
