"""Long selects are autocompletes, and a programme's grants are summed up, not all inline."""

import os
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from programme.models import Grant, Programme
from tests.factories import (
    make_document,
    make_grant,
    make_municipality,
    make_phase,
    make_programme,
)

EDITORS = "Redaktørar"

# (app, model, field): every select that grows with the content.
AUTOCOMPLETES = [
    ("programme", "grant", "programme"),
    ("programme", "grant", "phase"),
    ("programme", "phase", "programme"),
    ("programme", "programme", "municipalities"),
    ("documents", "document", "programme"),
    ("documents", "document", "phase"),
]


@pytest.fixture
def editor(db):
    user = User.objects.create_user("autocomplete-editor", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def english_admin(settings):
    """The admin in English, so that the page's words can be read in the test."""
    settings.ADMIN_LANGUAGE_CODE = "en"


def options_of(page, name):
    """The options a select of the page offers (an autocomplete's: only those chosen)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    return re.findall(r'<option value="([^"]*)"', select[1])


def autocomplete_url(app_label, model_name, field_name, term=""):
    query = f"app_label={app_label}&model_name={model_name}&field_name={field_name}&term={term}"
    return f"{reverse('admin:autocomplete')}?{query}"


@pytest.fixture
def content(db):
    programme = make_programme(title_nn="Framtidstru og vekst")
    make_phase(programme, title_nn="Kartlegging")
    make_municipality(name="Hemsedal")
    return programme


@pytest.mark.parametrize("app_label, model_name, field_name", AUTOCOMPLETES)
def test_autocomplete_answers_an_editor(client, editor, content, app_label, model_name, field_name):
    term = {"municipalities": "Hemse", "phase": "Kartl"}.get(field_name, "Framtid")
    client.force_login(editor)
    response = client.get(autocomplete_url(app_label, model_name, field_name, term))
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1
    assert term in results[0]["text"]


@pytest.mark.parametrize("app_label, model_name, field_name", AUTOCOMPLETES)
def test_autocomplete_refuses_anonymous_users(client, content, app_label, model_name, field_name):
    response = client.get(autocomplete_url(app_label, model_name, field_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_autocomplete_refuses_staff_without_the_right_to_see_the_model(client, content):
    client.force_login(User.objects.create_user("no-rights", password=None, is_staff=True))
    response = client.get(autocomplete_url("programme", "grant", "programme"))
    assert response.status_code == 403


def test_the_forms_use_autocompletes_for_the_long_selects(client, editor, content):
    client.force_login(editor)
    pages = {
        "grant": reverse("admin:programme_grant_add"),
        "phase": reverse("admin:programme_phase_add"),
        "programme": reverse("admin:programme_programme_change", args=[content.pk]),
        "document": reverse("admin:documents_document_add"),
    }
    for app_label, model_name, field_name in AUTOCOMPLETES:
        page = client.get(pages[model_name]).content.decode()
        assert f'name="{field_name}"' in page
        assert f'data-field-name="{field_name}"' in page, (model_name, field_name)
        assert f'data-app-label="{app_label}"' in page


def programme_form(client, programme):
    return client.get(reverse("admin:programme_programme_change", args=[programme.pk]))


def test_programme_form_sums_up_the_grants_and_links_to_their_filtered_list(
    client, editor, english_admin
):
    programme = make_programme()
    for amount in ("1000000", "680000", "1000000"):
        make_grant(programme, amount=amount)
    other = make_grant(funder_nn="Ein annan")
    client.force_login(editor)
    page = programme_form(client, programme).content.decode()
    assert "grants-TOTAL_FORMS" not in page
    assert 'name="grants-0-amount"' not in page
    list_url = f"{reverse('admin:programme_grant_changelist')}?programme__id__exact={programme.pk}"
    assert f'<a href="{list_url}">See and edit the grants</a>' in page
    assert "3 grants, NOK 2,680,000 in all." in page

    grants = client.get(list_url)
    assert grants.status_code == 200
    shown = list(grants.context["cl"].result_list)
    assert sorted(grant.pk for grant in shown) == sorted(
        Grant.objects.filter(programme=programme).values_list("pk", flat=True)
    )
    assert other not in shown


def test_add_grant_link_opens_the_form_with_the_programme_chosen(client, editor):
    programme = make_programme(title_nn="Framtidstru")
    client.force_login(editor)
    add_url = f"{reverse('admin:programme_grant_add')}?programme={programme.pk}"
    assert f'href="{add_url}"' in programme_form(client, programme).content.decode()
    form = client.get(add_url).context["adminform"].form
    assert form.initial["programme"] == str(programme.pk)


def test_programme_form_takes_the_same_queries_however_many_grants_and_municipalities(
    client, editor
):
    programme = make_programme()
    make_phase(programme)
    make_grant(programme)
    programme.municipalities.add(make_municipality())
    client.force_login(editor)
    programme_form(client, programme)
    with CaptureQueriesContext(connection) as few:
        small = programme_form(client, programme)
    for _n in range(40):
        make_grant(programme)
    for _n in range(30):
        municipality = make_municipality()
        if _n % 3 == 0:
            programme.municipalities.add(municipality)
    with CaptureQueriesContext(connection) as many:
        large = programme_form(client, programme)
    assert small.status_code == large.status_code == 200
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
    # Only the chosen municipalities are in the page, not the whole table.
    chosen = {str(pk) for pk in programme.municipalities.values_list("pk", flat=True)}
    assert set(options_of(large.content.decode(), "municipalities")) == chosen
    assert len(chosen) == 11


def test_document_form_lists_only_the_chosen_phase_and_programme(client, editor):
    programme = make_programme()
    phases = [make_phase(programme) for _n in range(5)]
    document = make_document(programme, phase=phases[2])
    client.force_login(editor)
    page = client.get(reverse("admin:documents_document_change", args=[document.pk]))
    html = page.content.decode()
    assert options_of(html, "phase") == ["", str(phases[2].pk)]
    assert options_of(html, "programme") == ["", str(programme.pk)]


def test_phases_are_named_with_their_programme_in_the_autocomplete_and_the_form(client, editor):
    first = make_programme(title_nn="Framtidstru")
    second = make_programme(title_nn="Reiseliv")
    ours = make_phase(first, number=1, title_nn="Kartlegging")
    theirs = make_phase(second, number=1, title_nn="Kartlegging")
    with translation.override("nn"):
        ours_label, theirs_label = ours.title_with_programme, theirs.title_with_programme
    assert ours_label == "Framtidstru – Fase 1: Kartlegging"
    client.force_login(editor)
    url = autocomplete_url("programme", "grant", "phase", "Kartl")
    with CaptureQueriesContext(connection) as two:
        texts = sorted(result["text"] for result in client.get(url).json()["results"])
    assert texts == [ours_label, theirs_label]
    for n in range(2, 12):
        make_phase(second, number=n, title_nn=f"Kartlegging {n}")
    with CaptureQueriesContext(connection) as twelve:
        assert len(client.get(url).json()["results"]) == 12
    assert len(twelve) == len(two)

    grant = make_grant(second, phase=theirs)
    page = client.get(reverse("admin:programme_grant_change", args=[grant.pk])).content.decode()
    assert f'<option value="{theirs.pk}" selected>{theirs_label}</option>' in page


def test_programme_form_queries_stay_the_same_with_the_large_data_set(client, editor, hallingdal):
    def queries_for(programme):
        url = reverse("admin:programme_programme_change", args=[programme.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.force_login(editor)
    alone = queries_for(hallingdal)
    call_command("generate_bulk_data", stdout=open(os.devnull, "w"))
    heaviest = Programme.objects.filter(slug__startswith="bulk-").last()
    assert heaviest.grants.count() >= 40 and heaviest.municipalities.count() >= 8
    # Before the grants left the form, the heaviest took 49 queries.
    assert queries_for(hallingdal) == queries_for(heaviest) == alone <= 20
