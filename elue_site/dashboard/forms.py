"""Reference-curve editing: one form per point, MFLOPs typed, FLOPs stored."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from elue_site.benchmark.models import ReferencePoint, Task
from elue_site.dashboard.services import STAFF_FLOPS_PROVENANCE

MILLION = 1_000_000


class ReferencePointForm(forms.ModelForm):
    """A reference point with its cost typed in MFLOPs per example."""

    mflops = forms.FloatField(
        label=_("MFLOPs per example"), min_value=0.000001,
        help_text=_("Mean FLOPs per test example, in millions (2 x multiply-accumulates)."),
    )

    class Meta:
        model = ReferencePoint
        fields = ["layers", "mflops", "performance", "source", "is_estimate"]
        widgets = {"source": forms.TextInput()}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("mflops", self.instance.flops / MILLION)

    def clean_performance(self) -> float:
        performance = self.cleaned_data["performance"]
        if not 0 <= performance <= 100:
            raise ValidationError(
                _("Performance %(value)s is outside 0..100; give it on the x100 scale."),
                code="performance_range", params={"value": performance},
            )
        return performance

    def save(self, commit: bool = True) -> ReferencePoint:
        self.instance.flops = round(self.cleaned_data["mflops"] * MILLION)
        if "mflops" in self.changed_data:
            self.instance.provenance = dict(STAFF_FLOPS_PROVENANCE)
        return super().save(commit=commit)


class ReferenceCurveFormSet(BaseInlineFormSet):
    """All points of one task: at least one, with distinct layers and MFLOPs."""

    def clean(self) -> None:
        super().clean()
        remaining = [
            form.cleaned_data for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not remaining:
            raise ValidationError(_("Keep at least one reference point."), code="empty_curve")
        self._reject_duplicates([data["layers"] for data in remaining], _("layers"))
        self._reject_duplicates([round(data["mflops"] * MILLION) for data in remaining], _("MFLOPs"))

    @staticmethod
    def _reject_duplicates(values: list, name: str) -> None:
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValidationError(
                _("Two points have the same %(name)s (%(values)s); each point needs its own."),
                code="duplicate_point", params={"name": name, "values": ", ".join(map(str, duplicates))},
            )


ReferencePointFormSet = inlineformset_factory(
    Task, ReferencePoint, form=ReferencePointForm, formset=ReferenceCurveFormSet,
    extra=1, can_delete=True,
)


def reference_formset(task: Task, data: object | None = None) -> ReferenceCurveFormSet:
    """Return the formset of `task`'s reference points, ordered by FLOPs."""
    return ReferencePointFormSet(data, instance=task, queryset=task.reference_points.order_by("flops"))
