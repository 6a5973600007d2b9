"""Every save and deletion of content in the admin is in its history, shown on the History page."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document, DocumentVersion
from hallingdal import publishing
from hallingdal.models import Action
from programme.models import Grant, Phase
from tests.factories import (
    make_document,
    make_grant,
    make_municipality,
    make_phase,
    make_programme,
)
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


def url(name, obj=None):
    info = (obj._meta.app_label, obj._meta.model_name, name)
    return reverse("admin:{}_{}_{}".format(*info), args=[obj.pk] if name != "changelist" else [])


def save(client, obj, **changes):
    data = form_data(client.get(url("change", obj)))
    response = client.post(url("change", obj), {**data, **changes, "_save": "Lagre"})
    assert response.status_code == 302, response.context and response.context["errors"]


def test_saving_a_phase_records_a_version_with_the_editor_and_every_language(client, editor):
    phase = make_phase()

    save(client, phase, title_nn="Forprosjekt", title_en="Pre-project")

    [version] = publishing.history(phase)
    assert version.revision.user == editor
    assert version.revision.history_entry.action == Action.SAVED
    assert version.field_dict["title_nn"] == "Forprosjekt"
    assert version.field_dict["title_en"] == "Pre-project"


def test_changed_municipalities_are_in_the_recorded_version(client):
    programme = make_programme()
    gol, nes = make_municipality(), make_municipality()
    programme.municipalities.set([gol])

    save(client, programme, municipalities=[str(gol.pk), str(nes.pk)])

    version = publishing.history(programme).first()
    assert sorted(version.field_dict["municipalities"]) == sorted([gol.pk, nes.pk])


def test_deleting_a_grant_records_it_as_deleted(client, editor):
    grant = make_grant(funder_nn="Innovasjon Noreg")

    response = client.post(url("delete", grant), {"post": "yes"})

    assert response.status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    [version] = publishing.deleted_versions(Grant)
    assert version.object_id == str(grant.pk)
    assert version.field_dict["funder_nn"] == "Innovasjon Noreg"
    assert version.revision.user == editor
    assert version.revision.history_entry.action == Action.DELETED


def test_bulk_deleting_grants_records_each_as_deleted(client):
    grants = [make_grant(), make_grant()]

    response = client.post(
        reverse("admin:programme_grant_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Grant.objects.exists()
    deleted = publishing.deleted_versions(Grant)
    assert sorted(v.object_id for v in deleted) == sorted(str(g.pk) for g in grants)
    assert {v.revision.history_entry.action for v in deleted} == {Action.DELETED}


def test_history_page_lists_who_and_what_in_nynorsk(client):
    phase = make_phase()
    save(client, phase, title_nn="Forprosjekt")

    response = client.get(url("history", phase))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page
    assert '<th scope="col">' in page
    assert "<td>Kari Nordmann</td>" in page
    assert "<td>Lagra</td>" in page


def test_history_page_needs_view_permission(client, db):
    phase = make_phase()
    stranger = User.objects.create_user("ola", password=None, is_staff=True)
    client.force_login(stranger)

    assert client.get(url("history", phase)).status_code == 403


def history_queries(client, obj):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("history", obj)).status_code == 200
    return len(queries)


def test_history_page_queries_do_not_grow_with_the_versions(client, editor):
    few, many = make_phase(), make_phase()
    for obj, count in ((few, 3), (many, 30)):
        for _ in range(count):
            publishing.record(obj, user=editor, action=Action.SAVED)

    assert history_queries(client, few) == history_queries(client, many)


def test_history_page_shows_the_newest_fifty(client, editor):
    phase = make_phase()
    for _ in range(51):
        publishing.record(phase, user=editor, action=Action.SAVED)

    page = client.get(url("history", phase)).content.decode()

    assert page.count('<th scope="row">') == 50
    assert "Berre dei 50 nyaste versjonane er viste." in page


def test_deleting_a_document_records_it_and_still_deletes_its_versions(client, db):
    document = make_document()
    client.force_login(User.objects.create_superuser("admin", password=None))

    response = client.post(url("delete", document), {"post": "yes"})

    assert response.status_code == 302
    assert not DocumentVersion.objects.filter(document_id=document.pk).exists()
    [version] = publishing.deleted_versions(Document)
    assert version.object_id == str(document.pk)


def test_deleting_a_phase_in_the_programme_form_records_it_as_deleted(client, editor):
    phase = make_phase(title_nn="Forprosjekt")
    data = form_data(client.get(url("change", phase.programme)))
    [row] = [
        key[: -len("-id")]
        for key, value in data.items()
        if key.endswith("-id") and value == str(phase.pk)
    ]

    response = client.post(
        url("change", phase.programme), {**data, f"{row}-DELETE": "on", "_save": "Lagre"}
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    [version] = publishing.deleted_versions(Phase)
    assert version.object_id == str(phase.pk)
    assert version.field_dict["title_nn"] == "Forprosjekt"
    assert version.revision.history_entry.action == Action.DELETED
