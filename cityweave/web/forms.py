"""Forms of the pages editors use: one per catalogue kind, and a library upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.cities.models import City
from cityweave.core.models import TaxonomyTerm


class ItemForm(forms.ModelForm):
    """A catalogue item's form; ``split()`` separates plain fields from many-to-many relations,
    which the editing service saves in the same transaction."""

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        m2m = {field.name for field in self._meta.model._meta.many_to_many}
        data = self.cleaned_data
        fields = {name: value for name, value in data.items() if name not in m2m}
        relations = {name: value for name, value in data.items() if name in m2m}
        return fields, relations


def _challenges() -> Any:
    return TaxonomyTerm.objects.filter(vocabulary="challenge").order_by("position", "label_en")


class CaseForm(ItemForm):
    class Meta:
        model = Case
        fields = [
            "title_en",
            "title_original",
            "status",
            "summary",
            "description",
            "city",
            "latitude",
            "longitude",
            "nbs_types",
            "challenges",
            "case_status",
            "start_year",
            "end_year",
            "area_m2",
            "cost",
            "cost_currency",
            "funding_sources",
            "governance",
            "actors",
            "participation",
            "outcomes",
            "lessons",
        ]
        widgets = {
            "nbs_types": forms.CheckboxSelectMultiple,
            "challenges": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = City.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["challenges"].queryset = _challenges()  # type: ignore[attr-defined]


class NbsTypeForm(ItemForm):
    class Meta:
        model = NbsType
        fields = [
            "label_en",
            "label_pl",
            "label_es",
            "label_pt",
            "label_de",
            "status",
            "description",
            "ec_type",
            "challenges",
            "ecosystem_services",
            "cost_min",
            "cost_max",
            "cost_currency",
            "cost_unit",
            "cost_year",
            "cost_source",
            "cost_source_url",
            "maintenance",
        ]
        widgets = {
            "challenges": forms.CheckboxSelectMultiple,
            "ecosystem_services": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["challenges"].queryset = _challenges()  # type: ignore[attr-defined]
        services = TaxonomyTerm.objects.filter(vocabulary="ecosystem_service")
        self.fields["ecosystem_services"].queryset = services  # type: ignore[attr-defined]


class InstrumentForm(ItemForm):
    class Meta:
        model = Instrument
        fields = [
            "name",
            "name_original",
            "status",
            "category",
            "governance_level",
            "country_code",
            "year_adopted",
            "description",
            "actors",
            "success_factors",
            "lessons",
            "challenges",
            "nbs_types",
        ]
        widgets = {
            "challenges": forms.CheckboxSelectMultiple,
            "nbs_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["challenges"].queryset = _challenges()  # type: ignore[attr-defined]


class ResourceForm(ItemForm):
    class Meta:
        model = Resource
        fields = [
            "title",
            "status",
            "resource_type",
            "language",
            "authors",
            "year",
            "description",
            "url",
            "licence",
            "topics",
            "nbs_types",
        ]
        widgets = {
            "topics": forms.CheckboxSelectMultiple,
            "nbs_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = TaxonomyTerm.objects.order_by(  # type: ignore[attr-defined]
            "vocabulary", "position", "label_en"
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, DOCX, Markdown or HTML. Its text becomes searchable."),
    )


FORMS: dict[str, type[ItemForm]] = {
    "case": CaseForm,
    "nbs_type": NbsTypeForm,
    "instrument": InstrumentForm,
    "resource": ResourceForm,
}
MODELS: dict[str, type[Model]] = {
    "case": Case,
    "nbs_type": NbsType,
    "instrument": Instrument,
    "resource": Resource,
}
