"""Upload checks: what is accepted, what is refused, and that refusals leave nothing behind."""

import errno
import io
import resource
import signal
import subprocess
import sys
import zipfile

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation

from documents import pdf
from documents.models import Document, DocumentVersion
from documents.services import version_create
from documents.upload_handlers import (
    DocumentSizeLimitUploadHandler,
    PartialFileRemovingUploadHandler,
)
from documents.validators import clean_filename, inspect_upload
from tests.factories import make_active_pdf, make_document, make_pdf, make_slow_pdf

OOXML_TYPES = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}


def ooxml_file(extension, *, main_type=None):
    """A minimal Word, Excel or PowerPoint container as the office programs write it."""
    part, suffix = OOXML_TYPES[extension]
    content_type = main_type or f"application/vnd.openxmlformats-officedocument.{suffix}"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", manifest)
        archive.writestr(part, "<root/>")
    return buffer.getvalue()


def opendocument_file(mimetype):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()]


# --- what is accepted, and the facts learnt from it ---------------------------


def test_pdf_facts_come_from_the_bytes(db):
    pdf = make_pdf(pages=3)
    facts = inspect_upload(ContentFile(pdf, name="Plan.PDF"))
    assert facts.content_type == "application/pdf"
    assert facts.page_count == 3
    assert facts.size == len(pdf)
    assert len(facts.sha256) == 64


@pytest.mark.parametrize("extension", ["docx", "xlsx", "pptx"])
def test_office_open_xml_files_are_accepted(extension):
    facts = inspect_upload(ContentFile(ooxml_file(extension), name=f"budsjett.{extension}"))
    assert facts.format.extension == extension
    assert facts.content_type.startswith("application/vnd.openxmlformats-officedocument.")
    assert facts.page_count is None


@pytest.mark.parametrize(
    "extension, mimetype",
    [
        ("odt", "application/vnd.oasis.opendocument.text"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_opendocument_files_are_accepted(extension, mimetype):
    facts = inspect_upload(ContentFile(opendocument_file(mimetype), name=f"referat.{extension}"))
    assert facts.content_type == mimetype


def test_version_create_stores_under_a_generated_name(db, media_root):
    document = make_document()
    # Built once: ZIP entries carry the time they were written.
    data = ooxml_file("xlsx")
    version = version_create(
        document=document, uploaded_file=ContentFile(data, name="../../budsjett.xlsx")
    )
    assert version.original_filename == "budsjett.xlsx"
    assert version.file.name.startswith("documents/")
    assert version.file.name.endswith(".xlsx")
    assert "budsjett" not in version.file.name
    assert (media_root / version.file.name).read_bytes() == data


# --- what is refused ------------------------------------------------------------

REFUSED = {
    "html_named_pdf": ("rapport.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    "script_named_pdf": ("rapport.pdf", b"#!/bin/sh\nrm -rf /\n"),
    "svg": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    "html": ("side.html", b"<html></html>"),
    "svg_named_pdf": ("logo.pdf", b'<?xml version="1.0"?><svg/>'),
    "exe": ("program.exe", b"MZ\x90\x00"),
    "no_extension": ("README", b"%PDF-1.4"),
    "zero_bytes": ("tom.pdf", b""),
    "broken_pdf": ("øydelagd.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF"),
    "pdf_named_docx": ("plan.docx", make_pdf()),
    "zip_named_docx": ("plan.docx", opendocument_file("application/zip")),
    "macro_docm_named_docx": (
        "plan.docx",
        ooxml_file("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
    ),
    "xlsx_named_docx": ("plan.docx", ooxml_file("xlsx")),
    "odt_named_ods": ("tal.ods", opendocument_file("application/vnd.oasis.opendocument.text")),
    "docx_named_odt": ("tekst.odt", ooxml_file("docx")),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_files_leave_no_row_and_no_file(case, db, media_root):
    filename, data = REFUSED[case]
    document = Document.objects.create(title_nn="Plan", slug="plan")
    with pytest.raises(ValidationError):
        version_create(document=document, uploaded_file=ContentFile(data, name=filename))
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_html_named_pdf_gets_a_clear_message():
    with pytest.raises(ValidationError) as refused:
        inspect_upload(ContentFile(b"<html><body>Hei</body></html>", name="plan.pdf"))
    assert refused.value.code == "markup"


def test_zero_byte_file_is_refused_as_empty():
    with pytest.raises(ValidationError) as refused:
        inspect_upload(ContentFile(b"", name="plan.pdf"))
    assert refused.value.code == "empty"


def test_one_byte_over_the_limit_is_refused(settings):
    pdf = make_pdf(padding=500)
    settings.DOCUMENT_MAX_UPLOAD_SIZE = len(pdf) - 1
    with pytest.raises(ValidationError) as refused:
        inspect_upload(ContentFile(pdf, name="plan.pdf"))
    assert refused.value.code == "too_large"
    settings.DOCUMENT_MAX_UPLOAD_SIZE = len(pdf)
    assert inspect_upload(ContentFile(pdf, name="plan.pdf")).size == len(pdf)


def test_same_file_twice_is_refused(db, media_root):
    document = make_document()
    files_before = stored_files(media_root)
    with pytest.raises(ValidationError) as refused:
        version_create(document=document, uploaded_file=ContentFile(make_pdf(), name="plan.pdf"))
    assert refused.value.code == "duplicate"
    assert document.versions.count() == 1
    assert stored_files(media_root) == files_before


def test_a_failure_after_storing_removes_the_file(db, media_root, monkeypatch):
    document = Document.objects.create(title_nn="Plan", slug="plan")

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(DocumentVersion, "save", fail)
    with pytest.raises(RuntimeError):
        version_create(document=document, uploaded_file=ContentFile(make_pdf(), name="plan.pdf"))
    assert stored_files(media_root) == []


# --- file names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini.pdf", "system.ini.pdf"),
        ("CON.pdf", "CON_.pdf"),
        ("lpt1.PDF", "lpt1_.PDF"),
        ('plan "endeleg".pdf', "plan _endeleg_.pdf"),
        ("plan\r\nSet-Cookie: x=1.pdf", "planSet-Cookie_ x=1.pdf"),
        ("\u202eFDP.exe.pdf", "FDP.exe.pdf"),
        ("Årsplan for Ål – særskilt.pdf", "Årsplan for Ål – særskilt.pdf"),
        ("📄 plan 🎉.pdf", "📄 plan 🎉.pdf"),
        ("...pdf", "pdf"),  # a name of dots only: no extension left, so refused
        ("", "document"),
    ],
)
def test_clean_filename(hostile, expected):
    assert clean_filename(hostile) == expected


def test_long_names_keep_their_extension():
    name = clean_filename("å" * 300 + ".pdf")
    assert len(name) == 255
    assert name.endswith("å.pdf")


# --- the streaming size limit -----------------------------------------------------


def test_size_limit_handler_stops_passing_bytes_past_the_limit(settings, rf):
    settings.DOCUMENT_MAX_UPLOAD_SIZE = 10
    request = rf.post("/")
    handler = DocumentSizeLimitUploadHandler(request)
    handler.new_file("file", "plan.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 6, 0) == b"x" * 6
    assert handler.receive_data_chunk(b"x" * 4, 6) == b"x" * 4
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x", 10)
    assert request.oversized_uploads == {"file"}


@pytest.fixture
def editor(db, client):
    user = get_user_model().objects.create_superuser("redaktor", "r@example.org", "x" * 20)
    client.force_login(user)
    return user


def upload_url(document):
    return reverse("admin:documents_document_upload", args=[document.pk])


def post_upload(client, document, data, filename, *, follow=False, **fields):
    payload = {"file": SimpleUploadedFile(filename, data), "publish": "on", **fields}
    return client.post(upload_url(document), payload, follow=follow)


def test_admin_upload_page_renders(client, editor):
    document = make_document()
    response = client.get(upload_url(document))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"PDF, DOCX, XLSX, PPTX, ODT, ODS" in response.content
    change = client.get(reverse("admin:documents_document_change", args=[document.pk]))
    assert upload_url(document).encode() in change.content


def test_admin_upload_adds_a_checked_version(client, editor):
    document = make_document()
    response = post_upload(
        client, document, make_pdf(pages=4), "../Plan v2.pdf", note_nn="Nytt budsjett"
    )
    assert response.status_code == 302
    version = document.versions.order_by("-id").first()
    assert document.versions.count() == 2
    assert (version.original_filename, version.page_count) == ("Plan v2.pdf", 4)
    assert version.note_nn == "Nytt budsjett"
    assert version.uploaded_by == editor
    assert version.is_published


def test_admin_upload_refuses_an_html_file_with_a_message(client, editor, media_root):
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, b"<html><script></script></html>", "plan.pdf")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["file"][0].code == "markup"
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_admin_upload_over_the_limit_is_dropped_while_streaming(
    client, editor, media_root, settings, tmp_path
):
    pdf = make_pdf(padding=5000)
    settings.DOCUMENT_MAX_UPLOAD_SIZE = len(pdf) - 1
    # Past this size Django writes uploads to a temporary file: check it is gone too.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, pdf, "plan.pdf")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["file"][0].code == "too_large"
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []


def test_admin_upload_keeps_csrf_protection(db, editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    document = make_document()
    response = strict.post(upload_url(document), {"file": SimpleUploadedFile("a.pdf", make_pdf(2))})
    assert response.status_code == 403
    assert document.versions.count() == 1


def test_admin_upload_needs_permission(client, db):
    user = get_user_model().objects.create_user("lesar", "l@example.org", "x" * 20, is_staff=True)
    client.force_login(user)
    document = make_document()
    response = post_upload(client, document, make_pdf(pages=2), "plan.pdf")
    assert response.status_code == 403
    assert document.versions.count() == 1


def test_adding_a_document_leads_to_the_upload_page(client, editor):
    response = client.post(
        reverse("admin:documents_document_add"),
        {
            "title_nn": "Referat",
            "slug": "referat",
            "kind": "report",
            "is_published": "on",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    document = Document.objects.get(slug="referat")
    assert response.status_code == 302
    assert response["Location"] == upload_url(document)


# --- reading PDFs: once, in a child process with limits ---------------------------


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_a_pdf_that_takes_too_long_is_refused_and_its_reader_stopped(db, media_root, settings):
    settings.DOCUMENT_PDF_TIME_LIMIT = 1
    document = Document.objects.create(title_nn="Plan", slug="plan")
    before = child_cpu_seconds()
    with pytest.raises(ValidationError) as refused:
        version_create(document=document, uploaded_file=ContentFile(make_slow_pdf(), name="a.pdf"))
    # Unbounded, pypdf works on this file for some 20 minutes of CPU time.
    assert child_cpu_seconds() - before < 10
    assert refused.value.code == "too_complex"
    with translation.override("nn"):
        assert refused.value.messages == [
            "PDF-fila er for samansett til å kunne kontrollerast innan 1 sekund; lagre henne "
            "som PDF på nytt (til dømes «Lagre som PDF» / «Skriv ut til PDF») og last opp "
            "den kopien."
        ]
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []
    # The process that ran the upload goes on working.
    version = version_create(
        document=document, uploaded_file=ContentFile(make_pdf(pages=2), name="b.pdf")
    )
    assert version.page_count == 2


def test_the_reader_stops_itself_when_nobody_else_does():
    # As when the web worker that started it is killed mid-upload: only its own limit is left.
    command = [sys.executable, "-I", str(pdf.WORKER), "1", str(512 * 1024 * 1024)]
    completed = subprocess.run(command, input=make_slow_pdf(), capture_output=True, check=False)
    assert completed.returncode == -signal.SIGXCPU
    assert completed.stdout == b""


def test_a_pdf_that_takes_too_much_memory_is_refused(db, media_root, settings):
    settings.DOCUMENT_PDF_TIME_LIMIT = 60
    # Enough to start the reader, not for the 170 MB this file makes pypdf take.
    settings.DOCUMENT_PDF_MEMORY_LIMIT = 100
    document = Document.objects.create(title_nn="Plan", slug="plan")
    with pytest.raises(ValidationError) as refused:
        version_create(document=document, uploaded_file=ContentFile(make_slow_pdf(), name="a.pdf"))
    assert refused.value.code == "too_complex"
    with translation.override("en"):
        assert "within 100 MB of memory" in refused.value.messages[0]
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_admin_upload_of_a_too_complex_pdf_says_so_in_the_editors_language(
    client, editor, media_root, settings
):
    settings.DOCUMENT_PDF_TIME_LIMIT = 1
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, make_slow_pdf(), "plan.pdf")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["file"][0].code == "too_complex"
    assert "for samansett til å kunne kontrollerast innan 1 sekund" in response.content.decode()
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "language, too_slow, too_big",
    [
        (
            "nb",
            "PDF-filen er for sammensatt til å kunne kontrolleres innen 1 sekund; lagre den "
            "som PDF på nytt (for eksempel «Lagre som PDF» / «Skriv ut til PDF») og last opp "
            "den kopien.",
            "PDF-filen er for sammensatt til å kunne kontrolleres med 100 MB minne;",
        ),
        (
            "en",
            "The PDF is too complex to check within 1 second; save it again as PDF (for "
            "example “Save as PDF” / “Print to PDF”) and upload that copy.",
            "The PDF is too complex to check within 100 MB of memory;",
        ),
    ],
)
def test_too_complex_messages_in_each_language(language, too_slow, too_big, settings):
    pdf = make_slow_pdf()
    settings.DOCUMENT_PDF_TIME_LIMIT = 1
    with pytest.raises(ValidationError) as slow:
        inspect_upload(ContentFile(pdf, name="plan.pdf"))
    settings.DOCUMENT_PDF_TIME_LIMIT = 60
    settings.DOCUMENT_PDF_MEMORY_LIMIT = 100
    with pytest.raises(ValidationError) as big:
        inspect_upload(ContentFile(pdf, name="plan.pdf"))
    with translation.override(language):
        assert slow.value.messages == [too_slow]
        assert big.value.messages[0].startswith(too_big)


@pytest.fixture
def reader_runs(monkeypatch):
    """The PDF reader's child processes, as (command, keyword arguments)."""
    runs = []
    real_run = subprocess.run

    def recorded_run(*args, **kwargs):
        runs.append((args[0], kwargs))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", recorded_run)
    return runs


def test_each_upload_is_read_once_and_never_by_the_web_process(db, monkeypatch, reader_runs):
    def no_parsing_here(*args, **kwargs):
        raise AssertionError("pypdf ran in the web process")

    monkeypatch.setattr(pypdf.PdfReader, "__init__", no_parsing_here)
    document = Document.objects.create(title_nn="Plan", slug="plan")
    version = version_create(
        document=document,
        uploaded_file=ContentFile(make_pdf(pages=3, text="Ålfestivalen"), name="plan.pdf"),
    )
    assert len(reader_runs) == 1
    assert version.page_count == 3
    assert "Ålfestivalen, side 3" in version.text


def test_a_large_upload_on_disk_is_read_from_its_file(
    client, editor, settings, tmp_path, reader_runs
):
    # Past this size Django keeps the upload in a temporary file, which the reader gets.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, make_pdf(pages=5, padding=5000), "plan.pdf")
    assert response.status_code == 302
    [(_command, options)] = reader_runs
    assert "input" not in options
    assert options["stdin"].name.startswith(str(tmp_path))
    version = document.versions.get()
    assert version.page_count == 5
    assert "Testdokument, side 5" in version.text


def test_text_keeps_the_page_and_character_limits():
    facts = inspect_upload(ContentFile(make_pdf(pages=301), name="plan.pdf"))
    assert facts.page_count == 301
    assert "side 300" in facts.text
    assert "side 301" not in facts.text
    long = inspect_upload(ContentFile(make_pdf(pages=2, text="å" * 300_000), name="plan.pdf"))
    assert len(long.text) == 500_000


# --- active content -----------------------------------------------------------------

JAVASCRIPT = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
ACTIVE = {
    "open_action_javascript": ({"catalog": b"/OpenAction " + JAVASCRIPT}, "javascript"),
    "names_tree_javascript": (
        {
            "catalog": b"/Names << /JavaScript 6 0 R >>",
            "objects": [b"<< /Names [(start) 7 0 R] >>", JAVASCRIPT],
        },
        "javascript",
    ),
    "page_additional_action": ({"page": b"/AA << /O " + JAVASCRIPT + b" >>"}, "javascript"),
    "catalog_additional_action": (
        {"catalog": b"/AA << /WC 6 0 R >>", "objects": [JAVASCRIPT]},
        "javascript",
    ),
    "escaped_names": ({"catalog": b"/OpenAction << /S /J#61vaScript /J#53 (1) >>"}, "javascript"),
    "link_launches_a_program": (
        {
            "page": b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 99 99] "
            b"/A << /S /Launch /F (calc.exe) >> >>]"
        },
        "launch",
    ),
    "embedded_file": (
        {
            "catalog": b"/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>",
            "objects": [
                b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ],
        },
        "embedded_file",
    ),
    "rich_media": (
        {"page": b"/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 99 99] >>]"},
        "rich_media",
    ),
}


@pytest.mark.parametrize("case", ACTIVE)
def test_active_content_is_found_and_stored(case, db):
    structure, kind = ACTIVE[case]
    data = make_active_pdf(**structure)
    facts = inspect_upload(ContentFile(data, name="plan.pdf"))
    assert facts.active_content == (kind,)
    assert facts.page_count == 1
    document = make_document(file_bytes=data)
    assert document.versions.get().has_active_content


def test_a_plain_pdf_has_no_active_content(db):
    assert inspect_upload(ContentFile(make_active_pdf(), name="plan.pdf")).active_content == ()
    assert not make_document().versions.get().has_active_content


def test_admin_upload_warns_about_active_content(client, editor):
    document = make_document()
    data = make_active_pdf(catalog=b"/OpenAction " + JAVASCRIPT)
    response = post_upload(client, document, data, "skjema.pdf", follow=True)
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "skjema.pdf har aktivt innhald: JavaScript, ei handling som startar eit program, "
        "innebygde filer eller multimedieinnhald. Fila er lagra, men ho blir alltid lasta ned og "
        "aldri opna i nettlesaren. Om ho ikkje skal ha slikt innhald, lagre henne som PDF på nytt "
        "(til dømes «Lagre som PDF» / «Skriv ut til PDF») og last opp den kopien."
    ]
    version = document.versions.get(original_filename="skjema.pdf")
    change = client.get(reverse("admin:documents_documentversion_change", args=[version.pk]))
    field = change.content.decode().split('class="form-row field-has_active_content"')[1]
    assert "aktivt innhald" in field.split("</label>")[0].lower()
    assert "icon-yes.svg" in field.split('class="form-row')[0]
    for page in ["admin:documents_documentversion_changelist", "admin:documents_document_change"]:
        args = [document.pk] if page.endswith("document_change") else []
        html = client.get(reverse(page, args=args)).content.decode()
        assert html.count("Aktivt innhald: blir alltid lasta ned") == 1
    plain = post_upload(client, document, make_pdf(pages=2), "plan2.pdf", follow=True)
    assert [m for m in plain.context["messages"] if m.level_tag == "warning"] == []


# --- storage failures leave nothing behind ----------------------------------------


class PartialChunks:
    """The upload as a storage reads it, failing with a full disk after the first chunk."""

    def __init__(self, content):
        self.content = content

    def chunks(self, chunk_size=None):
        data = self.content.read()
        yield data[:256]
        raise OSError(errno.ENOSPC, "No space left on device")


class DiskFullStorage(FileSystemStorage):
    """The real file system, running out of space part-way through a file."""

    def _save(self, name, content):
        return super()._save(name, PartialChunks(content))


class FailsAfterWritingStorage(FileSystemStorage):
    """Writes the whole file, then fails (as closing or syncing a file can)."""

    def _save(self, name, content):
        super()._save(name, content)
        raise OSError(errno.EIO, "Input/output error")


class RacingUploadStorage(FileSystemStorage):
    """Writes the file while another upload of the same file gets its row in first."""

    def _save(self, name, content):
        name = super()._save(name, content)
        version = DocumentVersion.objects.get()
        version.pk = None
        version.document = Document.objects.get(slug="plan")
        version.file.name = "documents/other.pdf"
        version.save()
        return name


def use_storage(settings, storage_class):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.{storage_class.__name__}"},
    }


def test_a_full_disk_part_way_through_leaves_no_partial_file(db, media_root, settings):
    use_storage(settings, DiskFullStorage)
    document = Document.objects.create(title_nn="Plan", slug="plan")
    with pytest.raises(OSError) as failed:
        version_create(document=document, uploaded_file=ContentFile(make_pdf(), name="plan.pdf"))
    assert failed.value.errno == errno.ENOSPC
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_failure_after_writing_the_whole_file_removes_it(db, media_root, settings):
    use_storage(settings, FailsAfterWritingStorage)
    document = Document.objects.create(title_nn="Plan", slug="plan")
    with pytest.raises(OSError):
        version_create(document=document, uploaded_file=ContentFile(make_pdf(), name="plan.pdf"))
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_an_integrity_error_on_the_row_removes_the_file(db, media_root, settings):
    make_document(file_bytes=make_pdf(pages=2), slug="other")
    files_before = stored_files(media_root)
    use_storage(settings, RacingUploadStorage)
    document = Document.objects.create(title_nn="Plan", slug="plan")
    with pytest.raises((IntegrityError, ValidationError)):
        version_create(
            document=document, uploaded_file=ContentFile(make_pdf(pages=2), name="plan.pdf")
        )
    assert document.versions.count() == 0
    assert stored_files(media_root) == files_before


def test_admin_upload_to_a_full_disk_says_so_and_stores_nothing(
    client, editor, media_root, settings
):
    use_storage(settings, DiskFullStorage)
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, make_pdf(), "plan.pdf")
    assert response.status_code == 200
    assert "Fila kunne ikkje skrivast til lagringa på tenaren" in response.content.decode()
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


class FillingUpTemporaryFile(TemporaryUploadedFile):
    """A real temporary upload file on a disk that is full after the first chunk."""

    chunks_written = 0

    def write(self, data):
        if self.chunks_written:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.chunks_written += 1
        return self.file.write(data)


class FullDiskUploadHandler(PartialFileRemovingUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file.close()
        self.file = FillingUpTemporaryFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )


def test_a_full_disk_while_receiving_an_upload_leaves_no_temporary_file(
    client, editor, media_root, settings, tmp_path
):
    settings.FILE_UPLOAD_HANDLERS = [
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        f"{__name__}.FullDiskUploadHandler",
    ]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "incoming"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    document = Document.objects.create(title_nn="Plan", slug="plan")
    response = post_upload(client, document, make_pdf(padding=200_000), "plan.pdf", follow=True)
    assert response.redirect_chain == [(upload_url(document), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Fila kunne ikkje skrivast til lagringa på tenaren (disken kan vere full), så ingenting "
        "vart lagra. Prøv igjen seinare; om det held fram, sei frå til dei som driftar "
        "nettstaden."
    ]
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []
    assert DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_site_uses_the_handler_that_removes_partial_files(settings, rf):
    handlers = rf.post("/").upload_handlers
    assert [type(handler) for handler in handlers][-1] is PartialFileRemovingUploadHandler
