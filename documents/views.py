from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Document, DocumentVersion


class DocumentListView(ListView):
    paginate_by = 25

    def get_queryset(self):
        return Document.objects.published().with_published_versions().select_related("programme")


class DocumentDetailView(DetailView):
    def get_queryset(self):
        return Document.objects.published().with_published_versions().select_related(
            "programme", "phase"
        )


def serve_version(version):
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_filename,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def document_download(request, slug):
    """The stable address: always the current published version."""
    document = get_object_or_404(Document.objects.published(), slug=slug)
    version = document.current_version
    if version is None:
        raise Http404
    return serve_version(version)


def version_download(request, slug, version_id):
    version = get_object_or_404(
        DocumentVersion.objects.published().select_related("document"),
        document__slug=slug,
        pk=version_id,
    )
    return serve_version(version)
