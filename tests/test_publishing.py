"""Drafts of live content, scheduled changes and the history behind them."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from hallingdal.models import Action, Draft
from hallingdal.publishing import (
    deleted_versions,
    draft_discard,
    draft_of,
    draft_publish,
    draft_save,
    history,
    next_scheduled_change,
    object_delete,
    object_unpublish,
    version_recover,
    version_restore,
)
from programme.models import Grant, Municipality, Phase, Programme
from tests.factories import make_grant, make_municipality, make_phase, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return User.objects.create_user("kari", password=None, is_staff=True)


def page(client, obj, language="nn"):
    return client.get(f"/{language}{obj.get_absolute_url()[3:]}").content.decode()


def test_a_draft_of_a_live_object_leaves_every_page_as_it_was(client, hallingdal, editor, settings):
    before = {code: page(client, hallingdal, code) for code in ("nn", "nb", "en")}
    hallingdal.title_en = "A new title, not yet published"
    hallingdal.title_nn = "Ein ny tittel, ikkje publisert"
    draft_save(obj=hallingdal, user=editor)

    assert Programme.objects.get(pk=hallingdal.pk).title_en == "Framtidstru og vekst i Hallingdal"
    settings.PAGE_CACHE = False
    uncached = Client()
    for code in ("nn", "nb", "en"):
        # Cache warm (a new generation, so rendered again) and cache off alike.
        assert page(client, hallingdal, code) == before[code]
        assert page(uncached, hallingdal, code) == before[code]
    assert draft_of(hallingdal).updated_by == editor


def test_publishing_a_draft_makes_it_live_in_every_language(client, hallingdal, editor):
    hallingdal.title_nn, hallingdal.title_en = "Ny tittel", "New title"
    draft_publish(draft=draft_save(obj=hallingdal, user=editor), user=editor)
    assert "Ny tittel" in page(client, hallingdal, "nn")
    assert "New title" in page(client, hallingdal, "en")
    assert draft_of(hallingdal) is None


def test_a_draft_keeps_its_many_to_many_changes_until_published(hallingdal, editor):
    keep = list(hallingdal.municipalities.order_by("number")[:2])
    draft_save(obj=hallingdal, user=editor, m2m={"municipalities": keep})
    assert hallingdal.municipalities.count() == 6
    draft_publish(draft=draft_of(hallingdal), user=editor)
    assert list(hallingdal.municipalities.order_by("number")) == keep


def test_the_first_draft_keeps_the_live_row_in_the_history_to_compare_and_restore(
    hallingdal, editor
):
    published_title = hallingdal.title_en
    hallingdal.title_en = "Drafted"
    draft_save(obj=hallingdal, user=editor)

    draft_version, live_version = history(hallingdal)
    assert live_version.field_dict["title_en"] == published_title
    assert live_version.revision.user is None
    assert draft_version.field_dict["title_en"] == "Drafted"
    # Only once: a second draft adds its own version alone.
    draft_save(obj=hallingdal, user=editor)
    assert history(hallingdal).count() == 3


def test_discarding_a_draft_keeps_the_live_object_and_says_so_in_the_history(hallingdal, editor):
    hallingdal.title_nn = "Forkasta"
    draft_discard(draft=draft_save(obj=hallingdal, user=editor), user=editor)
    assert Programme.objects.get(pk=hallingdal.pk).title_nn != "Forkasta"
    actions = [v.revision.history_entry.action for v in history(hallingdal)]
    assert actions[:2] == [Action.DRAFT_DISCARDED, Action.DRAFT_SAVED]


def test_new_objects_start_as_drafts():
    assert Municipality(name="Ny").is_published is False
    assert Programme().is_published is False


def test_publish_at_and_unpublish_at_take_effect_at_their_minute(client, clock):
    municipality = make_municipality(publish_at=clock.now + datetime.timedelta(minutes=1))
    assert client.get(municipality.get_absolute_url()).status_code == 404
    clock.move(minutes=1)
    assert client.get(municipality.get_absolute_url()).status_code == 200
    municipality.unpublish_at = clock.now + datetime.timedelta(minutes=5)
    municipality.save()
    clock.move(minutes=5)
    assert client.get(municipality.get_absolute_url()).status_code == 404


def test_no_cached_page_outlives_a_scheduled_change(client, hallingdal, clock):
    phase = make_phase(hallingdal, number=3, title_nn="Tredje fase",
                       publish_at=clock.now + datetime.timedelta(minutes=1))  # fmt: skip
    assert next_scheduled_change() == phase.publish_at
    assert "Tredje fase" not in client.get("/nn/").content.decode()
    assert client.get("/nn/").headers["X-Page-Cache"] == "hit"
    clock.move(minutes=1)
    assert "Tredje fase" in client.get("/nn/").content.decode()


def test_a_scheduled_draft_goes_live_at_its_minute_with_no_job(client, hallingdal, editor, clock):
    client.get("/en/")
    hallingdal.title_en = "Live on the first of March"
    draft_save(obj=hallingdal, user=editor, go_live_at=clock.now + datetime.timedelta(minutes=1))
    assert "Live on the first of March" not in client.get("/en/").content.decode()
    clock.move(seconds=59)
    assert "Live on the first of March" not in client.get("/en/").content.decode()
    clock.move(seconds=1)
    assert "Live on the first of March" in client.get("/en/").content.decode()
    assert draft_of(hallingdal) is None
    assert history(hallingdal).first().revision.history_entry.action == (
        Action.PUBLISHED_ON_SCHEDULE
    )


def test_the_command_publishes_due_drafts_for_the_history(hallingdal, editor, clock):
    hallingdal.title_nn = "Etter planen"
    draft_save(obj=hallingdal, user=editor, go_live_at=clock.now + datetime.timedelta(minutes=1))
    call_command("publish_scheduled")
    assert Draft.objects.count() == 1
    clock.move(minutes=1)
    call_command("publish_scheduled")
    assert Draft.objects.count() == 0
    assert Programme.objects.get(pk=hallingdal.pk).title_nn == "Etter planen"


def test_restoring_an_earlier_version_makes_it_the_draft_then_publishing_it(hallingdal, editor):
    original = hallingdal.title_nn
    hallingdal.title_nn = "Feil tittel"
    draft_publish(draft=draft_save(obj=hallingdal, user=editor), user=editor)
    hallingdal.title_nn = "Ny feil"
    draft_publish(draft=draft_save(obj=hallingdal, user=editor), user=editor)

    earlier = next(v for v in history(hallingdal) if v.field_dict["title_nn"] == original)
    version_restore(version=earlier, user=editor)
    assert Programme.objects.get(pk=hallingdal.pk).title_nn == "Ny feil"
    draft_publish(draft=draft_of(hallingdal), user=editor)
    assert Programme.objects.get(pk=hallingdal.pk).title_nn == original


def test_a_deleted_object_can_be_recovered_unpublished(editor):
    municipality = make_municipality(name="Borte", description_nb="<p>Tekst</p>")
    pk = municipality.pk
    object_delete(obj=municipality, user=editor, delete=municipality.delete)
    assert not Municipality.objects.filter(pk=pk).exists()
    (version,) = deleted_versions(Municipality)
    recovered = version_recover(version=version, user=editor)
    assert recovered.pk == pk and recovered.description_nb == "<p>Tekst</p>"
    assert recovered.is_published is False


def test_deleting_a_programme_keeps_its_phases_and_grants_to_recover_too(editor):
    programme = make_programme()
    phases = [make_phase(programme, number=number) for number in (1, 2)]
    grant = make_grant(programme)
    object_delete(obj=programme, user=editor, delete=programme.delete)

    assert {version.object_id for version in deleted_versions(Phase)} == {
        str(phase.pk) for phase in phases
    }
    assert [version.object_id for version in deleted_versions(Grant)] == [str(grant.pk)]
    # One revision: the programme and what went with it, deleted together.
    (programme_version,) = deleted_versions(Programme)
    assert programme_version.revision.version_set.count() == 4


def test_every_step_is_in_the_history_with_who_and_every_language(hallingdal, editor):
    hallingdal.title_en = "English"
    draft_publish(draft=draft_save(obj=hallingdal, user=editor), user=editor)
    object_unpublish(obj=hallingdal, user=editor)
    entries = list(history(hallingdal))
    assert [e.revision.history_entry.action for e in entries] == [
        Action.UNPUBLISHED,
        Action.PUBLISHED,
        Action.DRAFT_SAVED,
        Action.SAVED,  # The loaded row, kept before its first draft, by nobody known.
    ]
    assert [e.revision.user for e in entries] == [editor, editor, editor, None]
    assert {"title_nn", "title_nb", "title_en"} <= set(entries[-1].field_dict)
    assert "title" not in entries[-1].field_dict
