"""The admin's front page: what needs an editor's attention, for the models they may change."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from documents.models import Document
from hallingdal import publishing
from hallingdal.admin_overview import SHOWN
from hallingdal.models import Action
from programme.models import Grant, Phase
from tests.factories import make_document, make_grant, make_phase, make_programme

EDITORS = "Redaktørar"
MAX_QUERIES = 20


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin-test", "admin@example.invalid", password=None)


@pytest.fixture
def editor(db):
    user = User.objects.create_user("redaktor", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


def index_page(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def section(page, key):
    """The HTML of one section of the overview, up to the next section or group."""
    start = page.index(f'id="overview-{key}"')
    ends = [page.find(marker, start + 1) for marker in ('class="overview-section"', "</section>")]
    return page[start : min(end for end in ends if end != -1)]


def change_url(obj, fragment=""):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return f"{url}#{fragment}" if fragment else url


def soon(**delta):
    return timezone.now() + datetime.timedelta(**delta)


# --- Drafts, scheduled publication, recent changes -----------------------------------------------


def test_drafts_of_published_pages_are_listed_newest_first(client, superuser):
    older, newer, untouched = make_programme(), make_programme(), make_programme()
    for programme, title in ((older, "Eldre utkast"), (newer, "Nyare utkast")):
        programme.title_nn = title
        publishing.draft_save(obj=programme, user=superuser)
    newer.title_nn = "Planlagt utkast"
    publishing.draft_save(obj=newer, user=superuser, go_live_at=soon(days=2))

    drafts = section(index_page(client, superuser), "drafts")
    assert drafts.index("Planlagt utkast") < drafts.index("Eldre utkast")
    assert f'href="{change_url(older)}"' in drafts
    assert f'href="{change_url(newer)}"' in drafts
    assert change_url(untouched) not in drafts
    assert "admin-test" in drafts


def test_scheduled_publication_lists_rows_that_change_by_themselves(client, superuser):
    coming = make_programme(title_nn="Kjem snart", publish_at=soon(days=1))
    going = make_phase(title_nn="Går snart", unpublish_at=soon(days=3))
    make_programme(title_nn="Alt publisert", publish_at=soon(days=-1))
    make_programme(title_nn="Ikkje publisert", is_published=False, publish_at=soon(days=1))

    scheduled = section(index_page(client, superuser), "scheduled")
    assert f'href="{change_url(coming, "id_publish_at")}"' in scheduled
    assert f'href="{change_url(going, "id_publish_at")}"' in scheduled
    assert "Kjem snart" in scheduled and "Går snart" in scheduled
    assert "Alt publisert" not in scheduled
    assert "Ikkje publisert" not in scheduled


def test_recent_changes_say_who_did_what(client, superuser, editor):
    programme = make_programme(title_nn="Endra program")
    publishing.object_save(obj=programme, user=editor)
    doomed = make_grant(programme, funder_nn="Sletta løyvar")
    publishing.object_delete(obj=doomed, user=editor, delete=doomed.delete)

    with translation.override("nn"):
        changes = section(index_page(client, superuser), "changes")
    assert f'<a href="{change_url(programme)}">Endra program' in changes
    assert "Lagra" in changes and "redaktor" in changes
    # A deleted object is named, without a link to a change form that is gone.
    assert "Sletta løyvar" in changes
    assert "/programme/grant/" not in changes
    assert "Sletta" in changes


# --- Texts missing in a language -----------------------------------------------------------------


def test_missing_translations_are_listed_field_by_field_with_the_tab(client, superuser):
    programme = make_programme(
        title_nb="Program", title_en="Programme", summary_nb="Samandrag", summary_en="Summary"
    )
    phase = make_phase(
        programme, title_nb="Fase", title_en="Phase", summary_nn="Kort", summary_nb="Kort"
    )
    grant = make_grant(programme, funder_nb="Fylkeskommunen", funder_en="The county")
    document = Document.objects.create(title_nn="Plan", slug="plan", title_nb="Plan")

    translations = section(index_page(client, superuser), "translations")
    assert f'href="{change_url(phase, "id_summary_en")}"' in translations
    assert change_url(phase, "id_summary_nb") not in translations
    # Nothing to fall back on: a text empty in Nynorsk is not "missing".
    assert change_url(phase, "id_body_en") not in translations
    assert f'href="{change_url(document, "id_title_en")}"' in translations
    assert change_url(document, "id_title_nb") not in translations
    assert change_url(programme) not in translations
    assert change_url(grant) not in translations


def test_the_language_tab_a_link_names_opens_in_the_change_form(client, superuser):
    # The tabs script reads the fragment; it must name the field's own element.
    phase = make_phase(title_en="")
    client.force_login(superuser)
    form = client.get(change_url(phase)).content.decode()
    assert 'id="id_title_en"' in form


# --- Content that needs an editor ----------------------------------------------------------------


def test_phases_in_progress_after_their_planned_end_are_listed(client, superuser):
    old = make_programme(planned_end_year=2017)
    ended = make_phase(old, title_nn="Slutta i fjor", status="active", ends_on=soon(days=-400))
    by_year = make_phase(old, title_nn="Etter planen", status="active")
    make_phase(old, title_nn="Ferdig", status="completed", ends_on=soon(days=-400))
    make_phase(title_nn="Held fram", status="active", ends_on=soon(days=400))

    phases = section(index_page(client, superuser), "phases")
    assert f'href="{change_url(ended, "id_status")}"' in phases
    assert f'href="{change_url(by_year, "id_status")}"' in phases
    assert "2017" in phases
    assert "Ferdig" not in phases and "Held fram" not in phases
    assert set(Phase.objects.overdue()) == {p for p in Phase.objects.all() if p.is_overdue}


def test_pictures_without_a_description_and_grants_without_a_date(client, superuser):
    bare = make_programme(title_nn="Utan tekst", image="programmes/a.jpg")
    make_programme(title_nn="Med tekst", image="programmes/b.jpg", image_description_nn="Ei elv")
    make_programme(title_nn="Utan bilete")
    undated = make_grant(funder_nn="Udatert løyvar")
    make_grant(funder_nn="Datert løyvar", awarded_on=datetime.date(2015, 6, 1))

    page = index_page(client, superuser)
    pictures = section(page, "pictures")
    assert f'href="{change_url(bare, "id_image_description_nn")}"' in pictures
    assert "Med tekst" not in pictures and "Utan bilete" not in pictures
    grants = section(page, "grants")
    assert f'href="{change_url(undated, "id_awarded_on")}"' in grants
    assert "Datert løyvar" not in grants


def test_documents_whose_file_is_missing_or_damaged(client, superuser):
    missing, damaged, intact = make_document(), make_document(), make_document()
    missing.versions.get().file.delete(save=False)
    damaged_file = damaged.versions.get().file
    with damaged_file.storage.open(damaged_file.name, "wb") as out:
        out.write(b"cut short")

    files = section(index_page(client, superuser), "files")
    assert f'href="{change_url(missing)}"' in files
    assert f'href="{change_url(damaged)}"' in files
    assert change_url(intact) not in files


def test_the_file_check_is_kept_for_a_few_minutes(client, superuser):
    document = make_document()
    assert change_url(document) not in section(index_page(client, superuser), "files")
    document.versions.get().file.delete(save=False)
    # Not read again on the next view...
    assert change_url(document) not in section(index_page(client, superuser), "files")
    # ...but once the kept result has expired.
    cache.clear()
    assert change_url(document) in section(index_page(client, superuser), "files")


def test_the_index_opens_when_the_file_storage_cannot_be_read(client, superuser, monkeypatch):
    document = make_document()
    storage = document.versions.get().file.storage

    def unreadable(path):
        raise PermissionError(path)

    monkeypatch.setattr(storage, "listdir", unreadable)
    files = section(index_page(client, superuser), "files")
    assert "<li>" not in files
    # Nothing was kept: the next view tries again.
    monkeypatch.undo()
    document.versions.get().file.delete(save=False)
    assert change_url(document) in section(index_page(client, superuser), "files")


def test_links_that_visitors_cannot_follow(client, superuser):
    hidden = Document.objects.create(title_nn="Løynd plan", slug="loynd", is_published=False)
    shown = make_programme(title_nn="Synleg")
    phase = make_phase(
        title_nn="Lenkjefase",
        body_en=f'<p><a href="internal:document/{hidden.pk}">the plan</a></p>',
        body_nb='<p><a href="internal:programme/999999">gone</a></p>',
        outcome_nn=f'<p><a href="internal:programme/{shown.pk}">fine</a></p>',
    )

    links = section(index_page(client, superuser), "links")
    assert f'href="{change_url(phase, "id_body_en")}"' in links
    assert "Løynd plan" in links
    assert f'href="{change_url(phase, "id_body_nb")}"' in links
    assert "999999" in links
    assert change_url(phase, "id_outcome_nn") not in links


def test_each_list_shows_ten_and_counts_the_rest(client, superuser):
    programme = make_programme()
    Grant.objects.bulk_create(
        Grant(programme=programme, funder_nn=f"Løyvar {n}", amount=Decimal(1)) for n in range(13)
    )
    grants = section(index_page(client, superuser), "grants")
    assert grants.count("<li>") == SHOWN
    assert "(13)" in grants
    assert "3" in grants.split("</ul>")[-1]


# --- Who sees what -------------------------------------------------------------------------------


def test_an_editor_sees_only_rows_of_models_they_may_change(client, db):
    user = User.objects.create_user("loyvar", password=None, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="programme", codename__in=["view_grant", "change_grant"]
        )
    )
    programme = make_programme(planned_end_year=2017)
    phase = make_phase(programme, status="active", title_nb="", summary_nn="Kort")
    grant = make_grant(programme, funder_nb="")
    publishing.object_save(obj=phase, user=user)

    page = index_page(client, user)
    assert change_url(grant, "id_awarded_on") in section(page, "grants")
    assert change_url(grant, "id_funder_nb") in section(page, "translations")
    assert change_url(phase) not in page
    assert 'id="overview-phases"' not in page
    assert 'id="overview-files"' not in page


def test_the_overview_is_in_nynorsk_for_a_nynorsk_editor(client, editor):
    phase = make_phase(status="active", ends_on=datetime.date(2017, 12, 31), title_nb="")
    publishing.object_save(obj=phase, user=editor)
    page = index_page(client, editor)
    assert '<html lang="nn"' in page
    assert f"Fase {phase.number}: {phase.title_nn}" in section(page, "phases")
    assert "Lagra" in section(page, "changes")
    assert "desember 2017" in section(page, "phases")
    assert "Lenkjer som besøkjande ikkje kan følgje" in section(page, "links")


# --- A fixed number of queries -------------------------------------------------------------------


def needing_attention(count, user):
    """`count` rows for every section, so every query returns rows."""
    for n in range(count):
        programme = make_programme(
            planned_end_year=2017, image="programmes/x.jpg", publish_at=soon(days=1)
        )
        phase = make_phase(
            programme,
            status="active",
            body_nn=f'<p><a href="internal:document/{900000 + n}">borte</a></p>',
        )
        make_grant(programme)
        document = make_document(programme)
        document.versions.get().file.delete(save=False)
        programme.title_nn = f"Utkast {n}"
        publishing.draft_save(obj=programme, user=user)
        publishing.object_save(obj=phase, user=user, action=Action.SAVED)


def index_queries(client):
    cache.clear()  # the file check too: count it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(queries)


def test_the_index_takes_the_same_few_queries_with_few_and_many_rows(
    client, editor, hallingdal, django_assert_max_num_queries
):
    client.force_login(editor)
    needing_attention(1, editor)
    few = index_queries(client)

    call_command("generate_bulk_data", stdout=open("/dev/null", "w"))
    needing_attention(SHOWN + 5, editor)
    many = index_queries(client)

    assert few == many
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get(reverse("admin:index")).content.decode()
    for key in ["drafts", "scheduled", "translations", "phases", "files", "pictures", "grants"]:
        assert section(page, key).count("<li>") >= SHOWN, key
