"""Checks on uploaded document files, and the facts learnt from them.

The browser's name and content type for a file are claims; what counts is the
bytes. A file is accepted only when its extension is on the allow-list and its
contents are really of that format: a PDF must parse (in a child process with
limits, see pdf.py), an office file must be a ZIP container whose own manifest
says it is that kind of document.
"""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .pdf import read_pdf

DEFAULT_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
ORIGINAL_FILENAME_MAX_LENGTH = 255
# How much of a ZIP member we are willing to read to learn the document type.
MANIFEST_MAX_BYTES = 1024 * 1024

OOXML_MAIN_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}


@dataclass(frozen=True)
class FileFormat:
    extension: str
    content_type: str
    label: str


FORMATS = {
    f.extension: f
    for f in (
        FileFormat("pdf", "application/pdf", "PDF"),
        FileFormat(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word",
        ),
        FileFormat(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"
        ),
        FileFormat(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint",
        ),
        FileFormat("odt", "application/vnd.oasis.opendocument.text", "ODT"),
        FileFormat("ods", "application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    )
}
FORMATS_BY_CONTENT_TYPE = {f.content_type: f for f in FORMATS.values()}
ALLOWED_CONTENT_TYPES = tuple(FORMATS_BY_CONTENT_TYPE)

# Active content that a browser would run if it were ever served inline.
MARKUP_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "js", "mjs"}
MARKUP_SIGNATURE = re.compile(
    rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<svg|<\?xml|<iframe|<!--)", re.IGNORECASE
)

# Names Windows reserves whatever the extension: "CON.pdf" cannot be saved there.
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
UNSAFE_IN_FILENAME = re.compile(r'["\\/:*?<>|]+')


@dataclass(frozen=True)
class FileFacts:
    original_filename: str
    format: FileFormat
    size: int
    sha256: str
    page_count: int | None
    # For PDFs: the text for search, and the kinds of active content found.
    text: str = ""
    active_content: tuple[str, ...] = ()

    @property
    def content_type(self):
        return self.format.content_type


def max_upload_size():
    return getattr(settings, "DOCUMENT_MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD_SIZE)


def allowed_extensions_text():
    return ", ".join(extension.upper() for extension in FORMATS)


def clean_filename(name):
    """Return a file name that is safe to show and to send in a header.

    Keeps only the last path part (from either kind of slash), drops control
    characters (CR, LF, NUL, bidi overrides), quotes and characters that are
    not allowed in Windows file names, and shortens long names while keeping
    the extension. Letters such as æ, ø, å and emoji are kept.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = UNSAFE_IN_FILENAME.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .") or "document"
    if WINDOWS_RESERVED.match(stem):
        stem = f"{stem}_"
    suffix = f".{extension}" if extension else ""
    if len(extension) > 16:
        stem, suffix = f"{stem}{suffix}", ""
    stem = stem[: ORIGINAL_FILENAME_MAX_LENGTH - len(suffix)].rstrip(" .") or "document"
    return f"{stem}{suffix}"


def extension_of(filename):
    _stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def inspect_upload(uploaded_file, *, filename=None):
    """Check an uploaded file and return its facts, or raise ValidationError.

    `uploaded_file` is a Django File (an UploadedFile or a ContentFile);
    `filename` is the name the editor's computer gave it, when not its `.name`.
    """
    original_filename = clean_filename(filename or uploaded_file.name)
    extension = extension_of(original_filename)
    file_format = FORMATS.get(extension)
    if file_format is None:
        if extension in MARKUP_EXTENSIONS:
            raise ValidationError(
                _("Web pages, SVG images and scripts are never accepted. Allowed: %(allowed)s."),
                code="markup",
                params={"allowed": allowed_extensions_text()},
            )
        raise ValidationError(
            _("“.%(extension)s” files are not accepted. Allowed: %(allowed)s."),
            code="extension",
            params={"extension": extension or "?", "allowed": allowed_extensions_text()},
        )

    size, sha256, head = _size_hash_and_head(uploaded_file)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = max_upload_size()
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest file accepted is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    if MARKUP_SIGNATURE.match(head):
        raise ValidationError(
            _("This is a web page or SVG image named “.%(extension)s”. It is never accepted."),
            code="markup",
            params={"extension": extension},
        )

    pdf = None
    if extension == "pdf":
        pdf = _check_pdf(uploaded_file, head)
    elif extension in OOXML_MAIN_TYPES:
        _check_ooxml(uploaded_file, head, extension)
    else:
        _check_opendocument(uploaded_file, head, file_format)
    uploaded_file.seek(0)
    return FileFacts(
        original_filename=original_filename,
        format=file_format,
        size=size,
        sha256=sha256,
        page_count=pdf.page_count if pdf else None,
        text=pdf.text if pdf else "",
        active_content=pdf.active_content if pdf else (),
    )


def _size_hash_and_head(uploaded_file):
    digest = hashlib.sha256()
    size = 0
    head = b""
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        if len(head) < 1024:
            head += chunk[: 1024 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return size, digest.hexdigest(), head


def _not_this_format(extension):
    return ValidationError(
        _("The file's contents are not a real .%(extension)s file."),
        code="mismatch",
        params={"extension": extension},
    )


def _check_pdf(uploaded_file, head):
    if not head.startswith(b"%PDF-"):
        raise _not_this_format("pdf")
    return read_pdf(uploaded_file)


def _open_zip(uploaded_file, head, extension):
    if not head.startswith(b"PK\x03\x04"):
        raise _not_this_format(extension)
    uploaded_file.seek(0)
    try:
        return zipfile.ZipFile(uploaded_file)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _not_this_format(extension) from error


def _read_member(archive, name, extension):
    try:
        info = archive.getinfo(name)
        if info.file_size > MANIFEST_MAX_BYTES:
            raise _not_this_format(extension)
        with archive.open(info) as member:
            return member.read(MANIFEST_MAX_BYTES + 1)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError) as error:
        # KeyError: no such member; RuntimeError: an encrypted member.
        raise _not_this_format(extension) from error


def _check_ooxml(uploaded_file, head, extension):
    """Word, Excel and PowerPoint files name their main part in [Content_Types].xml."""
    with _open_zip(uploaded_file, head, extension) as archive:
        manifest = _read_member(archive, "[Content_Types].xml", extension)
    # The exact main type tells a .docx from a macro-enabled .docm renamed .docx.
    main_type = OOXML_MAIN_TYPES[extension].encode()
    if b"<!DOCTYPE" in manifest.upper() or not re.search(
        rb'ContentType\s*=\s*"' + re.escape(main_type) + rb'"', manifest
    ):
        raise _not_this_format(extension)


def _check_opendocument(uploaded_file, head, file_format):
    """OpenDocument files carry their type in a member called "mimetype"."""
    with _open_zip(uploaded_file, head, file_format.extension) as archive:
        mimetype = _read_member(archive, "mimetype", file_format.extension)
    if mimetype.strip() != file_format.content_type.encode():
        raise _not_this_format(file_format.extension)
