"""Two editors at once: a save never silently undoes what another editor saved."""

import threading
import time

import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document, DocumentVersion
from hallingdal.admin_locking import TOKEN_FIELD, TOKEN_SALT
from programme.models import Municipality, Phase
from tests.factories import make_municipality, make_phase
from tests.form_data import form_data

EDITORS = "Redaktørar"


def make_editor(username, first_name, last_name, *, superuser=False):
    user = User.objects.create_user(
        username,
        first_name=first_name,
        last_name=last_name,
        password=None,
        is_staff=True,
        is_superuser=superuser,
    )
    if not superuser:
        user.groups.add(Group.objects.get(name=EDITORS))
    return user


def logged_in(user):
    """A client with its own real session, like an editor's own browser."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kari(db):
    return logged_in(make_editor("kari", "Kari", "Nordmann"))


@pytest.fixture
def ola(db):
    return logged_in(make_editor("ola", "Ola", "Haugen"))


def change_url(obj):
    info = (obj._meta.app_label, obj._meta.model_name)
    return reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


def open_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return form_data(page)


def save(client, url, data, **changes):
    """Submit a change form; return the response."""
    return client.post(url, {**data, **changes, "_save": "Lagre"})


def assert_saved(response):
    assert response.status_code == 302, response.context and response.context["errors"]


def phase_row(data, prefix, phase):
    """The index of `phase`'s row in the inline with `prefix`."""
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(phase.pk):
            return key.split("-")[1]
    raise AssertionError(f"no row for {phase}")


def test_second_editor_is_stopped_and_keeps_their_text(hallingdal, kari, ola):
    url = change_url(hallingdal)
    old_title = hallingdal.title_nn
    karis, olas = open_form(kari, url), open_form(ola, url)

    assert_saved(save(kari, url, karis, title_nn="Framtidstru, nytt namn"))
    response = save(ola, url, olas, summary_en="Ola's new English summary.")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kari Nordmann lagra «Framtidstru, nytt namn»" in page
    assert "Endringane dine er ikkje lagra." in page
    assert (
        f"Tittel [nn]: «{old_title}» → «Framtidstru, nytt namn». Skjemaet viser no verdien deira."
    ) in page
    hallingdal.refresh_from_db()
    assert hallingdal.title_nn == "Framtidstru, nytt namn"
    assert hallingdal.summary_en != "Ola's new English summary."

    # Ola's text is still in the form, beside Kari's title; a fresh token
    # lets the deliberate second save through.
    again = form_data(response)
    assert again["summary_en"] == "Ola's new English summary."
    assert again["title_nn"] == "Framtidstru, nytt namn"
    assert again[TOKEN_FIELD] != olas[TOKEN_FIELD]
    assert_saved(save(ola, url, again))
    hallingdal.refresh_from_db()
    assert hallingdal.title_nn == "Framtidstru, nytt namn"
    assert hallingdal.summary_en == "Ola's new English summary."


def test_a_field_both_changed_keeps_the_second_editors_value_and_says_so(hallingdal, kari, ola):
    url = change_url(hallingdal)
    karis, olas = open_form(kari, url), open_form(ola, url)
    assert_saved(save(kari, url, karis, title_nn="Karis tittel"))

    response = save(ola, url, olas, title_nn="Olas tittel")

    page = response.content.decode()
    assert "→ «Karis tittel». Skjemaet viser framleis verdien din" in page
    assert form_data(response)["title_nn"] == "Olas tittel"
    hallingdal.refresh_from_db()
    assert hallingdal.title_nn == "Karis tittel"


def test_a_long_text_is_shown_as_an_excerpt_around_the_change(hallingdal, kari, ola):
    url = change_url(hallingdal)
    karis, olas = open_form(kari, url), open_form(ola, url)
    body = karis["body_nn"].replace("\r\n", "\n").strip()
    assert len(body) > 300
    changed = body[:200] + "ENDRA AV KARI" + body[200:]
    assert_saved(save(kari, url, karis, body_nn=changed))

    page = save(ola, url, olas, summary_nn="Nytt samandrag.").content.decode()

    assert "ENDRA AV KARI" in page
    assert body[:150] not in page.split("Tekst [nn]:")[1].split("Skjemaet")[0]


def test_a_changed_inline_row_is_reported_on_that_row(hallingdal, kari, ola):
    url = change_url(hallingdal)
    first = Phase.objects.get(programme=hallingdal, number=1)
    karis, olas = open_form(kari, url), open_form(ola, url)
    row = phase_row(karis, "phases", first)
    assert_saved(save(kari, url, karis, **{f"phases-{row}-title_nn": "Kartlegging, ny"}))

    response = save(ola, url, olas, summary_nn="Olas samandrag.")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kari Nordmann lagra denne rada" in page
    assert "Tittel [nn]: «" in page and "→ «Kartlegging, ny»" in page
    inline = response.context["inline_admin_formsets"][0]
    errors = [form.non_field_errors() for form in inline.formset.forms]
    assert [bool(e) for e in errors].count(True) == 1
    assert errors[int(row)], "the message belongs to the changed row"
    first.refresh_from_db()
    assert first.title_nn == "Kartlegging, ny"

    again = form_data(response)
    assert again["summary_nn"] == "Olas samandrag."
    assert again[f"phases-{row}-title_nn"] == "Kartlegging, ny"
    assert_saved(save(ola, url, again))
    first.refresh_from_db()
    hallingdal.refresh_from_db()
    assert first.title_nn == "Kartlegging, ny"
    assert hallingdal.summary_nn == "Olas samandrag."


def test_a_row_changed_on_its_own_page_is_caught_on_the_programme_page(hallingdal, kari, ola):
    first = Phase.objects.get(programme=hallingdal, number=1)
    programme_url = change_url(hallingdal)
    olas = open_form(ola, programme_url)
    assert_saved(save(kari, change_url(first), open_form(kari, change_url(first)), status="active"))

    page = save(ola, programme_url, olas, summary_nn="Olas samandrag.").content.decode()

    assert "Kari Nordmann lagra denne rada" in page
    assert "Status: Fullført → I gang. Skjemaet viser no verdien deira." in page


def test_a_changed_set_of_municipalities_is_caught(hallingdal, kari, ola):
    url = change_url(hallingdal)
    flaa = Municipality.objects.get(slug="fla")
    karis, olas = open_form(kari, url), open_form(ola, url)
    assert str(flaa.pk) in karis["municipalities"]
    without_flaa = [pk for pk in karis["municipalities"] if pk != str(flaa.pk)]
    assert_saved(save(kari, url, karis, municipalities=without_flaa))

    response = save(ola, url, olas, summary_nn="Olas samandrag.")

    page = response.content.decode()
    assert "Kommunar: Flå, Nesbyen, Gol, Hemsedal, Ål, Hol → Nesbyen, Gol" in page
    again = form_data(response)
    assert str(flaa.pk) not in again["municipalities"]
    assert_saved(save(ola, url, again))
    assert not hallingdal.municipalities.filter(pk=flaa.pk).exists()


def test_users_in_djangos_own_admin_are_locked_too(db):
    first = logged_in(make_editor("root1", "Ingrid", "Bakke", superuser=True))
    second = logged_in(make_editor("root2", "Per", "Lie", superuser=True))
    user = make_editor("nils", "Nils", "Moen")
    url = change_url(user)
    firsts, seconds = open_form(first, url), open_form(second, url)
    assert_saved(save(first, url, firsts, email="nils@example.invalid"))

    response = save(second, url, seconds, first_name="Nils Olav")

    page = response.content.decode()
    assert "Ingrid Bakke lagra «nils»" in page
    assert "E-postadresse: (tomt) → «nils@example.invalid»" in page
    assert_saved(save(second, url, form_data(response)))
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Nils Olav", "nils@example.invalid")


def test_the_token_never_carries_a_password_hash(db):
    root = logged_in(make_editor("root", "Ingrid", "Bakke", superuser=True))
    user = User.objects.create_user("nils", password="a-long-enough-password")
    token = open_form(root, change_url(user))[TOKEN_FIELD]
    payload = signing.loads(token, salt=TOKEN_SALT)
    assert "password" not in payload["v"]
    assert user.password not in str(payload)


def test_an_object_deleted_meanwhile_is_explained_and_the_text_kept(db, kari, ola):
    municipality = make_municipality(name="Nykommune")
    url = change_url(municipality)
    olas = open_form(ola, url)
    delete_url = reverse("admin:programme_municipality_delete", args=[municipality.pk])
    root = logged_in(make_editor("root", "Kari", "Nordmann", superuser=True))
    assert root.post(delete_url, {"post": "yes"}).status_code == 302

    response = save(ola, url, olas, description_nn="Ein lang tekst Ola skreiv.")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Kari Nordmann sletta «Nykommune»" in page
    assert "Endringane dine kunne ikkje lagrast." in page
    assert "Ein lang tekst Ola skreiv." in page
    assert not Municipality.objects.filter(name="Nykommune").exists()


def test_a_row_deleted_meanwhile_is_explained_and_then_left_out(hallingdal, kari, ola):
    extra = make_phase(hallingdal, number=9, title_nn="Ekstrafase")
    url = change_url(hallingdal)
    olas = open_form(ola, url)
    row = phase_row(olas, "phases", extra)
    delete_url = reverse("admin:programme_phase_delete", args=[extra.pk])
    root = logged_in(make_editor("root", "Kari", "Nordmann", superuser=True))
    assert root.post(delete_url, {"post": "yes"}).status_code == 302

    response = save(
        ola, url, olas, summary_nn="Olas samandrag.", **{f"phases-{row}-title_nn": "Olas fase"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kari Nordmann sletta denne rada" in page
    assert "Lagre på nytt for å gå vidare utan rada." in page
    again = form_data(response)
    assert again[f"phases-{row}-title_nn"] == "Olas fase"
    hallingdal.refresh_from_db()
    assert hallingdal.summary_nn != "Olas samandrag."

    assert_saved(save(ola, url, again))
    hallingdal.refresh_from_db()
    assert hallingdal.summary_nn == "Olas samandrag."
    assert not Phase.objects.filter(programme=hallingdal, number=9).exists()


def test_the_version_inline_of_a_document_is_locked(hallingdal, kari, ola):
    plan = Document.objects.get(programme=hallingdal, kind="project_plan")
    version = DocumentVersion.objects.get(document=plan)
    assert version.is_published
    url = change_url(plan)
    olas = open_form(ola, url)
    versions = open_form(kari, change_url(version))
    del versions["is_published"]  # Kari unpublishes it on its own page.
    assert_saved(save(kari, change_url(version), versions))

    response = save(ola, url, olas, title_nn="Ny prosjektplan")

    page = response.content.decode()
    assert "Kari Nordmann lagra denne rada" in page
    assert "Publisert: ja → nei. Skjemaet viser no verdien deira." in page
    assert_saved(save(ola, url, form_data(response)))
    version.refresh_from_db()
    plan.refresh_from_db()
    assert not version.is_published
    assert plan.title_nn == "Ny prosjektplan"


def test_an_editor_never_conflicts_with_themself(hallingdal, kari):
    url = change_url(hallingdal)
    first = Phase.objects.get(programme=hallingdal, number=1)
    data = open_form(kari, url)
    row = phase_row(data, "phases", first)

    # Save and continue, then save again from the page that follows.
    response = kari.post(url, {**data, "title_nn": "Første", "_continue": "1"})
    assert response.status_code == 302
    data = open_form(kari, response.url)
    assert_saved(save(kari, url, data, **{f"phases-{row}-title_nn": "Andre"}))

    # The same form sent twice, as a double click on Save does.
    data = open_form(kari, url)
    changed = {"summary_nn": "Tredje", f"phases-{row}-title_en": "Fourth"}
    assert_saved(save(kari, url, data, **changed))
    assert_saved(save(kari, url, data, **changed))

    hallingdal.refresh_from_db()
    first.refresh_from_db()
    assert (hallingdal.title_nn, hallingdal.summary_nn) == ("Første", "Tredje")
    assert (first.title_nn, first.title_en) == ("Andre", "Fourth")


def test_a_forged_token_is_not_trusted(hallingdal, kari):
    url = change_url(hallingdal)
    data = open_form(kari, url)

    response = save(kari, url, data, title_nn="Ny", **{TOKEN_FIELD: data[TOKEN_FIELD] + "x"})

    assert response.status_code == 200
    assert "Kunne ikkje sjekke om nokon andre har lagra dette" in response.content.decode()
    assert_saved(save(kari, url, form_data(response)))


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_one_in_progress_and_then_sees_it(hallingdal):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; the PostgreSQL run checks SELECT ... FOR UPDATE")
    # A superuser: tests that empty the database take the editors' group with them.
    ola = logged_in(make_editor("ola", "Ola", "Haugen", superuser=True))
    url = change_url(hallingdal)
    olas = open_form(ola, url)
    # Another save of the programme is under way: row locked, changed, not committed.
    other = connections.create_connection("default")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM programme_programme WHERE id = %s FOR UPDATE", [hallingdal.pk]
        )
        cursor.execute(
            "UPDATE programme_programme SET title_nn = %s WHERE id = %s",
            ["Framtidstru, nytt namn", hallingdal.pk],
        )
    responses = []

    def save_as_ola():
        try:
            responses.append(save(ola, url, olas, summary_en="Ola's new English summary."))
        finally:
            connections.close_all()

    thread = threading.Thread(target=save_as_ola)
    thread.start()
    try:
        # Let Ola's save reach the locked row before the other save commits.
        with other.cursor() as cursor:
            for _ in range(500):
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.02)
            else:
                pytest.fail("Ola's save never waited for the row")
        other.commit()
    finally:
        thread.join()
        other.close()

    assert "Nokon andre lagra «Framtidstru, nytt namn»" in responses[0].content.decode()
    hallingdal.refresh_from_db()
    assert hallingdal.title_nn == "Framtidstru, nytt namn"


def count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data) if data else client.get(url)
    assert response.status_code in (200, 302)
    return len(queries)


def test_tokens_cost_no_queries_per_inline_row(hallingdal, kari):
    url = change_url(hallingdal)
    # The first request also reads the page generation, once a second at most.
    count_queries(kari, url)
    shown_before = count_queries(kari, url)
    for number in range(5, 10):
        make_phase(hallingdal, number=number)

    # Showing the form: the tokens come from the rows the admin loads anyway.
    assert count_queries(kari, url) == shown_before
    # Saving it: checking every row's token costs nothing on top of Django's
    # own work (which reads each inline row once more to validate it).
    data = open_form(kari, url)
    unchecked = {name: value for name, value in data.items() if not name.endswith(TOKEN_FIELD)}
    assert count_queries(kari, url, data) == count_queries(kari, url, unchecked)
