"""Head office's product data: import a file, edit a draft's JSON, publish. Every write goes
through the services, so the admin checks exactly what the import checks."""

from __future__ import annotations

from typing import Any

import orjson
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import car_models_by_name
from autovitrine.core.admin_access import HeadOfficeAdmin
from autovitrine.core.mail import content_disposition

from . import services
from .engine.fileformat import dump_document, megabytes
from .forms import ProductDataUploadForm
from .models import ProductData, SavedConfiguration
from .selectors import document_diff, document_outline


class ProductDataForm(forms.ModelForm):
    """The document as JSON text, checked by the import before anything is saved."""

    class Meta:
        model = ProductData
        fields = ("car_model", "document")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A draft's model is read-only: it is the instance's.
        car_model = cleaned.get("car_model") or getattr(self.instance, "car_model", None)
        document = cleaned.get("document")
        if car_model is None or document is None:
            return cleaned
        try:
            # Kept for ``save_model``: a real rule base takes seconds to check and compile.
            self.report = services.product_data_check(
                car_model=car_model, data=orjson.dumps(document)
            )
        except services.ProductDataError as exc:
            raise forms.ValidationError(exc.error_list) from exc
        return cleaned


class ImportForm(ProductDataUploadForm):
    car_model = forms.ModelChoiceField(label=_("Modèle"), queryset=car_models_by_name())


@admin.register(ProductData)
class ProductDataAdmin(HeadOfficeAdmin):
    form = ProductDataForm
    list_display = (
        "car_model",
        "revision",
        "status",
        "compile_progress",
        "size",
        "configuration_count",
        "findings",
        "published_at",
        "read_link",
        "export_link",
    )
    list_filter = ("status", "car_model")
    readonly_fields = (
        "revision",
        "status",
        "compile_progress",
        "size",
        "compiled",
        "configuration_count",
        "report",
        "published_at",
        "published_by",
        "export_link",
    )
    actions = ["publish", "new_draft"]
    change_list_template = "admin/configurator/productdata/change_list.html"

    def get_readonly_fields(self, request: HttpRequest, obj: ProductData | None = None) -> Any:
        return self.readonly_fields if obj is None else ("car_model", *self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: ProductData | None = None) -> bool:
        # A published or archived revision is what buyers saw: view it, copy it, never edit it.
        editable = obj is None or obj.status == ProductData.Status.DRAFT
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ProductData | None = None) -> bool:
        draft = obj is None or obj.status == ProductData.Status.DRAFT
        return draft and super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductData]:
        # The list never needs the documents (up to 10 MB each).
        queryset = super().get_queryset(request)
        match = request.resolver_match
        listing = match is not None and (match.url_name or "").endswith("changelist")
        return queryset.defer("document") if listing else queryset

    @admin.display(description=_("taille"))
    def size(self, obj: ProductData) -> str:
        return megabytes(obj.source_bytes) if obj.source_bytes else "—"

    @admin.display(description=_("formes compilées"))
    def compiled(self, obj: ProductData) -> str:
        forms = list(obj.compiled_forms.defer("data"))
        if not forms:
            return "—"
        return format_html_join(
            ", ",
            "{} : {} ({} nœuds, compilé en {} s)",
            (
                (
                    form.market,
                    megabytes(form.size_bytes),
                    form.diagram_nodes,
                    f"{form.compile_seconds:.1f}",
                )
                for form in forms
            ),
        )

    @admin.display(description=_("constats"))
    def findings(self, obj: ProductData) -> str:
        return str(len(obj.problems))

    @admin.display(description=_("rapport de validation"))
    def report(self, obj: ProductData) -> str:
        if not obj.problems:
            return str(_("Aucun constat."))
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> {} <code>{}</code></li>",
                ((p["code"], p["message"], p["path"]) for p in obj.problems),
            ),
        )

    def save_model(self, request: HttpRequest, obj: ProductData, form: Any, change: bool) -> None:
        data = orjson.dumps(form.cleaned_data["document"])
        if change:
            saved = services.product_data_update(product_data=obj, data=data, checked=form.report)
        else:
            saved = services.product_data_create(
                car_model=form.cleaned_data["car_model"], data=data, checked=form.report
            )
        obj.pk, obj.revision = saved.pk, saved.revision

    @admin.action(description=_("Publier (compilation en arrière-plan)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ProductData]) -> None:
        for product_data in queryset:
            try:
                services.product_data_publish_request(
                    product_data_id=product_data.pk, by=request.user
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"{product_data} : {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _(
                        "%s : compilation lancée ; la révision sera publiée dès qu'elle est "
                        "compilée (colonne « compilation »)."
                    )
                    % product_data,
                    messages.SUCCESS,
                )

    @admin.action(description=_("Créer un brouillon à partir de cette révision"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[ProductData]) -> None:
        for product_data in queryset:
            draft = services.product_data_new_draft(product_data=product_data)
            self.message_user(request, _("Brouillon créé : %s.") % draft, messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "importer/",
                self.admin_site.admin_view(self.import_view),
                name="configurator_productdata_import",
            ),
            path(
                "<int:pk>/lecture/",
                self.admin_site.admin_view(self.read_view),
                name="configurator_productdata_read",
            ),
            path(
                "<int:pk>/exporter/",
                self.admin_site.admin_view(self.export_view),
                name="configurator_productdata_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A revision in the documented file format, to edit offline and import again."""
        product_data = self.get_object(request, str(pk))
        if product_data is None or not self.has_view_permission(request, product_data):
            raise Http404
        response = HttpResponse(
            dump_document(product_data.document, indent=True),
            content_type="application/json; charset=utf-8",
        )
        name = f"{product_data.car_model.code}-r{product_data.revision}.json"
        response["Content-Disposition"] = content_disposition(name, attachment=True)
        return response

    def read_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The revision as head office reads it before publishing: families, values, prices,
        rules, tables with their row counts, and what changes against the published one."""
        product_data = ProductData.objects.filter(pk=pk).select_related("car_model").first()
        if product_data is None or not self.has_view_permission(request, product_data):
            raise Http404
        published = (
            ProductData.objects.filter(
                car_model_id=product_data.car_model_id, status=ProductData.Status.PUBLISHED
            )
            .exclude(pk=product_data.pk)
            .first()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Lire %s") % product_data,
            "opts": self.model._meta,
            "product_data": product_data,
            "size": megabytes(product_data.source_bytes),
            "outline": document_outline(product_data.document),
            "published": published,
            "diff": document_diff(published.document, product_data.document) if published else [],
        }
        return TemplateResponse(request, "admin/configurator/productdata/read.html", context)

    @admin.display(description=_("lecture"))
    def read_link(self, obj: ProductData) -> str:
        url = reverse("admin:configurator_productdata_read", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Lire et comparer"))

    @admin.display(description=_("fichier"))
    def export_link(self, obj: ProductData) -> str:
        url = reverse("admin:configurator_productdata_export", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger (JSON)"))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a rule base file: a new draft, or every problem found and nothing stored."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        problems: list[str] = []
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                draft = services.product_data_create(
                    car_model=form.cleaned_data["car_model"], data=form.cleaned_data["file"]
                )
            except services.ProductDataError as exc:
                problems = [problem.message for problem in exc.problems]
            else:
                self.message_user(
                    request,
                    _("Brouillon importé : %(draft)s (%(size)s).")
                    % {"draft": draft, "size": megabytes(draft.source_bytes)},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:configurator_productdata_change", args=[draft.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des données produit"),
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/configurator/productdata/import.html", context, status=status
        )


@admin.register(SavedConfiguration)
class SavedConfigurationAdmin(HeadOfficeAdmin):
    list_display = ("code", "product_data", "customer", "price_ttc", "created_at")
    search_fields = ("code", "customer__email")
    readonly_fields = [f.name for f in SavedConfiguration._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
