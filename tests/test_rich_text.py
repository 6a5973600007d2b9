"""Rich texts: only the allow-list is stored or shown, and internal links follow their object."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_prose_editor.config import allowlist_from_extensions

from documents.models import Document
from hallingdal import richtext
from hallingdal.link_picker import broken_link_notes
from programme.models import Municipality, Phase, Programme
from programme.richtext import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    EDITOR_EXTENSIONS,
    clean_html,
    paragraphs_in_markup,
    plain_text,
)
from tests.factories import make_document, make_municipality, make_phase, make_programme

pytestmark = pytest.mark.django_db

HOSTILE = {
    "script": '<p>A</p><script>alert("x")</script>',
    "event handler": '<p onclick="alert(1)" onmouseover="alert(2)">A</p>',
    "javascript address": '<p><a href="javascript:alert(1)">A</a></p>',
    "javascript address, spaced and mixed case": '<p><a href=" JaVaScRiPt:alert(1)">A</a></p>',
    "data address": '<p><a href="data:text/html;base64,PHNjcmlwdD4=">A</a></p>',
    "style": '<p style="position:fixed;top:0">A</p><style>p{display:none}</style>',
    "iframe": '<p>A</p><iframe src="https://example.org"></iframe>',
    "form": '<form action="https://example.org"><input name="pin"><button>A</button></form>',
    "image with error handler": '<p><img src="x" onerror="alert(1)">A</p>',
    "svg with script": "<p>A</p><svg><script>alert(1)</script></svg>",
}
FORBIDDEN = ("<script", "onclick", "onmouseover", "onerror", "javascript:", "data:", "style",
             "<iframe", "<form", "<input", "<img", "<svg", "alert")  # fmt: skip


def assert_clean(text):
    lowered = text.lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in lowered, (forbidden, text)


@pytest.mark.parametrize("case", HOSTILE)
def test_the_orm_never_stores_what_the_allow_list_does_not_permit(case):
    # save(), bulk_create() and update() all clean, in every language.
    programme = make_programme(body_nn=HOSTILE[case], body_en=HOSTILE[case])
    Programme.objects.bulk_create(
        [Programme(title_nn="Bulk", slug=f"bulk-{case[:5]}", summary_nn="S", goal_nb=HOSTILE[case])]
    )
    Phase.objects.filter(pk=make_phase(programme).pk).update(outcome_nb=HOSTILE[case])
    stored = [
        *Programme.objects.values_list("body_nn", "body_en", "goal_nb"),
        *Phase.objects.values_list("outcome_nb"),
    ]
    for value in (value for row in stored for value in row):
        assert_clean(value or "")
    # What was text stays.
    assert "A" in Programme.objects.get(pk=programme.pk).body_nn


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nn", "nb", "en"])
def test_saving_in_any_language_leaves_an_empty_translation_empty(language):
    programme = make_programme(body_nn="<p>Berre på nynorsk.</p>", body_en="")
    with translation.override(language):
        programme.save()
    stored = Programme.objects.values("body_nn", "body_nb", "body_en").get(pk=programme.pk)
    assert stored["body_nn"] == "<p>Berre på nynorsk.</p>"
    assert not stored["body_en"] and not stored["body_nb"]


@pytest.mark.parametrize("case", HOSTILE)
def test_the_admin_form_never_stores_what_the_allow_list_does_not_permit(case):
    from tests.test_cache import admin_change

    editor = User.objects.create_superuser("rich", "rich@example.invalid", None)
    staff = Client()
    staff.force_login(editor)
    municipality = Municipality.objects.create(number="9101", name="Prøvekommune", slug="prove")
    admin_change(staff, municipality, {"description_nn": HOSTILE[case]})
    municipality.refresh_from_db()
    assert_clean(municipality.description_nn)


def test_a_page_never_shows_what_the_allow_list_does_not_permit(client):
    # Even a text written past the ORM (raw SQL, an old backup) is cleaned when shown.
    programme = make_programme()
    Programme.objects.filter(pk=programme.pk).update(body_nn="<p>Trygt</p>")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Programme._meta.db_table} SET body_nn = %s WHERE id = %s",
            ['<p>Trygt</p><script>alert(1)</script><p onclick="x()">B</p>', programme.pk],
        )
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "alert(1)" not in page and "onclick" not in page
    assert "<p>Trygt</p><p>B</p>" in page


def test_what_editors_write_is_kept():
    text = (
        "<h2>Mål</h2><p><strong>Feit</strong> og <em>kursiv</em><br>ny linje</p>"
        "<ul><li>ein</li></ul><ol><li>to</li></ol>"
        '<p><a href="https://www.regjeringen.no/">KMD</a> '
        '<a href="mailto:post@example.no">e</a></p>'
    )
    assert clean_html(text) == text


def test_the_editor_offers_exactly_what_the_cleaner_keeps():
    # The package's own reading of our editor configuration, our extensions included.
    offered = allowlist_from_extensions(EDITOR_EXTENSIONS)
    assert offered["tags"] == ALLOWED_TAGS
    for tag, attributes in ALLOWED_ATTRIBUTES.items():
        assert attributes <= offered["attributes"][tag], tag
    assert offered["url_schemes"] | {"http", "https"} == ALLOWED_SCHEMES


def test_a_table_arriving_from_elsewhere_keeps_its_words_apart():
    # The editor offers no tables; one pasted past it (an import) becomes paragraphs.
    table = (
        "<table><thead><tr><th>Fase</th><th>Ramme</th></tr></thead>"
        '<tbody><tr><td colspan="2">1</td></tr></tbody></table>'
    )
    assert clean_html(table) == "<p>Fase</p><p>Ramme</p><p>1</p>"


def test_text_pasted_from_word_and_google_docs_arrives_clean():
    word = (
        '<p class="MsoNormal" style="margin:0cm"><b><span style="font-size:12pt">Tilskot'
        "</span></b><o:p></o:p></p><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>"
        "</o:OfficeDocumentSettings></xml><![endif]--><h1>Overskrift</h1>"
    )
    assert clean_html(word) == "<p><strong>Tilskot</strong></p><h2>Overskrift</h2>"
    docs = (
        '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b">'
        '<p dir="ltr" style="line-height:1.38"><span style="font-size:11pt">Fase 2 '
        '<span style="font-weight:700">startar</span></span></p></b>'
    )
    assert clean_html(docs) == "<p>Fase 2 startar</p>"


def test_internal_links_show_the_current_address_in_the_visitors_language(client):
    programme = make_programme(slug="gammal")
    phase = make_phase(programme, number=2)
    document = make_document(programme, slug="plan")
    make_programme(
        slug="lenkjer",
        body_nn=(
            f'<p><a href="internal:phase/{phase.pk}">Fasen</a>, '
            f'<a href="internal:document/{document.pk}">planen</a> og '
            f'<a href="internal:programme/{programme.pk}">programmet</a>.</p>'
        ),
    )
    programme.slug = "ny"
    programme.save()
    with translation.override("en"):
        page = client.get(reverse("programme:programme_detail", args=["lenkjer"])).content.decode()
    assert '<a href="/en/programmes/ny/phases/2/">Fasen</a>' in page
    assert '<a href="/en/documents/plan/download/">planen</a>' in page
    assert '<a href="/en/programmes/ny/">programmet</a>' in page
    assert "internal:" not in page


def test_links_to_unpublished_or_deleted_objects_are_shown_as_words(client):
    hidden = make_programme(slug="skjult", is_published=False)
    gone = make_document(slug="borte")
    gone_pk = gone.pk
    Document.objects.filter(pk=gone_pk).delete()
    text = (
        f'<p><a href="internal:programme/{hidden.pk}">Skjult</a> og '
        f'<a href="internal:document/{gone_pk}">borte</a></p>'
    )
    assert richtext.render(text) == "<p>Skjult og borte</p>"
    assert richtext.broken_links(text) == [("document", gone_pk), ("programme", hidden.pk)]


def test_headings_start_below_the_section_they_are_shown_in():
    text = "<h2>Del</h2><h3>Underdel</h3><p>x</p>"
    assert richtext.render(text) == text
    assert richtext.render(text, top_heading=3) == "<h3>Del</h3><h4>Underdel</h4><p>x</p>"


def test_search_feeds_and_meta_descriptions_get_words_not_markup(client):
    document = make_document(
        slug="ord",
        description_nn=(
            "<h2>Om planen</h2><p>Planen &amp; budsjettet for <strong>fase 2</strong>.</p>"
        ),
    )
    assert plain_text(document.description_nn) == "Om planen Planen & budsjettet for fase 2."
    page = client.get(document.get_absolute_url()).content.decode()
    assert (
        '<meta name="description" content="Om planen Planen &amp; budsjettet for fase 2.">' in page
    )
    feed = client.get(reverse("documents:feed")).content.decode()
    assert "&lt;strong&gt;" not in feed and "Planen &amp;amp; budsjettet" not in feed
    results = client.get(reverse("search"), {"q": "budsjettet"}).content.decode()
    assert "&lt;p&gt;" not in results and "<strong>fase 2</strong>" not in results


def test_the_data_migration_turns_paragraphs_into_markup_in_every_language():
    programme = make_programme()
    # Written past the field, as the texts were before the migration.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Programme._meta.db_table} SET body_nn = %s, body_en = %s WHERE id = %s",
            ["Fyrste & andre\n\nTredje\nlinje", "One <two>", programme.pk],
        )
    paragraphs_in_markup(apps.get_app_config("programme"), {"programme": ["body"]})
    programme.refresh_from_db()
    assert programme.body_nn == "<p>Fyrste &amp; andre</p><p>Tredje<br>linje</p>"
    assert programme.body_en == "<p>One &lt;two&gt;</p>"
    # Running it again changes nothing.
    paragraphs_in_markup(apps.get_app_config("programme"), {"programme": ["body"]})
    programme.refresh_from_db()
    assert programme.body_nn == "<p>Fyrste &amp; andre</p><p>Tredje<br>linje</p>"


def test_the_loader_links_the_project_plan_and_leaves_the_press_release_as_text(client):
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    plan = Document.objects.get(kind="project_plan")
    programme = Programme.objects.get()
    for code in ("nn", "nb", "en"):
        assert f'<a href="internal:document/{plan.pk}">' in getattr(programme, f"body_{code}")
    with translation.override("en"):
        page = client.get(programme.get_absolute_url()).content.decode()
        phase_page = client.get(programme.phases.get(number=2).get_absolute_url()).content.decode()
        assert f'<a href="{plan.get_download_url()}">project plan</a>' in page
    assert "press release" in phase_page
    assert "press release</a>" not in phase_page


@pytest.fixture
def editor_client():
    user = User.objects.create_user("skrivar", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktørar"))
    client = Client()
    client.force_login(user)
    return client


NOTICE = "Lenkjer som besøkjande ikkje kan følgje"


def change_form(client, obj):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_change_form_names_links_visitors_cannot_follow(editor_client):
    programme = make_programme(title_nn="Vekst")
    hidden = make_phase(programme, number=2, title_nn="Tiltak", is_published=False)
    gone = make_document(programme, title_nn="Gammal plan")
    gone_pk = gone.pk
    Document.objects.filter(pk=gone_pk).delete()
    fine = make_document(programme, title_nn="Prosjektplan")
    programme.body_nb = (
        f'<p>Sjå <a href="internal:phase/{hidden.pk}">fase <strong>to</strong></a> og '
        f'<a href="internal:document/{fine.pk}">planen</a>.</p>'
    )
    programme.save()
    first = make_phase(programme, number=1, title_nn="Kunnskap")
    first.outcome_en = f'<p><a href="internal:document/{gone_pk}">the old plan</a></p>'
    first.save()

    page = change_form(editor_client, programme)
    notice = page[page.index(NOTICE) : page.index("</section>")]
    assert page.index(NOTICE) < page.index('id="programme_form"')
    assert (
        "<strong>Tekst, fana NB:</strong> «fase to» lenkjer til fase "
        "«Fase 2: Tiltak (Vekst)», som ikkje er publisert."
    ) in notice
    # The phase inline's texts are on the same form, named by their phase.
    assert (
        f"<strong>Fase 1: Kunnskap – Resultat, fana EN:</strong> «the old plan» lenkjer til "
        f"dokument nummer {gone_pk}, som er sletta."
    ) in notice
    assert "planen" not in notice
    # The phase's own form names only the field and the tab.
    assert "<strong>Resultat, fana EN:</strong> «the old plan»" in change_form(editor_client, first)


def test_no_notice_when_every_link_works(editor_client, hallingdal):
    plan = Document.objects.get(kind="project_plan")
    assert f"internal:document/{plan.pk}" in hallingdal.body_nn
    assert NOTICE not in change_form(editor_client, hallingdal)
    assert NOTICE not in change_form(editor_client, plan)


def test_every_kind_of_object_with_texts_gets_the_notice(editor_client):
    hidden = make_programme(is_published=False)
    link = f'<p><a href="internal:programme/{hidden.pk}">skjult</a></p>'
    municipality = make_municipality(description_en=link)
    document = make_document(description_nn=link)
    for obj, place in ((municipality, "Skildring, fana EN"), (document, "Skildring, fana NN")):
        page = change_form(editor_client, obj)
        assert f"<strong>{place}:</strong> «skjult» lenkjer til program" in page


def test_the_notice_costs_the_same_queries_however_many_links_are_broken():
    programme = make_programme()

    def queries(count):
        hidden = [make_phase(programme, is_published=False) for _ in range(count)]
        programme.body_nn = "".join(
            f'<p><a href="internal:phase/{phase.pk}">f</a><a href="internal:document/{9000 + n}">'
            f"d</a></p>"
            for n, phase in enumerate(hidden)
        )
        programme.save()
        with CaptureQueriesContext(connection) as captured:
            notes = broken_link_notes([programme, *hidden])
        assert len(notes) == 2 * count
        return len(captured)

    assert queries(1) == queries(5)
