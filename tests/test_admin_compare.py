"""Comparing versions, restoring one and recovering deleted objects, in the admin."""

import datetime
import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from hallingdal import publishing
from hallingdal.models import Action, Draft
from programme.models import Grant, Municipality, Phase, Programme
from tests.factories import make_grant, make_municipality, make_phase, make_programme
from tests.form_data import form_data

EDITORS = "Redaktørar"


@pytest.fixture
def editor(db):
    user = User.objects.create_user(
        "kari", first_name="Kari", last_name="Nordmann", password=None, is_staff=True
    )
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def client(client, editor):
    client.force_login(editor)
    return client


def admin_url(name, model, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def save(client, obj, **changes):
    """Save `obj` through its change form, as an editor does."""
    url = admin_url("change", type(obj), obj.pk)
    response = client.post(url, {**form_data(client.get(url)), **changes, "_save": "Lagre"})
    assert response.status_code == 302, response.context and response.context["errors"]


def compare(client, obj, older, newer):
    return client.get(compare_url_for(obj, older, newer))


def newest_version(obj):
    return publishing.history(obj).first()


def diff_rows(page):
    """{row label: the diff cell's HTML} of the comparison table."""
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td class="diff">(.*?)</td>', page, re.S)
    return dict(rows)


def removed_and_added(cell):
    hint = r'<span class="visually-hidden">[^<]*</span>'
    strip = lambda text: re.sub(hint, "", text).strip()  # noqa: E731
    removed = [strip(text) for text in re.findall(r"<del>(.*?)</del>", cell, re.S)]
    added = [strip(text) for text in re.findall(r"<ins>(.*?)</ins>", cell, re.S)]
    return removed, added


def public_page(client, obj, language="nn"):
    with translation.override(language):
        return Client().get(obj.get_absolute_url()).content.decode()


# --- Compare -------------------------------------------------------------------------------------


def test_compare_shows_each_changed_language_as_words_removed_and_added(client):
    phase = make_phase(
        title_nn="Lokale strategiar",
        summary_en="Local strategies for growth.",
        body_nn="<p>Fase to byggjer på <strong>analysen</strong> frå fase ein.</p>",
    )
    save(client, phase)
    older = newest_version(phase)
    save(
        client,
        phase,
        summary_en="Local strategies and measures for growth.",
        body_nn="<p>Fase to byggjer på <strong>samfunnsanalysen</strong> frå fase ein.</p>",
    )

    response = compare(client, phase, older, newest_version(phase))

    assert response.status_code == 200
    page = response.content.decode()
    rows = diff_rows(page)
    assert set(rows) == {"Samandrag (English)", "Tekst (Nynorsk)"}
    assert removed_and_added(rows["Samandrag (English)"]) == ([], ["and measures"])
    assert removed_and_added(rows["Tekst (Nynorsk)"]) == (["analysen"], ["samfunnsanalysen"])
    assert "strong" not in rows["Tekst (Nynorsk)"]
    assert "&lt;" not in rows["Tekst (Nynorsk)"]
    assert "Fase to byggjer på" in rows["Tekst (Nynorsk)"]
    # Not by colour alone: hidden words say what was added and removed.
    assert rows["Tekst (Nynorsk)"].count('class="visually-hidden"') == 4


def test_compare_names_relations_and_shows_yes_no_and_dates_as_editors_read_them(client):
    gol = make_municipality(name="Gol")
    nesbyen = make_municipality(name="Nesbyen")
    programme = make_programme(is_published=False)
    programme.municipalities.set([gol])
    phase = make_phase(programme, is_published=False)
    publishing.record(programme, user=None, action=Action.SAVED)
    publishing.record(phase, user=None, action=Action.SAVED)
    older_programme, older_phase = newest_version(programme), newest_version(phase)
    save(client, programme, municipalities=[str(gol.pk), str(nesbyen.pk)], is_published="on")
    save(
        client,
        phase,
        starts_on="01.06.2015",
        starts_on_precision="day",
        status="active",
    )

    programme_rows = diff_rows(compare(client, programme, older_programme, "now").content.decode())
    phase_rows = diff_rows(compare(client, phase, older_phase, "now").content.decode())

    assert removed_and_added(programme_rows["Kommunar"]) == (["Gol"], ["Gol, Nesbyen"])
    assert removed_and_added(programme_rows["Publisert"]) == (["nei"], ["ja"])
    with translation.override("nn"):
        june = formats.date_format(datetime.date(2015, 6, 1), "DATE_FORMAT")
        active = str(Phase._meta.get_field("status").flatchoices[1][1])
    assert removed_and_added(phase_rows["Startar"]) == (["(tomt)"], [june])
    assert removed_and_added(phase_rows["Status"])[1] == [active]


def test_compare_puts_the_older_version_first_whichever_way_they_are_picked(client):
    municipality = make_municipality(description_nn="<p>Gamal tekst.</p>")
    save(client, municipality)
    older = newest_version(municipality)
    save(client, municipality, description_nn="<p>Ny tekst.</p>")

    page = compare(client, municipality, newest_version(municipality), older).content.decode()

    cell = diff_rows(page)["Skildring (Nynorsk)"]
    assert removed_and_added(cell) == (["Gamal"], ["Ny"])


def test_the_history_page_offers_the_compare_form_and_quick_links(client):
    phase = make_phase()
    save(client, phase, title_nn="Første")
    save(client, phase, title_nn="Andre")
    newer, older = publishing.history(phase)

    page = client.get(admin_url("history", Phase, phase.pk)).content.decode()

    compare_url = admin_url("history_compare", Phase, phase.pk)
    assert f'<form method="get" action="{compare_url}"' in page
    assert f'name="from" value="{older.pk}" id="compare-from-{older.pk}" checked' in page
    assert f'name="to" value="{newer.pk}" id="compare-to-{newer.pk}" checked' in page
    assert f"{compare_url}?from={older.pk}&amp;to={newer.pk}" in page
    assert f"{compare_url}?from={older.pk}&amp;to=now" in page
    assert admin_url("restore", Phase, phase.pk, older.pk) in page


# --- Restore -------------------------------------------------------------------------------------


def test_restoring_a_published_phase_leaves_the_public_page_until_the_draft_is_published(
    client, editor
):
    phase = make_phase(title_nn="Lokale strategiar")
    save(client, phase)
    good = newest_version(phase)
    save(client, phase, title_nn="Feilskriven tittel")
    url = admin_url("restore", Phase, phase.pk, good.pk)

    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert "Feilskriven" in confirmation.content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == admin_url("change", Phase, phase.pk)
    [message] = messages.get_messages(response.wsgi_request)
    assert message.level == messages.SUCCESS and "Feilskriven tittel" in message.message
    assert Phase.objects.get(pk=phase.pk).title_nn == "Feilskriven tittel"
    assert "Feilskriven tittel" in public_page(client, phase)
    draft = publishing.draft_of(phase)
    assert draft.version.revision.history_entry.action == Action.RESTORED

    publishing.draft_publish(draft=draft, user=editor)
    assert Phase.objects.get(pk=phase.pk).title_nn == "Lokale strategiar"
    assert "Lokale strategiar" in public_page(client, phase)


def test_restoring_an_unpublished_municipality_changes_it_at_once(client):
    municipality = make_municipality(is_published=False, description_en="<p>Old words.</p>")
    save(client, municipality)
    earlier = newest_version(municipality)
    save(client, municipality, description_en="<p>New words.</p>")

    response = client.post(admin_url("restore", Municipality, municipality.pk, earlier.pk))

    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.description_en == "<p>Old words.</p>"
    assert municipality.is_published is False
    assert not Draft.objects.exists()
    assert newest_version(municipality).revision.history_entry.action == Action.RESTORED


def test_a_version_whose_slug_is_taken_meanwhile_is_refused_and_nothing_changes(client):
    municipality = make_municipality(slug="gol", is_published=False)
    save(client, municipality)
    earlier = newest_version(municipality)
    save(client, municipality, slug="gol-kommune")
    make_municipality(slug="gol")

    response = client.post(admin_url("restore", Municipality, municipality.pk, earlier.pk))

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    municipality.refresh_from_db()
    assert municipality.slug == "gol-kommune"
    assert publishing.history(municipality).count() == 2


def test_restore_needs_a_post_with_a_csrf_token(editor):
    phase = make_phase()
    version = publishing.record(phase, user=editor, action=Action.SAVED)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)

    response = strict.post(admin_url("restore", Phase, phase.pk, version.pk))

    assert response.status_code == 403
    assert not Draft.objects.exists()


# --- Recover -------------------------------------------------------------------------------------


def test_a_deleted_programme_comes_back_unpublished_with_its_translations(client, editor):
    programme = make_programme(title_nn="Framtidstru", title_en="Faith in the future")
    gol = make_municipality(name="Gol")
    programme.municipalities.set([gol])
    pk = programme.pk
    response = client.post(admin_url("delete", Programme, pk), {"post": "yes"})
    assert response.status_code == 302

    changelist = client.get(admin_url("changelist", Programme)).content.decode()
    listing = client.get(admin_url("recover_list", Programme)).content.decode()
    [version] = publishing.deleted_versions(Programme)
    confirmation = client.get(admin_url("recover", Programme, version.pk)).content.decode()
    response = client.post(admin_url("recover", Programme, version.pk))

    assert admin_url("recover_list", Programme) in changelist
    assert "Framtidstru" in listing and "Kari Nordmann" in listing
    assert admin_url("recover", Programme, version.pk) in listing
    assert "Faith in the future" in confirmation
    assert response.status_code == 302
    assert response.url == admin_url("change", Programme, pk)
    recovered = Programme.objects.get(pk=pk)
    assert recovered.is_published is False
    assert (recovered.title_nn, recovered.title_en) == ("Framtidstru", "Faith in the future")
    assert list(recovered.municipalities.all()) == [gol]
    assert newest_version(recovered).revision.history_entry.action == Action.RECOVERED
    [message] = messages.get_messages(response.wsgi_request)
    assert message.level == messages.SUCCESS


def alert_of(page):
    return re.search(r'role="alert">(.*?)</div>', page, re.S)[1]


def deleted(client, obj):
    response = client.post(admin_url("delete", type(obj), obj.pk), {"post": "yes"})
    assert response.status_code == 302
    return publishing.deleted_versions(type(obj)).get(object_id=str(obj.pk))


def test_recovering_over_a_reused_number_is_refused_and_leaves_the_other_object(client):
    municipality = make_municipality(name="Hemsedal")
    version = deleted(client, municipality)
    other = make_municipality(pk=municipality.pk, name="Ål", slug="al")

    response = client.post(admin_url("recover", Municipality, version.pk))

    assert response.status_code == 409
    assert "Ål" in response.content.decode()
    assert Municipality.objects.get(pk=other.pk).name == "Ål"


def test_recovering_into_a_taken_slug_is_refused_with_nothing_written(client):
    municipality = make_municipality(slug="hol")
    version = deleted(client, municipality)
    make_municipality(slug="hol")

    response = client.post(admin_url("recover", Municipality, version.pk))

    assert response.status_code == 409
    assert not Municipality.objects.filter(pk=municipality.pk).exists()
    page = response.content.decode()
    assert "form method" not in page
    # Django's own words for a taken slug ("slug" is «Adressenamn» in Nynorsk).
    assert "Adressenamn" in alert_of(page)


def test_recovering_a_phase_whose_programme_is_gone_is_refused(client):
    phase = make_phase()
    programme = phase.programme
    version = deleted(client, phase)
    deleted(client, programme)

    response = client.post(admin_url("recover", Phase, version.pk))

    assert response.status_code == 409
    assert "<li>Program: " in alert_of(response.content.decode())
    assert not Phase.objects.filter(pk=phase.pk).exists()


# --- Permissions and bad addresses -----------------------------------------------------------


def staff_with(*codenames):
    name = "-".join(["staff", *codenames])
    user = User.objects.create_user(name, password=None, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_each_page_needs_its_permission(client, editor):
    phase = make_phase()
    version = publishing.record(phase, user=editor, action=Action.SAVED)
    gone = make_phase()
    deleted_version = deleted(client, gone)
    compare_url = admin_url("history_compare", Phase, phase.pk)
    restore_url = admin_url("restore", Phase, phase.pk, version.pk)
    recover_list_url = admin_url("recover_list", Phase)
    recover_url = admin_url("recover", Phase, deleted_version.pk)
    pages = {"compare": compare_url, "restore": restore_url}
    pages.update(recover_list=recover_list_url, recover=recover_url)
    query = {"from": version.pk, "to": "now"}

    def statuses(user):
        other = Client()
        other.force_login(user)
        found = {name: other.get(url, query).status_code for name, url in pages.items()}
        found["restore POST"] = other.post(restore_url).status_code
        found["recover POST"] = other.post(recover_url).status_code
        return found

    assert set(statuses(staff_with()).values()) == {403}
    assert statuses(staff_with("view_phase")) == {
        "compare": 200,
        "restore": 403,
        "recover_list": 403,
        "recover": 403,
        "restore POST": 403,
        "recover POST": 403,
    }
    assert not Draft.objects.exists()
    changes_only = statuses(staff_with("view_phase", "change_phase"))
    assert changes_only["restore"] == 200
    assert changes_only["recover"] == changes_only["recover POST"] == 403
    adds_only = Client()
    adds_only.force_login(staff_with("add_phase", "view_phase"))
    assert adds_only.get(recover_list_url).status_code == 403
    assert (
        admin_url("recover_list", Phase)
        not in adds_only.get(admin_url("changelist", Phase)).content.decode()
    )
    assert not Phase.objects.filter(pk=gone.pk).exists()


def test_a_version_of_another_object_or_none_at_all_is_a_404(client, editor):
    phase, other = make_phase(), make_phase()
    mine = publishing.record(phase, user=editor, action=Action.SAVED)
    theirs = publishing.record(other, user=editor, action=Action.SAVED)
    deleted_municipality = deleted(client, make_municipality())
    compare_url = admin_url("history_compare", Phase, phase.pk)

    assert client.get(compare_url, {"from": theirs.pk, "to": mine.pk}).status_code == 404
    assert client.get(compare_url, {"from": "abc", "to": mine.pk}).status_code == 404
    assert client.get(compare_url, {"to": mine.pk}).status_code == 404
    assert client.get(compare_url, {"from": 999999, "to": "now"}).status_code == 404
    assert client.get(admin_url("restore", Phase, phase.pk, theirs.pk)).status_code == 404
    assert client.post(admin_url("restore", Phase, phase.pk, theirs.pk)).status_code == 404
    assert client.get(admin_url("recover", Phase, deleted_municipality.pk)).status_code == 404
    assert client.post(admin_url("recover", Phase, 999999)).status_code == 404
    missing = admin_url("history_compare", Phase, 999999)
    assert client.get(missing, {"from": mine.pk, "to": "now"}).status_code == 404


# --- Speed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 40])
def test_the_pages_cost_the_same_queries_however_many_versions_there_are(
    client, editor, count, django_assert_max_num_queries
):
    programme = make_programme()
    programme.municipalities.set([make_municipality(), make_municipality()])
    for number in range(count):
        programme.summary_en = f"Summary number {number}"
        publishing.record(programme, user=editor, action=Action.SAVED)
        deleted(client, make_grant(programme, funder_nn=f"Tilskotsgjevar {number}"))
    newest, oldest = newest_version(programme), publishing.history(programme).last()
    last_deleted = publishing.deleted_versions(Grant).first()
    pages = [
        (7, compare_url_for(programme, oldest, newest)),
        (8, compare_url_for(programme, oldest, "now")),
        (19, admin_url("restore", Programme, programme.pk, oldest.pk)),
        (6, admin_url("recover_list", Grant)),
        (15, admin_url("recover", Grant, last_deleted.pk)),
        (6, admin_url("history", Programme, programme.pk)),
    ]

    for most, url in pages:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def compare_url_for(obj, older, newer):
    ids = [getattr(side, "pk", side) for side in (older, newer)]
    return admin_url("history_compare", type(obj), obj.pk) + "?from={}&to={}".format(*ids)
