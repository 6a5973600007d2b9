"""The site's own pages: home, search, robots.txt, the favicon, pictures and static pages."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView, TemplateView

from documents.models import DocumentKind, DocumentVersion
from programme.models import Programme

from . import images, search


def home(request):
    """The first published programme at a glance, with its project plan."""
    programme = Programme.objects.published().with_public_relations().first()
    project_plan = None
    if programme is not None:
        project_plan = DocumentVersion.objects.filter(
            document__programme=programme, document__kind=DocumentKind.PROJECT_PLAN
        ).document_with_newest_version()
    return render(
        request,
        "home.html",
        {"programme": programme, "project_plan": project_plan},
    )


def site_search(request):
    """Search everything public; bad queries get a message (and a 400), never an error page.

    A search the database gives up on (SEARCH_TIMEOUT_MS) gets the page with a
    message and a 503: the query was not wrong, the site could not answer it
    in time, and a 503 is neither kept by the page cache nor by a cache in
    front, so the next try searches again.
    """
    raw_query = request.GET.get("q", "")
    context = {"query": raw_query.replace("\x00", "")[: search.MAX_QUERY_LENGTH]}
    try:
        query = search.clean_query(raw_query)
    except search.QueryRejected as rejected:
        context["error"] = rejected.message
        return render(request, "search.html", context, status=400)
    context["query"] = query
    if query:
        try:
            results = search.search(query, get_language())
        except search.SearchTimedOut as timed_out:
            context.update(error=timed_out.message, timed_out=True)
            return render(request, "search.html", context, status=503)
        terms = search.search_terms(query)
        context["results"] = [
            {"result": result, "snippet": search.highlight(result.snippet, terms)}
            for result in results
        ]
    return render(request, "search.html", context)


class PrivacyView(TemplateView):
    """What the site stores, about whom, and for how long."""

    template_name = "privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(login_records_days=settings.LOGIN_RECORDS_DAYS, **kwargs)


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

    def get_context_data(self, **kwargs):
        sitemap_url = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap_url=sitemap_url, **kwargs)


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every site, the admin's pages too."""

    permanent = True
    http_method_names = ["get", "head"]

    def get_redirect_url(self, *args, **kwargs):
        # Resolved per request: the hashed name exists only after collectstatic.
        return static("img/favicon.svg")


@require_GET
def image_rendition(request, kind, slug, fingerprint, width, ext):
    """A resized editor's picture, made on first request (see hallingdal/images.py)."""
    spec = images.SPECS.get(kind)
    if spec is None:
        raise Http404
    obj = get_object_or_404(spec.model.objects.published(), slug=slug)
    try:
        name = images.rendition_file(kind, obj, fingerprint, width, ext)
        if name is None:
            raise Http404
        stored = default_storage.open(name)
    except (images.RenditionBusy, *images.STORAGE_ERRORS):
        # Being made by another request, or the storage did not answer: the
        # page around it works on, and the browser asks again shortly.
        response = HttpResponse(status=503)
        response["Retry-After"] = str(images.RENDITION_RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    response = FileResponse(stored, content_type=images.CONTENT_TYPES[ext])
    # The address names the picture and size, so it never changes content.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
