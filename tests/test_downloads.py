"""The download view: headers, conditional and range requests, publication, counting."""

import threading
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from documents.models import Document, DocumentVersion
from documents.services import version_create, version_save
from hallingdal.cache import current_generation
from tests.factories import make_active_pdf, make_document, make_pdf, make_programme


def download(client, document, **headers):
    return client.get(document.get_download_url(), headers=headers)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def document(db):
    return make_document(make_programme(), file_bytes=make_pdf(pages=2, padding=3000))


def test_download_headers(client, document):
    version = document.current_version
    response = download(client, document)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(version.size)
    assert response["Content-Disposition"] == (
        "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["ETag"] == f'"{version.sha256}"'
    assert response["Last-Modified"] == http_date(version.published_at.timestamp())
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == version.file.open("rb").read()


def test_view_inline_for_pdfs(client, document):
    response = client.get(document.current_version.get_view_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('inline; filename="plan.pdf"')
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    "file_bytes, disposition",
    [
        (make_active_pdf(), "inline"),
        (
            make_active_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"),
            "attachment",
        ),
        (make_active_pdf(page=b"/AA << /O << /S /Launch /F (calc.exe) >> >>"), "attachment"),
    ],
)
def test_pdfs_with_active_content_are_never_shown_inline(
    client, admin_client, file_bytes, disposition
):
    document = make_document(make_programme(), file_bytes=file_bytes)
    version = document.current_version
    admin_file = reverse("admin:documents_documentversion_file", args=[version.pk])
    for url, browser in [
        (document.get_view_url(), client),
        (version.get_view_url(), client),
        (admin_file, admin_client),
    ]:
        response = browser.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith(f'{disposition}; filename="plan.pdf"')
    # The public pages offer "View" only for what opens in the browser.
    html = client.get(document.get_absolute_url()).content.decode()
    assert (version.get_view_url() in html) == (disposition == "inline")
    assert (document.get_view_url() in html) == (disposition == "inline")


def test_conditional_get_gives_304(client, document):
    first = download(client, document)
    by_etag = download(client, document, if_none_match=first["ETag"])
    by_date = download(client, document, if_modified_since=first["Last-Modified"])
    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert download(client, document, if_none_match='"something-else"').status_code == 200


def test_head_sends_headers_without_body(client, document):
    response = client.head(document.get_download_url())
    assert response.status_code == 200
    assert response["Content-Length"] == str(document.current_version.size)
    assert response["ETag"] == f'"{document.current_version.sha256}"'
    assert response.content == b""


def test_single_range_gives_206_with_the_right_bytes(client, document):
    data = document.current_version.file.open("rb").read()
    response = download(client, document, range="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response["Content-Length"] == "100"
    assert body(response) == data[100:200]

    tail = download(client, document, range="bytes=-10")
    assert (tail.status_code, body(tail)) == (206, data[-10:])
    open_ended = download(client, document, range=f"bytes={len(data) - 5}-")
    assert body(open_ended) == data[-5:]


def test_unsatisfiable_range_gives_416(client, document):
    size = document.current_version.size
    response = download(client, document, range=f"bytes={size}-{size + 10}")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_malformed_or_multiple_ranges_send_the_whole_file(client, document):
    for header in ("bytes=0-1,5-6", "pages=1-2", "bytes=9-2"):
        response = download(client, document, range=header)
        assert response.status_code == 200, header
        assert response["Content-Length"] == str(document.current_version.size)


def test_if_range_with_an_old_etag_sends_the_whole_file(client, document):
    response = download(client, document, range="bytes=0-9", if_range='"old"')
    assert response.status_code == 200
    current = download(client, document, range="bytes=0-9", if_range=response["ETag"])
    assert current.status_code == 206


@pytest.mark.parametrize(
    "hostile, ascii_name, full_name",
    [
        ("../../etc/passwd.pdf", "passwd.pdf", "passwd.pdf"),
        ("CON.pdf", "CON_.pdf", "CON_.pdf"),
        ('plan "final".pdf', "plan _final_.pdf", "plan _final_.pdf"),
        ("plan\r\nX-Evil: 1.pdf", "planX-Evil_ 1.pdf", "planX-Evil_ 1.pdf"),
        ("📄 Plan.pdf", "Plan.pdf", "📄 Plan.pdf"),
        ("Årsrapport Ål og Flå – særskilt.pdf", None, "Årsrapport Ål og Flå – særskilt.pdf"),
        ("ø" * 300 + ".pdf", None, "ø" * 251 + ".pdf"),
    ],
)
def test_hostile_file_names_give_safe_headers(client, db, hostile, ascii_name, full_name):
    document = make_document(filename=hostile)
    header = download(client, document)["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    disposition, fallback, extended = header.split("; ")
    assert disposition == "attachment"
    assert fallback.startswith('filename="') and fallback.endswith('"')
    fallback_name = fallback[len('filename="') : -1]
    assert '"' not in fallback_name and "/" not in fallback_name and "\\" not in fallback_name
    assert fallback_name.isascii()
    if ascii_name:
        assert fallback_name == ascii_name
    assert extended.startswith("filename*=UTF-8''")
    assert unquote(extended.removeprefix("filename*=UTF-8''")) == full_name


def test_norwegian_letters_get_a_readable_ascii_fallback(client, db):
    document = make_document(filename="Årsmelding for Ål – særskilt.pdf")
    header = download(client, document)["Content-Disposition"]
    assert 'filename="Arsmelding for Al - saerskilt.pdf"' in header
    assert "filename*=UTF-8''%C3%85rsmelding%20for%20%C3%85l%20%E2%80%93%20s%C3%A6rskilt.pdf" in (
        header
    )


def test_unpublished_versions_and_documents_are_404(client, document):
    hidden = version_create(
        document=document,
        uploaded_file=ContentFile(make_pdf(pages=5), name="utkast.pdf"),
        publish=False,
    )
    assert client.get(hidden.get_download_url()).status_code == 404
    assert client.get(hidden.get_view_url()).status_code == 404
    assert body(download(client, document)) != hidden.file.open("rb").read()

    document.is_published = False
    document.save()
    assert download(client, document).status_code == 404
    first = document.versions.get(is_published=True)
    assert client.get(first.get_download_url()).status_code == 404


def test_draft_programme_hides_its_documents(client, db):
    document = make_document(make_programme(is_published=False))
    assert download(client, document).status_code == 404


def test_media_folder_is_not_served(client, document):
    name = document.current_version.file.name
    assert client.get(f"/media/{name}").status_code == 404


def seconds_ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def test_stable_address_switches_the_moment_a_version_is_published(client, document):
    old = document.current_version
    # HTTP dates have whole seconds: let the first download be a little while ago.
    DocumentVersion.objects.filter(pk=old.pk).update(published_at=seconds_ago(10))
    Document.objects.filter(pk=document.pk).update(updated_at=seconds_ago(10))
    new = version_create(
        document=document,
        uploaded_file=ContentFile(make_pdf(pages=7), name="plan-v2.pdf"),
        publish=False,
    )
    first = download(client, document)
    assert first["ETag"] == f'"{old.sha256}"'

    new.is_published = True
    version_save(version=new)
    switched = download(client, document)
    assert switched["ETag"] == f'"{new.sha256}"'
    assert body(switched) == new.file.open("rb").read()
    # A client holding the old copy gets the new one, not a 304.
    assert download(client, document, if_none_match=first["ETag"]).status_code == 200
    assert download(client, document, if_modified_since=first["Last-Modified"]).status_code == 200
    # The old version keeps its own address.
    assert body(client.get(old.get_download_url())) == old.file.open("rb").read()


def test_unpublishing_the_newest_version_falls_back_for_date_only_clients(client, document):
    old = document.current_version
    DocumentVersion.objects.filter(pk=old.pk).update(
        published_at=timezone.now() - timedelta(days=30),
        uploaded_at=timezone.now() - timedelta(days=30),
    )
    new = version_create(
        document=document, uploaded_file=ContentFile(make_pdf(pages=3), name="plan-v2.pdf")
    )
    DocumentVersion.objects.filter(pk=new.pk).update(published_at=seconds_ago(10))
    Document.objects.filter(pk=document.pk).update(updated_at=seconds_ago(10))
    new.refresh_from_db()
    seen = download(client, document)
    assert seen["ETag"].strip(chr(34)) == new.sha256
    new.is_published = False
    version_save(version=new)
    again = download(client, document, if_modified_since=seen["Last-Modified"])
    assert again.status_code == 200
    assert again["ETag"] == f'"{old.sha256}"'


def test_downloads_are_counted_but_not_heads_304s_or_later_ranges(client, document):
    version = document.current_version
    etag = download(client, document)["ETag"]
    client.head(document.get_download_url())
    download(client, document, if_none_match=etag)
    download(client, document, range="bytes=100-")
    download(client, document, range="bytes=0-99")
    client.get(version.get_download_url())
    version.refresh_from_db()
    assert version.download_count == 3


def test_download_takes_two_queries(client, document, django_assert_num_queries):
    # The page cache reads its generation from the database at most once a
    # second per worker; take that read out of the count.
    current_generation()
    # One to find the version, one to count it.
    with django_assert_num_queries(2):
        assert download(client, document).status_code == 200


THREADS = 8
DOWNLOADS_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_counter_is_exact_under_concurrent_downloads():
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's shared in-memory test database locks whole tables between threads; "
            "the PostgreSQL run checks concurrent downloads against real row locking"
        )
    document = make_document(file_bytes=make_pdf(pages=2))
    url = document.get_download_url()
    start = threading.Barrier(THREADS)
    statuses = []

    def downloader():
        client = Client()
        try:
            start.wait()
            for _ in range(DOWNLOADS_PER_THREAD):
                response = client.get(url)
                body(response)
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=downloader) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * THREADS * DOWNLOADS_PER_THREAD
    version = document.versions.get()
    assert version.download_count == THREADS * DOWNLOADS_PER_THREAD
