import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView
from storages.backends.s3 import S3Storage

from .models import INLINE_PARAMETER, Document, DocumentVersion
from .responses import file_response, signed_redirect
from .services import version_record_download

logger = logging.getLogger(__name__)

# What a storage raises when it cannot answer: OSError from a folder,
# botocore's errors from a bucket (its 404 is already a FileNotFoundError).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
STORAGE_RETRY_AFTER_SECONDS = 30


class DocumentListView(ListView):
    paginate_by = 25

    def get_queryset(self):
        return Document.objects.published().with_published_versions().select_related("programme")


class DocumentDetailView(DetailView):
    def get_queryset(self):
        return (
            Document.objects.published()
            .with_published_versions()
            .select_related("programme", "phase")
        )


def current_version_or_404(slug):
    """The newest published version of a published document: one query."""
    version = (
        DocumentVersion.objects.published()
        .filter(document__slug=slug)
        .select_related("document")
        .newest_first()
        .first()
    )
    if version is None:
        raise Http404
    return version


def published_version_or_404(slug, version_id):
    return get_object_or_404(
        DocumentVersion.objects.published().select_related("document"),
        document__slug=slug,
        pk=version_id,
    )


def can_sign_addresses(storage):
    # Settings refuse redirect without S3; this guards a storage set some other way.
    if isinstance(storage, S3Storage) and storage.querystring_auth:
        return True
    logger.warning("DOCUMENT_SERVE is redirect, but the storage cannot sign; streaming")
    return False


def serve_version(request, version, *, last_modified):
    inline = INLINE_PARAMETER in request.GET and version.opens_in_browser
    storage, name = version.file.storage, version.file.name
    try:
        size = storage.size(name)
        if settings.DOCUMENT_SERVE == "redirect" and can_sign_addresses(storage):
            response = signed_redirect(
                storage, name, version=version, seconds=settings.DOCUMENT_URL_SECONDS, inline=inline
            )
            counts = request.method == "GET"
        else:
            response, counts = file_response(
                request,
                version=version,
                storage=storage,
                name=name,
                size=size,
                last_modified=last_modified,
                inline=inline,
            )
    except FileNotFoundError:
        # A row without its file: a 404 for the visitor, an error for whoever runs
        # the site (check_files lists every such row).
        logger.error("File %s of document version %s is missing", name, version.pk)
        raise Http404 from None
    except STORAGE_ERRORS as error:
        # The storage did not answer (a bucket out of reach): try again shortly.
        logger.error("Could not read file %s of version %s: %s", name, version.pk, error)
        return storage_unavailable()
    if counts:
        version_record_download(version=version)
    return response


def storage_unavailable():
    response = HttpResponse(status=503)
    response["Retry-After"] = str(STORAGE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def document_download(request, slug):
    """The stable address that people print: always the current published version."""
    version = current_version_or_404(slug)
    # It changes when another version becomes current, even an older one.
    last_modified = max(version.published_at, version.document.updated_at)
    return serve_version(request, version, last_modified=last_modified)


@require_safe
def version_download(request, slug, version_id):
    """One version's own address: exactly that file, for as long as it is published."""
    version = published_version_or_404(slug, version_id)
    return serve_version(request, version, last_modified=version.uploaded_at)
