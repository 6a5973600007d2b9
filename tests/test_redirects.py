"""Addresses keep working: a renamed page redirects from every address it had."""

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document
from hallingdal.models import Redirect
from programme.models import Municipality, Programme
from tests.factories import make_document, make_municipality, make_phase, make_programme
from tests.test_cache import admin_change, admin_post, cache_state

LANGUAGES = ["nn", "nb", "en"]
EDITORS = "Redaktørar"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("redirect-test", "redirect@example.invalid", password=None)


@pytest.fixture
def staff_client(staff):
    # A client of its own: the visitor's client must carry no session cookie.
    staff_client = Client()
    staff_client.force_login(staff)
    return staff_client


@pytest.fixture
def editor_client(db):
    editor = User.objects.create_user("redirect-editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    editor_client = Client()
    editor_client.force_login(editor)
    return editor_client


@pytest.fixture
def programme(db):
    programme = make_programme(slug="gamal-adresse", title_nn="Vekst i dalen")
    make_phase(programme, number=1)
    return programme


def rename(obj, slug):
    obj.slug = slug
    obj.save()


def assert_redirects(client, address, location, **extra):
    response = client.get(address, **extra)
    assert response.status_code == 301, f"{address} gave {response.status_code}"
    assert response["Location"] == location
    return response


def follow(client, address, limit=10):
    """The addresses a browser goes through from `address`, and the last status."""
    seen = [address]
    for _ in range(limit):
        response = client.get(address)
        if response.status_code not in (301, 302):
            return seen, response.status_code
        address = response["Location"]
        assert address not in seen, f"Redirect loop: {seen + [address]}"
        seen.append(address)
    pytest.fail(f"More than {limit} redirects: {seen}")


# --- The old address redirects, everywhere below it, in every language ------------------------


@pytest.mark.django_db
def test_a_renamed_programme_redirects_from_its_old_address_in_every_language(client, programme):
    rename(programme, "ny-adresse")

    for language in LANGUAGES:
        response = assert_redirects(
            client, f"/{language}/programmes/gamal-adresse/", f"/{language}/programmes/ny-adresse/"
        )
        assert client.get(response["Location"]).status_code == 200
        # A phase below it, with the query string kept.
        assert_redirects(
            client,
            f"/{language}/programmes/gamal-adresse/phases/1/?utm_source=plakat&page=2",
            f"/{language}/programmes/ny-adresse/phases/1/?utm_source=plakat&page=2",
        )
    assert client.get("/nn/programmes/ny-adresse/phases/1/").status_code == 200


@pytest.mark.django_db
def test_a_renamed_programme_redirects_through_the_admin_too(client, staff_client, programme):
    admin_change(staff_client, programme, {"slug": "ny-adresse"})

    for language in LANGUAGES:
        assert_redirects(
            client, f"/{language}/programmes/gamal-adresse/", f"/{language}/programmes/ny-adresse/"
        )
    redirect = Redirect.objects.get()
    assert redirect.old_path == "/programmes/gamal-adresse/"
    assert redirect.target == programme


@pytest.mark.django_db
def test_a_renamed_documents_downloads_redirect_with_the_query_string(client, programme):
    document = make_document(programme, slug="prosjektplan-2015")
    version = document.versions.get()
    rename(document, "prosjektplan")

    assert_redirects(client, "/nn/documents/prosjektplan-2015/", "/nn/documents/prosjektplan/")
    response = assert_redirects(
        client,
        "/en/documents/prosjektplan-2015/download/?inline",
        "/en/documents/prosjektplan/download/?inline",
    )
    download = client.get(response["Location"])
    assert download.status_code == 200
    b"".join(download.streaming_content)
    assert_redirects(
        client,
        f"/nb/documents/prosjektplan-2015/versions/{version.pk}/download/",
        f"/nb/documents/prosjektplan/versions/{version.pk}/download/",
    )


@pytest.mark.django_db
def test_a_renamed_municipality_redirects(client):
    municipality = make_municipality(slug="nes")
    rename(municipality, "nesbyen")
    assert_redirects(client, "/nn/municipalities/nes/", "/nn/municipalities/nesbyen/")


@pytest.mark.django_db
def test_a_head_request_is_redirected_too(client, programme):
    rename(programme, "ny-adresse")
    response = client.head("/nn/programmes/gamal-adresse/")
    assert response.status_code == 301
    assert response["Location"] == "/nn/programmes/ny-adresse/"


@pytest.mark.django_db
def test_an_address_below_that_the_page_does_not_have_stays_a_404(client, programme):
    rename(programme, "ny-adresse")
    assert client.get("/nn/programmes/gamal-adresse/no-such-part/").status_code == 404
    assert client.get("/nn/programmes/gamal-adressex/").status_code == 404


# --- Chains collapse, and an address can be taken back ------------------------------------------


@pytest.mark.django_db
def test_a_chain_of_renames_leads_straight_to_the_current_address(client, programme):
    rename(programme, "andre")
    rename(programme, "tredje")

    assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/tredje/")
    assert_redirects(client, "/en/programmes/andre/phases/1/", "/en/programmes/tredje/phases/1/")
    assert Redirect.objects.count() == 2


@pytest.mark.django_db
def test_changing_back_removes_the_redirect_and_serves_the_old_address(
    client, staff_client, programme
):
    rename(programme, "andre")
    rename(programme, "tredje")
    # Through the admin: the slug validation lets the page take back its own address.
    admin_change(staff_client, programme, {"slug": "gamal-adresse"})

    assert not Redirect.objects.filter(old_path="/programmes/gamal-adresse/").exists()
    response = client.get("/nn/programmes/gamal-adresse/")
    assert response.status_code == 200
    assert "Vekst i dalen" in response.content.decode()
    assert_redirects(client, "/nn/programmes/andre/", "/nn/programmes/gamal-adresse/")
    assert_redirects(client, "/nn/programmes/tredje/", "/nn/programmes/gamal-adresse/")
    for address in ["/nn/programmes/andre/", "/nn/programmes/tredje/phases/1/"]:
        assert follow(client, address)[1] == 200


@pytest.mark.django_db
def test_a_redirect_tells_browsers_to_ask_again_so_a_taken_back_address_never_loops(
    client, programme
):
    rename(programme, "andre")
    response = assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/andre/")
    # A browser keeps a 301 without a lifetime for ever; after the page takes
    # back gamal-adresse, it would go gamal-adresse -> andre -> gamal-adresse...
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_page_that_took_an_address_without_signals_never_sends_visitors_round(client, programme):
    other = make_programme(slug="annan")
    make_phase(other, number=1)
    rename(programme, "ny-adresse")
    rename(other, "annan-ny")
    # Writes that send no signals (and so skip every check) give each page the
    # address the other one's redirect leaves from.
    Programme.objects.filter(pk=programme.pk).update(slug="annan")
    Programme.objects.filter(pk=other.pk).update(slug="gamal-adresse")

    for address in ["/nn/programmes/annan/phases/9/", "/nn/programmes/gamal-adresse/phases/9/"]:
        assert follow(client, address)[1] == 404
    # Each page's own phases are still there.
    assert client.get("/nn/programmes/annan/phases/1/").status_code == 200
    assert client.get("/nn/programmes/gamal-adresse/phases/1/").status_code == 200


# --- An address an old page redirects from is taken ---------------------------------------------


@pytest.mark.django_db
def test_a_new_programme_cannot_take_a_redirected_address_in_the_admin(staff_client, programme):
    rename(programme, "ny-adresse")
    response = staff_client.post(
        reverse("admin:programme_programme_add"),
        {
            "title_nn": "Eit nytt program",
            "summary_nn": "Nytt.",
            "slug": "gamal-adresse",
            "position": "0",
            "phases-TOTAL_FORMS": "0",
            "phases-INITIAL_FORMS": "0",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["slug"] == [
        "Adressa /programmes/gamal-adresse/ er oppteken: ho fører vidare til «Vekst i dalen» "
        "(program), som hadde adressa før. Vel eit anna adressenamn, eller slett "
        "vidaresendinga under Nettstaden › Vidaresendingar dersom den gamle adressa ikkje "
        "lenger skal føre dit."
    ]
    assert not Programme.objects.filter(title_nn="Eit nytt program").exists()
    assert "oppteken" in response.content.decode()


@pytest.mark.django_db
def test_another_existing_programme_cannot_take_a_redirected_address(programme):
    rename(programme, "ny-adresse")
    other = make_programme(slug="annan")
    other.slug = "gamal-adresse"
    with pytest.raises(ValidationError) as refused:
        other.full_clean()
    assert list(refused.value.message_dict) == ["slug"]
    # The page the redirect leads to may take its old address back.
    programme.slug = "gamal-adresse"
    programme.full_clean()


@pytest.mark.django_db
def test_the_orm_cannot_take_a_redirected_address_either(programme, english):
    rename(programme, "ny-adresse")
    with pytest.raises(ValidationError) as refused:
        make_programme(slug="gamal-adresse")
    message = refused.value.messages[0]
    assert "/programmes/gamal-adresse/" in message
    assert "“Vekst i dalen” (programme)" in message
    assert "Site › Redirects" in message
    other = make_programme(slug="annan")
    with pytest.raises(ValidationError):
        rename(other, "gamal-adresse")
    assert Programme.objects.get(pk=other.pk).slug == "annan"
    # The same slug in another kind of page is another address.
    make_municipality(slug="gamal-adresse")


@pytest.mark.django_db
def test_a_freed_address_can_be_taken(programme):
    rename(programme, "ny-adresse")
    Redirect.objects.get().delete()
    assert make_programme(slug="gamal-adresse").slug == "gamal-adresse"


# --- Unpublished and deleted pages --------------------------------------------------------------


@pytest.mark.django_db
def test_an_old_address_of_an_unpublished_page_answers_404_until_it_is_published_again(
    client, programme
):
    rename(programme, "ny-adresse")
    programme.is_published = False
    programme.save()
    assert client.get("/nn/programmes/gamal-adresse/").status_code == 404
    assert client.get("/nn/programmes/ny-adresse/").status_code == 404

    programme.is_published = True
    programme.save()
    assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/ny-adresse/")


@pytest.mark.django_db
def test_renaming_a_page_nobody_could_see_leaves_no_redirect(client):
    draft = make_programme(slug="utkast", is_published=False)
    rename(draft, "utkast-2")
    assert not Redirect.objects.exists()
    assert make_programme(slug="utkast").slug == "utkast"


@pytest.mark.django_db
def test_deleting_a_page_deletes_its_redirects(client, programme):
    rename(programme, "ny-adresse")
    programme.phases.all().delete()
    programme.delete()
    assert not Redirect.objects.exists()
    assert client.get("/nn/programmes/gamal-adresse/").status_code == 404


# --- The page cache -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_redirect_is_cached_like_a_page_and_never_stale(client, programme):
    rename(programme, "andre")
    first = assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/andre/")
    assert cache_state(first) == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/andre/")
    assert cache_state(second) == "hit"
    assert len(queries) == 0

    rename(programme, "tredje")
    third = assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/tredje/")
    assert cache_state(third) == "miss"


@pytest.mark.django_db
def test_a_redirect_with_a_query_string_is_not_cached(client, programme):
    rename(programme, "andre")
    for source in ["plakat", "epost"]:
        response = assert_redirects(
            client,
            f"/nn/programmes/gamal-adresse/?utm_source={source}",
            f"/nn/programmes/andre/?utm_source={source}",
        )
        assert cache_state(response) is None


def count_queries(client, address):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    return response.status_code, len(queries)


@pytest.mark.django_db
def test_the_lookup_adds_no_query_to_found_pages_and_one_to_a_404(settings, client, hallingdal):
    settings.PAGE_CACHE = False
    make_programme(slug="gamal-adresse").delete()
    pages = [hallingdal.get_absolute_url(), "/nn/", "/nn/documents/"]
    missing = "/nn/programmes/no-such-programme/"
    with_lookup = {address: count_queries(client, address) for address in [*pages, missing]}
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "hallingdal.redirects.RedirectMiddleware"
    ]
    # A new client, to load the middleware anew.
    without = {address: count_queries(Client(), address) for address in [*pages, missing]}

    for address in pages:
        assert with_lookup[address] == without[address], address
        assert with_lookup[address][0] == 200
    assert with_lookup[missing] == (404, without[missing][1] + 1)


# --- The sitemap ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sitemap_lists_only_current_addresses(client, programme):
    document = make_document(programme, slug="gamal-plan")
    municipality = make_municipality(slug="nes")
    rename(programme, "ny-adresse")
    rename(document, "ny-plan")
    rename(municipality, "nesbyen")

    sitemap = client.get("/sitemap.xml").content.decode()
    for language in LANGUAGES:
        assert f"/{language}/programmes/ny-adresse/</loc>" in sitemap
        assert f"/{language}/programmes/ny-adresse/phases/1/</loc>" in sitemap
        assert f"/{language}/documents/ny-plan/</loc>" in sitemap
        assert f"/{language}/municipalities/nesbyen/</loc>" in sitemap
    for old in ["gamal-adresse", "gamal-plan", "/nes/"]:
        assert old not in sitemap


# --- The admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_editors_may_view_add_change_and_delete_redirects(db):
    permissions = set(
        Group.objects.get(name=EDITORS)
        .permissions.filter(content_type__app_label="hallingdal")
        .values_list("codename", flat=True)
    )
    assert permissions == {"view_redirect", "add_redirect", "change_redirect", "delete_redirect"}


@pytest.mark.django_db
def test_an_editor_sees_and_searches_the_redirects(editor_client, programme):
    rename(programme, "ny-adresse")
    rename(make_municipality(slug="nes"), "nesbyen")

    page = editor_client.get(reverse("admin:hallingdal_redirect_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "/programmes/gamal-adresse/" in text
    assert reverse("admin:programme_programme_change", args=[programme.pk]) in text
    assert 'href="/nn/programmes/ny-adresse/"' in text
    assert "/municipalities/nes/" in text
    assert "Vidaresendingar" in text

    found = editor_client.get(reverse("admin:hallingdal_redirect_changelist"), {"q": "nes"})
    assert "/municipalities/nes/" in found.content.decode()
    assert "/programmes/gamal-adresse/" not in found.content.decode()


@pytest.mark.django_db
def test_an_editor_adds_a_redirect_by_hand_for_an_old_address(client, editor_client, programme):
    document = make_document(programme, slug="prosjektplan")
    admin_post(
        editor_client,
        reverse("admin:hallingdal_redirect_add"),
        {
            "old_path": "https://www.example.invalid/nb/documents/plan-2015/?x=1",
            "target_address": "https://www.example.invalid/nn/documents/prosjektplan/",
        },
    )
    redirect = Redirect.objects.get()
    assert redirect.old_path == "/documents/plan-2015/"
    assert redirect.target == document
    assert_redirects(
        client, "/en/documents/plan-2015/download/", "/en/documents/prosjektplan/download/"
    )

    # Its change page shows where it leads, and it can be pointed elsewhere.
    change = reverse("admin:hallingdal_redirect_change", args=[redirect.pk])
    assert "/documents/prosjektplan/" in editor_client.get(change).content.decode()
    history = reverse("admin:hallingdal_redirect_history", args=[redirect.pk])
    assert editor_client.get(history).status_code == 200
    admin_post(
        editor_client,
        change,
        {"old_path": "/documents/plan-2015/", "target_address": "/programmes/gamal-adresse/"},
    )
    assert_redirects(client, "/nn/documents/plan-2015/", "/nn/programmes/gamal-adresse/")


@pytest.mark.django_db
def test_an_address_from_before_the_language_prefixes_redirects_in_the_visitors_language(
    client, programme
):
    Redirect.objects.create(
        old_path="/byregionprogrammet.html",
        content_type=ContentType.objects.get_for_model(Programme),
        object_id=programme.pk,
    )
    response = client.get("/byregionprogrammet.html", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 301
    assert response["Location"] == "/en/programmes/gamal-adresse/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old_path", "target_address", "field", "message"),
    [
        (
            "/programmes/gamal-adresse/",
            "/programmes/gamal-adresse/",
            "old_path",
            "/programmes/gamal-adresse/ er adressa til «Vekst i dalen» no",
        ),
        ("/funding/", "/programmes/gamal-adresse/", "old_path", "er adressa til ei av sidene"),
        ("/", "/programmes/gamal-adresse/", "old_path", "Skriv den gamle adressa til ei side"),
        (
            "/programmes/borte/",
            "/programmes/finst-ikkje/",
            "target_address",
            "Adressa /programmes/finst-ikkje/ høyrer ikkje til noko program",
        ),
    ],
)
def test_a_redirect_by_hand_is_refused_with_a_message_in_nynorsk(
    editor_client, programme, old_path, target_address, field, message
):
    response = editor_client.post(
        reverse("admin:hallingdal_redirect_add"),
        {"old_path": old_path, "target_address": target_address},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors[field][0]
    assert not Redirect.objects.exists()


@pytest.mark.django_db
def test_an_editor_deletes_a_redirect_and_the_address_is_free_again(
    client, editor_client, programme
):
    rename(programme, "ny-adresse")
    assert_redirects(client, "/nn/programmes/gamal-adresse/", "/nn/programmes/ny-adresse/")
    redirect = Redirect.objects.get()
    delete = reverse("admin:hallingdal_redirect_delete", args=[redirect.pk])
    assert editor_client.get(delete).status_code == 200
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302

    assert not Redirect.objects.exists()
    # The cached 301 went with it.
    assert client.get("/nn/programmes/gamal-adresse/").status_code == 404
    assert make_programme(slug="gamal-adresse").slug == "gamal-adresse"


@pytest.mark.django_db
def test_the_redirects_admin_names_a_deleted_page(editor_client, programme):
    Redirect.objects.create(
        old_path="/programmes/borte/",
        content_type=ContentType.objects.get_for_model(Municipality),
        object_id=999_999,
    )
    page = editor_client.get(reverse("admin:hallingdal_redirect_changelist"))
    assert page.status_code == 200
    assert "/programmes/borte/" in page.content.decode()


@pytest.mark.django_db
def test_documents_and_municipalities_are_the_other_pages_that_redirect():
    from hallingdal.redirects import redirected_models

    assert set(redirected_models()) == {Programme, Municipality, Document}
