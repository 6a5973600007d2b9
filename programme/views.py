from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from documents.models import Document, DocumentKind, DocumentVersion

from . import images, opendata, search
from .models import Grant, Municipality, Phase, Programme


def public_documents():
    return Document.objects.published().with_published_versions()


def home(request):
    """The first published programme at a glance, with its project plan."""
    programme = Programme.objects.published().with_public_relations().first()
    project_plan = None
    if programme is not None:
        project_plan = DocumentVersion.objects.filter(
            document__programme=programme, document__kind=DocumentKind.PROJECT_PLAN
        ).current_document()
    return render(
        request,
        "programme/home.html",
        {"programme": programme, "project_plan": project_plan},
    )


class ProgrammeListView(ListView):
    paginate_by = 20

    def get_queryset(self):
        return Programme.objects.published().with_public_relations()


class ProgrammeDetailView(DetailView):
    def get_queryset(self):
        return Programme.objects.published().with_public_relations()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            documents=public_documents().filter(programme=self.object),
            **kwargs,
        )


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
            documents=public_documents().filter(phase=phase),
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


# Each programme brings its chart and every grant: a few a page keep the page
# light however many programmes the council runs.
FUNDING_PROGRAMMES_PER_PAGE = 5


def funding(request):
    """Every published grant, by programme, with totals and shares of the frame."""
    programmes = Programme.objects.published().with_public_relations()
    page_obj = Paginator(programmes, FUNDING_PROGRAMMES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "programme/funding.html",
        {"programmes": page_obj.object_list, "page_obj": page_obj},
    )


@require_GET
def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


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


def site_search(request):
    """Search everything public; bad queries get a message (and a 400), never an error page."""
    raw_query = request.GET.get("q", "")
    context = {"query": raw_query.replace("\x00", "")[: search.MAX_QUERY_LENGTH]}
    try:
        query = search.clean_query(raw_query)
    except search.QueryRejected as rejected:
        context["error"] = rejected.message
        return render(request, "programme/search.html", context, status=400)
    context["query"] = query
    if query:
        terms = search.search_terms(query)
        context["results"] = [
            {"result": result, "snippet": search.highlight(result.snippet, terms)}
            for result in search.search(query, get_language())
        ]
    return render(request, "programme/search.html", context)


@require_GET
def image_rendition(request, kind, slug, fingerprint, width, ext):
    """A resized editor's picture, made on first request (see programme/images.py)."""
    spec = images.SPECS.get(kind)
    if spec is None:
        raise Http404
    obj = get_object_or_404(spec.model.objects.published(), slug=slug)
    name = images.rendition_file(kind, obj, fingerprint, width, ext)
    if name is None:
        raise Http404
    response = FileResponse(default_storage.open(name), content_type=images.CONTENT_TYPES[ext])
    # The address names the picture and size, so it never changes content.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def accessibility_statement(request):
    """The accessibility statement public bodies in Norway must publish."""
    return render(request, "programme/accessibility.html")


def privacy(request):
    """What the site stores, about whom, and for how long."""
    return render(
        request,
        "programme/privacy.html",
        {"login_records_days": settings.LOGIN_RECORDS_DAYS},
    )
