"""Creating, publishing, counting and deleting document versions."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Document, DocumentVersion
from .validators import inspect_upload

logger = logging.getLogger(__name__)

DUPLICATE_MESSAGE = _("This exact file is already a version of the document.")


def version_create(
    *,
    document,
    uploaded_file,
    original_filename=None,
    notes=None,
    uploaded_by=None,
    publish=True,
):
    """Check `uploaded_file` and store it as a new version of `document`.

    Earlier versions are kept as they are. Size, type, checksum, page count,
    text and active content come from the file itself, read once. `notes` maps
    language codes to "what changed". Raises ValidationError for a file that
    fails the checks; a refused or failed upload leaves neither a row nor a
    stored file.
    """
    facts = inspect_upload(uploaded_file, filename=original_filename)
    if document.versions.filter(sha256=facts.sha256).exists():
        raise ValidationError(DUPLICATE_MESSAGE, code="duplicate")

    now = timezone.now()
    version = DocumentVersion(
        document=document,
        original_filename=facts.original_filename,
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        page_count=facts.page_count,
        text=facts.text,
        has_active_content=bool(facts.active_content),
        uploaded_by=uploaded_by,
        is_published=publish,
        published_at=now if publish else None,
    )
    for language, text in (notes or {}).items():
        setattr(version, f"note_{language}", text)

    field = DocumentVersion._meta.get_field("file")
    storage = field.storage
    # The storage name comes from version_upload_to, never from the editor. It is
    # decided, and checked to be free, before anything is written: a storage that
    # fails part-way through (a full disk) leaves a partial file and never says
    # under which name. Being free, it can be no other version's file.
    name = storage.get_available_name(
        field.generate_filename(version, facts.original_filename), max_length=field.max_length
    )
    stored_name = None
    try:
        with transaction.atomic():
            stored_name = storage.save(name, uploaded_file, max_length=field.max_length)
            version.file.name = stored_name
            version.save()
            if publish:
                _touch(document, now)
    except BaseException as error:
        # Whatever failed (the write, the row, a worker stopped mid-way), the file
        # goes; under the name the storage chose, if it got as far as choosing one.
        _delete_files(storage, [stored_name or name])
        if (
            isinstance(error, IntegrityError)
            and DocumentVersion.objects.filter(document=document, sha256=facts.sha256).exists()
        ):
            # Someone uploaded the same file at the same moment.
            raise ValidationError(DUPLICATE_MESSAGE, code="duplicate") from error
        raise
    return version


def version_save(*, version):
    """Save an editor's changes to a version (its notes, whether it is published).

    Publishing stamps `published_at` the first time, which makes the version
    the one the document's stable address serves.
    """
    now = timezone.now()
    if version.is_published and version.published_at is None:
        version.published_at = now
    with transaction.atomic():
        version.save()
        _touch(version.document, now)
    return version


def version_record_download(*, version):
    """Count one download, safely when many happen at once."""
    DocumentVersion.objects.filter(pk=version.pk).update(download_count=F("download_count") + 1)


def version_delete(*, version):
    """Delete a version; its file goes only once the deletion is committed."""
    name, storage = version.file.name, version.file.storage
    with transaction.atomic():
        version.delete()
        _touch(version.document, timezone.now())
        transaction.on_commit(lambda: _delete_files(storage, [name]))


def document_delete(*, document):
    """Delete a document and its versions; files go once the deletion is committed."""
    storage = DocumentVersion._meta.get_field("file").storage
    with transaction.atomic():
        names = list(document.versions.values_list("file", flat=True))
        document.delete()
        transaction.on_commit(lambda: _delete_files(storage, names))


def _touch(document, when):
    # The stable address's Last-Modified depends on it: which version it serves
    # can change without the document's own fields changing.
    Document.objects.filter(pk=document.pk).update(updated_at=when)


def _delete_files(storage, names):
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:
            # The rows are gone; check_files will list what is left behind.
            logger.exception("Could not delete document file %s", name)
