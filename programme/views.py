from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.generic import DetailView, ListView

from . import opendata
from .models import Grant, Municipality, Phase, Programme


class ProgrammeListView(ListView):
    paginate_by = 20

    def get_queryset(self):
        # The list shows each programme's own fields only.
        return Programme.objects.published()


class ProgrammeDetailView(DetailView):
    def get_queryset(self):
        return Programme.objects.published().with_public_relations()

    def get_context_data(self, **kwargs):
        documents = self.object.documents.published().with_published_versions()
        return super().get_context_data(documents=documents, **kwargs)


class PhaseDetailView(DetailView):
    context_object_name = "phase"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Phase.objects.published().select_related("programme"),
            programme__slug=self.kwargs["slug"],
            number=self.kwargs["number"],
        )

    def get_context_data(self, **kwargs):
        phase = self.object
        return super().get_context_data(
            grants=Grant.objects.published().filter(phase=phase),
            documents=phase.documents.published().with_published_versions(),
            sibling_phases=Phase.objects.published().filter(programme=phase.programme_id),
            **kwargs,
        )


class MunicipalityListView(ListView):
    def get_queryset(self):
        return Municipality.objects.published()


class MunicipalityDetailView(DetailView):
    def get_queryset(self):
        return Municipality.objects.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            programmes=self.object.programmes.published(),
            **kwargs,
        )


class FundingView(ListView):
    """Every published grant, by programme, with totals and shares of the frame."""

    template_name = "programme/funding.html"
    context_object_name = "programmes"
    # Each programme brings its chart and every grant: a few a page keep the
    # page light however many programmes the council runs.
    paginate_by = 5

    def get_queryset(self):
        return Programme.objects.published().with_public_relations()


def open_data(request):
    """What the funding data files contain, and the licence they are under."""
    return render(
        request,
        "programme/open_data.html",
        {"fields": opendata.FIELDS, "licence": opendata.LICENCE},
    )


def open_data_headers(response, filename, disposition):
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Public data without cookies: other sites' scripts may read it too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def grants_csv(request):
    # With a byte order mark, Excel opens the file as UTF-8, so "Ål" stays "Ål".
    text = "\ufeff" + opendata.grants_csv(opendata.grant_rows(request))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    return open_data_headers(response, f"hallingdal-grants-{get_language()}.csv", "attachment")


def grants_json(request):
    documentation = request.build_absolute_uri(reverse("programme:open_data"))
    text = opendata.grants_json(opendata.grant_rows(request), documentation_url=documentation)
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    return open_data_headers(response, f"hallingdal-grants-{get_language()}.json", "inline")
