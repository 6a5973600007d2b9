"""The change form's publishing buttons: drafts of live pages, publish, schedule, unpublish."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hallingdal import publishing
from hallingdal.models import Action, Draft
from programme.models import Phase
from tests.factories import make_phase, make_programme
from tests.form_data import form_data

EDITORS = "Redaktørar"


@pytest.fixture
def editor(db):
    user = User.objects.create_user("kari", first_name="Kari", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def client(client, editor):
    client.force_login(editor)
    return client


def url(name, obj):
    info = (obj._meta.app_label, obj._meta.model_name, name)
    return reverse("admin:{}_{}_{}".format(*info), args=[obj.pk])


def post(client, obj, button, **changes):
    """Submit the change form as a browser does, pressing `button`."""
    data = form_data(client.get(url("change", obj)))
    return client.post(url("change", obj), {**data, **changes, button: "x"})


def public(obj, language="nn"):
    return Client().get(f"/{language}{obj.get_absolute_url()[3:]}").content.decode()


@pytest.fixture
def phase(hallingdal):
    return hallingdal.phases.get(number=2)


def test_saving_a_draft_of_a_live_phase_leaves_the_public_page_as_it_was(client, phase):
    before = {code: public(phase, code) for code in ("nn", "en")}

    response = post(client, phase, "_save_draft", summary_nn="Nytt samandrag", summary_en="New")

    assert response.status_code == 302 and response.url == url("change", phase)
    assert Phase.objects.get(pk=phase.pk).summary_nn != "Nytt samandrag"
    for code in ("nn", "en"):
        assert public(phase, code) == before[code]
    draft = publishing.draft_of(phase)
    assert draft.version.field_dict["summary_nn"] == "Nytt samandrag"
    assert draft.version.revision.history_entry.action == Action.DRAFT_SAVED


def test_the_change_form_opens_with_the_draft_and_says_so(client, phase):
    post(client, phase, "_save_draft", summary_en="Drafted summary")

    page = client.get(url("change", phase)).content.decode()

    assert "Drafted summary" in page
    assert "This form shows the draft" in page or "Skjemaet viser utkastet" in page
    assert 'name="_save_draft"' in page and "discard-draft" in page


def test_publishing_the_draft_makes_it_live_and_forgets_it(client, phase):
    post(client, phase, "_save_draft", summary_en="Drafted summary")

    response = post(client, phase, "_save")

    assert response.status_code == 302
    assert "Drafted summary" in public(phase, "en")
    assert publishing.draft_of(phase) is None
    assert publishing.history(phase).first().revision.history_entry.action == Action.PUBLISHED


def test_a_second_draft_save_by_someone_else_is_not_undone_silently(client, phase, editor):
    first = form_data(client.get(url("change", phase)))
    other = Client()
    other.force_login(User.objects.create_superuser("ola", password=None))
    post(other, phase, "_save_draft", summary_en="Ola's draft")

    response = client.post(
        url("change", phase), {**first, "summary_en": "Kari's draft", "_save_draft": "x"}
    )

    assert response.status_code == 200  # Refused, with the form and what changed.
    assert publishing.draft_of(phase).version.field_dict["summary_en"] == "Ola's draft"


def test_scheduling_a_draft_publishes_it_at_its_minute(client, phase, clock):
    go_live = timezone.localtime(clock.now + datetime.timedelta(minutes=2))

    response = post(
        client,
        phase,
        "_schedule",
        summary_en="From the second minute",
        **{
            "schedule-go_live_at_0": go_live.strftime("%d.%m.%Y"),
            "schedule-go_live_at_1": go_live.strftime("%H:%M"),
        },
    )

    assert response.status_code == 302
    assert publishing.draft_of(phase).go_live_at is not None
    assert "From the second minute" not in public(phase, "en")
    clock.move(minutes=3)
    assert "From the second minute" in public(phase, "en")


def test_a_schedule_in_the_past_is_refused_with_nothing_saved(client, phase):
    past = timezone.localtime() - datetime.timedelta(days=1)

    response = post(
        client,
        phase,
        "_schedule",
        summary_en="Too late",
        **{
            "schedule-go_live_at_0": past.strftime("%d.%m.%Y"),
            "schedule-go_live_at_1": past.strftime("%H:%M"),
        },
    )

    assert response.status_code == 200
    assert "Choose a time in the future" in response.content.decode() or (
        "Vel eit tidspunkt fram i tid" in response.content.decode()
    )
    assert publishing.draft_of(phase) is None
    assert "Too late" not in public(phase, "en")


def test_a_draft_refuses_changes_to_inline_rows_that_would_go_live(client, hallingdal):
    data = form_data(client.get(url("change", hallingdal)))
    first_phase_title = next(key for key in data if key.endswith("-0-title_nn"))

    response = client.post(
        url("change", hallingdal),
        {**data, first_phase_title: "Endra i ein rad", "_save_draft": "x"},
    )

    assert response.status_code == 200
    assert not Phase.objects.filter(title_nn="Endra i ein rad").exists()
    assert publishing.draft_of(hallingdal) is None


def test_discarding_a_draft_shows_the_published_text_again(client, phase):
    post(client, phase, "_save_draft", summary_en="Unwanted")

    assert client.get(url("discard_draft", phase)).status_code == 405
    response = client.post(url("discard_draft", phase))

    assert response.status_code == 302
    assert publishing.draft_of(phase) is None
    assert "Unwanted" not in client.get(url("change", phase)).content.decode()


def test_unpublishing_takes_it_off_the_site(client, phase):
    response = client.post(url("unpublish", phase))

    assert response.status_code == 302
    assert not Phase.objects.get(pk=phase.pk).is_published
    assert Client().get(phase.get_absolute_url()).status_code == 404


def test_a_new_object_is_published_with_the_publish_button(client):
    programme = make_programme(is_published=False)
    phase = make_phase(programme, is_published=False, title_nn="Ny fase")

    response = post(client, phase, "_publish")

    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.is_published
    assert publishing.history(phase).first().revision.history_entry.action == Action.PUBLISHED


def test_without_the_right_to_publish_a_save_of_a_live_page_is_a_draft(client, editor, phase):
    editors = Group.objects.get(name=EDITORS)
    editors.permissions.remove(Permission.objects.get(codename="publish_phase"))
    editor = User.objects.get(pk=editor.pk)  # Forget the cached permissions.
    client.force_login(editor)

    page = client.get(url("change", phase)).content.decode()
    assert 'name="is_published"' not in page and 'name="_publish"' not in page
    post(client, phase, "_save", summary_en="Not mine to publish")

    assert "Not mine to publish" not in public(phase, "en")
    assert publishing.draft_of(phase) is not None
    assert client.post(url("unpublish", phase)).status_code == 403


def test_the_list_shows_and_filters_what_has_a_draft(client, hallingdal, phase):
    post(client, phase, "_save_draft", summary_en="Waiting")
    changelist = reverse("admin:programme_phase_changelist")

    listed = client.get(changelist, {"state": "draft"})

    assert list(listed.context["cl"].result_list) == [phase]
    assert "draft since" in listed.content.decode() or "utkast sidan" in listed.content.decode()
    assert phase not in client.get(changelist, {"state": "unpublished"}).context["cl"].result_list


def test_the_editors_group_may_publish_each_kind_of_content(db):
    codenames = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    for model in ("programme", "phase", "municipality", "grant", "document"):
        assert f"publish_{model}" in codenames


def test_drafts_are_only_kept_for_live_objects(client):
    phase = make_phase(is_published=False)

    post(client, phase, "_save_draft", summary_en="Saved as it is")

    assert Draft.objects.count() == 0
    assert Phase.objects.get(pk=phase.pk).summary_en == "Saved as it is"
