"""The search index: current after every save and deletion, rebuilt on demand, never the judge
of what is public."""

import io
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from documents.models import Document, DocumentVersion
from documents.services import version_create, version_save
from hallingdal import search
from hallingdal.models import SearchEntry
from programme.models import Municipality, Phase, Programme
from tests.factories import make_document, make_municipality, make_pdf, make_phase, make_programme
from tests.test_search import result_titles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These tests change content between requests without the admin."""
    settings.PAGE_CACHE = False


def found(client, query, language="nn"):
    return result_titles(client.get(f"/{language}/search/", {"q": query}))


def entries_of(obj):
    return SearchEntry.objects.filter(source=obj._meta.label_lower, object_id=obj.pk)


def add_version(document, text, *, publish=True):
    return version_create(
        document=document,
        uploaded_file=ContentFile(make_pdf(text=text), name="plan.pdf"),
        publish=publish,
    )


def test_each_language_has_an_entry_with_nynorsk_where_a_translation_is_empty():
    programme = make_programme(
        title_nn="Fjellbygder i vekst", title_en="Mountain villages", summary_nn="Stølar og vegar"
    )

    by_language = {entry.language: entry for entry in entries_of(programme)}

    assert sorted(by_language) == ["en", "nb", "nn"]
    assert by_language["nb"].title == "Fjellbygder i vekst"
    assert by_language["en"].title == "Mountain villages"
    assert by_language["en"].text == "Stølar og vegar"


def test_an_unpublished_object_is_never_found_even_with_an_entry(client):
    programme = make_programme(title_nn="Hemmeleg program")
    make_phase(programme, title_nn="Hemmeleg fase")
    make_municipality(name="Hemmeleg kommune")
    make_document(title_nn="Hemmeleg dokument")
    assert len(found(client, "hemmeleg")) == 4

    # QuerySet.update() sends no signals: the entries stay as they were.
    Programme.objects.update(is_published=False)
    Municipality.objects.update(is_published=False)
    DocumentVersion.objects.update(is_published=False)

    assert SearchEntry.objects.filter(title__startswith="Hemmeleg").count() == 4 * 3
    # The phase and the document are published themselves; the programme and
    # the versions they depend on are not.
    assert Phase.objects.get().is_published and Document.objects.get().is_published
    assert found(client, "hemmeleg") == []
    assert found(client, "Hemme") == []  # the title's partial match too


def test_an_edited_text_is_found_at_once_and_the_old_one_no_longer(client):
    programme = make_programme(title_nn="Fiskeprogram", summary_nn="Fiskevatn i fjellet")
    assert found(client, "fiskevatn") == ["Fiskeprogram"]

    programme.summary_nn = "Skiløyper i fjellet"
    programme.save()

    assert found(client, "skiløyper") == ["Fiskeprogram"]
    assert found(client, "fiskevatn") == []


def test_a_deleted_object_loses_its_entries(client):
    programme = make_programme(title_nn="Bruprogram")
    phase = make_phase(programme, title_nn="Brubygging")
    assert found(client, "brubygging") == ["Fase 1: Brubygging"]

    phase.delete()
    assert not entries_of(phase).exists()
    assert found(client, "brubygging") == []

    # Deleting a programme deletes its phases too, and their entries.
    other = make_phase(programme, title_nn="Brumåling")
    programme.delete()
    assert not entries_of(programme).exists() and not entries_of(other).exists()


def test_a_new_version_is_found_once_published_and_an_unpublished_one_never(client):
    document = make_document(title_nn="Årsmelding", file_bytes=make_pdf(text="Stølsvegen"))
    draft = add_version(document, "Seterdrift", publish=False)

    assert found(client, "seterdrift") == []
    assert found(client, "stølsvegen") == ["Årsmelding"]

    draft.is_published = True
    version_save(version=draft)
    # The current (newest published) version's text counts, the old one's no longer.
    assert found(client, "seterdrift") == ["Årsmelding"]
    assert found(client, "stølsvegen") == []

    draft.is_published = False
    version_save(version=draft)
    assert found(client, "seterdrift") == []
    assert found(client, "stølsvegen") == ["Årsmelding"]


def test_publishing_a_version_in_the_admin_makes_its_text_found(client, admin_client):
    document = make_document(title_nn="Vedtak")
    draft = add_version(document, "Kommunestyret", publish=False)
    assert found(client, "kommunestyret") == []

    url = reverse("admin:documents_documentversion_change", args=[draft.pk])
    response = admin_client.post(url, {"note_nn": "Vedteken", "is_published": "on"})

    assert response.status_code == 302
    assert found(client, "kommunestyret") == ["Vedtak"]


def test_a_rolled_back_save_leaves_the_entries_as_they_were():
    programme = make_programme(title_nn="Vegprogram")
    with pytest.raises(RuntimeError), transaction.atomic():
        programme.title_nn = "Noko anna"
        programme.save()
        raise RuntimeError

    assert set(entries_of(programme).values_list("title", flat=True)) == {"Vegprogram"}


def test_update_search_index_writes_what_saves_did_not_and_removes_leftovers(client):
    # bulk_create and update() send no signals, so the index knows nothing of these.
    Programme.objects.bulk_create(
        [Programme(title_nn="Massetest", slug="massetest", summary_nn="Grustak", is_published=True)]
    )
    programme = make_programme(title_nn="Skogprogram", summary_nn="Hogst")
    Programme.objects.filter(pk=programme.pk).update(summary_nn="Planting")
    SearchEntry.objects.create(source="programme.programme", object_id=999999, language="nn")
    SearchEntry.objects.create(source="gone.model", object_id=programme.pk, language="nn")
    assert found(client, "grustak") == [] and found(client, "planting") == []
    assert found(client, "hogst") == ["Skogprogram"]

    output = io.StringIO()
    call_command("update_search_index", stdout=output)

    assert "Wrote 6 search entries" in output.getvalue()
    assert found(client, "grustak") == ["Massetest"]
    assert found(client, "planting") == ["Skogprogram"]
    assert found(client, "hogst") == []
    assert not SearchEntry.objects.filter(object_id=999999).exists()
    assert not SearchEntry.objects.filter(source="gone.model").exists()

    # Running it again changes nothing.
    before = list(SearchEntry.objects.order_by("pk").values("source", "object_id", "title", "text"))
    call_command("update_search_index", stdout=io.StringIO())
    after = list(SearchEntry.objects.order_by("pk").values("source", "object_id", "title", "text"))
    assert after == before


def test_a_failing_index_is_logged_and_the_save_stands(caplog):
    programme = make_programme(title_nn="Gamalt namn")
    # Take the index table away inside this test's transaction: every write to it fails.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE hallingdal_searchentry RENAME TO searchentry_away")
    try:
        with caplog.at_level(logging.ERROR, logger="hallingdal.search_index"):
            programme.title_nn = "Nytt namn"
            programme.save()
            make_phase(programme, title_nn="Ny fase")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE searchentry_away RENAME TO hallingdal_searchentry")

    assert Programme.objects.get(pk=programme.pk).title_nn == "Nytt namn"
    assert Phase.objects.filter(title_nn="Ny fase").exists()
    assert "Could not index programme.programme" in caplog.text
    assert "Could not index programme.phase" in caplog.text


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_text_too_long_for_a_search_vector_is_logged_and_not_left_stale(client, caplog):
    document = make_document(title_nn="Skanna arkiv", file_bytes=make_pdf(text="Gamaltekst"))
    assert found(client, "gamaltekst") == ["Skanna arkiv"]
    version = document.versions.get()
    # More distinct words than PostgreSQL's search vector can hold (1 MB).
    version.text = " ".join(f"ord{n:06d}" for n in range(120_000))

    with caplog.at_level(logging.ERROR, logger="hallingdal.search_index"):
        version.save()

    assert "Could not index documents.document" in caplog.text
    assert "too long for tsvector" in caplog.text
    assert DocumentVersion.objects.get(pk=version.pk).text.startswith("ord000000")
    # Better not found than found by text the document no longer has.
    assert not entries_of(document).exists()
    assert found(client, "gamaltekst") == []
    assert client.get(document.get_absolute_url()).status_code == 200


def test_drafts_do_not_crowd_published_objects_out_of_the_results(client):
    for n in range(search.RESULTS_PER_KIND + 5):
        make_programme(slug=f"utkast-{n}", title_nn=f"Bygdebok {n}", is_published=False)
    make_programme(slug="publisert", title_nn="Anna", summary_nn="Om ei bygdebok")

    assert found(client, "bygdebok") == ["Anna"]


def test_cached_search_pages_are_not_served_after_a_rebuild(client, settings):
    settings.PAGE_CACHE = True
    Programme.objects.bulk_create(
        [Programme(title_nn="Massetest", slug="massetest", summary_nn="Grustak", is_published=True)]
    )
    client.get("/nn/search/", {"q": "grustak"})
    cached = client.get("/nn/search/", {"q": "grustak"})
    assert cached.headers["X-Page-Cache"] == "hit" and result_titles(cached) == []

    call_command("update_search_index", stdout=io.StringIO())

    assert found(client, "grustak") == ["Massetest"]
