"""Document pages, the feed, the admin for versions, deletion and check_files."""

import xml.etree.ElementTree as ElementTree

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from documents.models import Document, DocumentVersion
from documents.services import document_delete, version_create
from tests.factories import make_active_pdf, make_document, make_pdf, make_programme

ATOM = "{http://www.w3.org/2005/Atom}"


def add_version(document, pages=3, **kwargs):
    return version_create(
        document=document,
        uploaded_file=ContentFile(make_pdf(pages=pages, padding=1200 * pages), name="plan.pdf"),
        **kwargs,
    )


# --- facts for visitors --------------------------------------------------------------


def test_file_facts_in_each_language(db):
    version = make_document(file_bytes=make_pdf(pages=12, padding=1_250_000)).current_version
    with translation.override("en"):
        assert version.facts == "PDF, 12 pages, 1.2\xa0MB"
    with translation.override("nb"):
        # Django's own Norwegian formats: decimal comma.
        assert version.facts.endswith("1,2\xa0MB")
        assert version.facts.startswith("PDF, 12 ")


def test_document_list_shows_links_facts_and_the_feed(client, db):
    document = make_document(make_programme(), file_bytes=make_pdf(pages=2))
    with translation.override("en"):
        response = client.get(reverse("documents:document_list"))
        html = response.content.decode()
        assert document.get_download_url() in html
        assert document.get_view_url() in html
    assert "PDF, 2 pages" in html
    assert 'type="application/atom+xml" title="New documents (Atom feed)" href="' in html
    assert '/en/documents/feed.atom"' in html


def test_document_detail_lists_every_published_version(client, db):
    document = make_document(make_programme())
    second = add_version(document)
    hidden = add_version(document, pages=5, publish=False)
    response = client.get(document.get_absolute_url())
    html = response.content.decode()
    assert second.get_download_url() in html
    assert document.versions.order_by("id").first().get_download_url() in html
    assert hidden.get_download_url() not in html


def test_list_page_queries_do_not_grow_with_documents(
    client, db, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE = False  # count the queries of the page itself, not of a cache hit
    programme = make_programme()
    for _ in range(2):
        add_version(make_document(programme))
    url = reverse("documents:document_list")
    client.get(url)
    with django_assert_max_num_queries(4) as few:
        client.get(url)
    assert few.captured_queries, "the page must have been built, not served from a cache"
    for _ in range(6):
        add_version(make_document(programme))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_document_with_newest_version_comes_with_its_newest_published_version(db, media_root):
    programme = make_programme()
    plan = make_document(programme, kind="project_plan")
    newest = add_version(plan, pages=4)
    add_version(plan, pages=5, publish=False)  # a draft is never the current version
    make_document(programme, kind="report")
    plans = DocumentVersion.objects.filter(
        document__programme=programme, document__kind="project_plan"
    )

    document = plans.document_with_newest_version()

    assert document == plan
    assert document.current_version == newest

    Document.objects.filter(pk=plan.pk).update(is_published=False)
    assert plans.document_with_newest_version() is None


# --- the feed ------------------------------------------------------------------------


def test_atom_feed_per_language_with_enclosures(client, db):
    document = make_document(make_programme(), title_nn="Prosjektplan", title_en="Project plan")
    version = document.current_version
    add_version(document, pages=4, publish=False)
    with translation.override("en"):
        url = reverse("documents:feed")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}title").text == "Project plan"
    enclosure = entries[0].find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("href") == f"http://testserver{version.get_download_url()}"
    assert enclosure.get("length") == str(version.size)
    assert enclosure.get("type") == "application/pdf"

    with translation.override("nn"):
        nynorsk = ElementTree.fromstring(client.get(reverse("documents:feed")).content)
    assert nynorsk.find(f"{ATOM}entry/{ATOM}title").text == "Prosjektplan"


# --- deletion and check_files --------------------------------------------------------


def files_in(media_root):
    return sorted(path for path in (media_root / "documents").rglob("*") if path.is_file())


@pytest.mark.django_db(transaction=True)
def test_deleting_a_document_removes_files_only_after_commit(media_root):
    document = make_document()
    document_id = document.pk
    add_version(document)
    assert len(files_in(media_root)) == 2

    with pytest.raises(RuntimeError), transaction.atomic():
        document_delete(document=document)
        raise RuntimeError("roll back")
    assert Document.objects.filter(pk=document_id).exists()
    assert len(files_in(media_root)) == 2

    document = Document.objects.get(pk=document_id)
    with transaction.atomic():
        document_delete(document=document)
        assert len(files_in(media_root)) == 2, "files must outlive the open transaction"
    assert files_in(media_root) == []
    assert DocumentVersion.objects.count() == 0


def test_check_files_passes_when_everything_matches(db, media_root):
    make_document()
    call_command("check_files", stdout=open("/dev/null", "w"))


def test_check_files_reports_orphans_and_missing_files(db, media_root, capsys):
    kept = make_document().current_version
    lost = make_document(file_bytes=make_pdf(pages=2)).current_version
    (media_root / lost.file.name).unlink()
    (media_root / "documents" / "stray.pdf").write_bytes(b"%PDF-")
    with pytest.raises(CommandError) as failed:
        call_command("check_files")
    output = capsys.readouterr().out
    assert "File without a version: documents/stray.pdf" in output
    assert f"Version without its file: {lost.file.name}" in output
    assert kept.file.name not in output
    assert failed.value.returncode == 1


def test_upgrading_checks_existing_pdfs_for_active_content(transactional_db, media_root):
    before = [("documents", "0004_ordering_without_joins")]
    after = [("documents", "0005_version_active_content")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    document = apps.get_model("documents", "Document").objects.create(
        title="Plan", title_nn="Plan", slug="plan"
    )
    OldVersion = apps.get_model("documents", "DocumentVersion")
    storage = OldVersion._meta.get_field("file").storage
    files = {
        "plain": make_pdf(),
        "active": make_active_pdf(catalog=b"/OpenAction << /S /Launch /F (calc.exe) >>"),
        "broken": b"%PDF-1.7 not really",
    }
    for name, data in files.items():
        OldVersion.objects.create(
            document=document,
            file=storage.save(f"documents/{name}.pdf", ContentFile(data)),
            original_filename=f"{name}.pdf",
            content_type="application/pdf",
            size=len(data),
            sha256=name,
            is_published=False,
        )

    try:
        MigrationExecutor(connection).migrate(after)
        flags = dict(DocumentVersion.objects.values_list("original_filename", "has_active_content"))
    finally:
        # Leave the database as every other test expects it: fully migrated.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # A file that can no longer be checked is treated as unsafe to show.
    assert flags == {"plain.pdf": False, "active.pdf": True, "broken.pdf": True}


# --- the admin -------------------------------------------------------------------------


def test_admin_pages_render_with_counts(admin_client):
    document = make_document()
    version = document.current_version
    DocumentVersion.objects.filter(pk=version.pk).update(download_count=41)
    change = admin_client.get(reverse("admin:documents_document_change", args=[document.pk]))
    assert change.status_code == 200
    assert b"41" in change.content
    for url in (
        reverse("admin:documents_document_changelist"),
        reverse("admin:documents_documentversion_changelist"),
        reverse("admin:documents_documentversion_change", args=[version.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse("admin:documents_documentversion_add")).status_code == 403


def test_staff_can_open_an_unpublished_version_without_counting_it(admin_client):
    document = make_document()
    draft = add_version(document, publish=False)
    response = admin_client.get(reverse("admin:documents_documentversion_file", args=[draft.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == draft.file.open("rb").read()
    draft.refresh_from_db()
    assert draft.download_count == 0


def test_publishing_a_draft_in_the_admin_stamps_it(admin_client):
    document = make_document()
    draft = add_version(document, publish=False)
    url = reverse("admin:documents_documentversion_change", args=[draft.pk])
    response = admin_client.post(url, {"note_nn": "Vedteken", "is_published": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert Document.objects.get(pk=document.pk).current_version == draft


def test_admin_delete_keeps_files_until_commit(admin_client, media_root):
    document = make_document()
    name = document.current_version.file.name
    url = reverse("admin:documents_document_delete", args=[document.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    # The test wraps everything in a transaction that never commits, so the file stays.
    assert (media_root / name).exists()
