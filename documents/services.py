"""Creating and publishing document versions."""

import hashlib

from django.db import transaction
from django.utils import timezone

from .models import DocumentVersion


def file_facts(uploaded_file):
    """Return size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return {"size": size, "sha256": digest.hexdigest()}


def version_create(
    *,
    document,
    uploaded_file,
    original_filename,
    content_type,
    page_count=None,
    note="",
    uploaded_by=None,
    publish=True,
):
    """Store a new version of `document`; earlier versions are kept as they are."""
    with transaction.atomic():
        version = DocumentVersion(
            document=document,
            original_filename=original_filename,
            content_type=content_type,
            page_count=page_count,
            note=note,
            uploaded_by=uploaded_by,
            is_published=publish,
            published_at=timezone.now() if publish else None,
            **file_facts(uploaded_file),
        )
        version.file.save(original_filename, uploaded_file, save=False)
        version.save()
    return version
