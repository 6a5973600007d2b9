"""The link picker's list of pages: staff only, searched in Nynorsk, a fixed number of queries."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document
from hallingdal.link_picker import MAX_RESULTS
from tests.factories import make_document, make_municipality, make_phase, make_programme

pytestmark = pytest.mark.django_db

URL = "/admin/link-targets/"


@pytest.fixture
def editor_client():
    """A member of the editors' group, as the council's staff are."""
    user = User.objects.create_user("redaktor", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktørar"))
    client = Client()
    client.force_login(user)
    return client


def targets(client, **parameters):
    response = client.get(URL, parameters)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_address_is_the_pickers_own_not_the_admins():
    assert reverse("link_targets") == URL


def test_only_staff_may_list_the_pages(client):
    make_programme(title_nn="Skjult arbeid", is_published=False)
    visitor = User.objects.create_user("besokjande", password=None)
    member = Client()
    member.force_login(visitor)
    for someone in (client, member):
        response = someone.get(URL, {"q": "Skjult"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert b"Skjult" not in response.content


def test_each_result_says_what_it_is_and_whether_visitors_can_see_it(editor_client):
    programme = make_programme(title_nn="Vekst i dalen", title_en="Growth")
    phase = make_phase(programme, number=2, title_nn="Tiltak")
    make_phase(make_programme(title_nn="Løynt", is_published=False), title_nn="Tiltak i løyndom")
    document = make_document(programme, title_nn="Prosjektplan for vekst")
    draft = Document.objects.create(title_nn="Utkast til tiltak", slug="utkast")
    municipality = make_municipality(name="Hemsedal", is_published=False)

    response = editor_client.get(URL, {"q": ""})
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/json"
    found = {target["href"]: target for target in response.json()["results"]}

    assert found[f"internal:phase/{phase.pk}"] == {
        "href": f"internal:phase/{phase.pk}",
        "kind": "phase",
        "id": phase.pk,
        "label": "Fase 2: Tiltak (Vekst i dalen)",
        "kind_label": "Fase",
        "is_published": True,
    }
    assert found[f"internal:programme/{programme.pk}"]["label"] == "Vekst i dalen"
    assert found[f"internal:document/{document.pk}"]["kind_label"] == "Dokument"
    assert found[f"internal:document/{document.pk}"]["is_published"] is True
    # Not published, or published without a file or inside a hidden programme.
    assert found[f"internal:document/{draft.pk}"]["is_published"] is False
    assert found[f"internal:municipality/{municipality.pk}"]["is_published"] is False
    hidden_phase = next(t for t in found.values() if t["label"].startswith("Fase 1: Tiltak i"))
    assert hidden_phase["is_published"] is False


def test_search_finds_every_word_in_the_nynorsk_titles_and_names(editor_client):
    programme = make_programme(title_nn="Framtidstru og vekst", title_nb="Fremtidstro og vekst")
    make_phase(programme, title_nn="Kunnskap og analysar")
    make_document(programme, title_nn="Prosjektplan for framtida", title_en="Project plan")
    make_municipality(name="Nesbyen")

    def labels(query):
        return [target["label"] for target in targets(editor_client, q=query)["results"]]

    assert labels("PROSJEKTPLAN") == ["Prosjektplan for framtida"]
    assert labels("nesby") == ["Nesbyen"]
    assert labels("analysar kunnskap") == ["Fase 1: Kunnskap og analysar (Framtidstru og vekst)"]
    # Bokmål and English titles are not searched; a word missing from the title rules it out.
    assert labels("Fremtidstro") == []
    assert labels("project") == []
    assert labels("prosjektplan fortida") == []
    # Titles that start with the words come first, whatever their kind.
    assert labels("fram")[0] == "Framtidstru og vekst"
    assert labels("for")[0] == "Prosjektplan for framtida"


def test_at_most_twenty_results_and_a_note_that_there_are_more(editor_client):
    for n in range(MAX_RESULTS + 5):
        make_municipality(name=f"Dal {n:02d}")
    data = targets(editor_client, q="dal")
    assert len(data["results"]) == MAX_RESULTS == 20
    assert data["more"] is True
    data = targets(editor_client, q="dal 07")
    assert [target["label"] for target in data["results"]] == ["Dal 07"]
    assert data["more"] is False


def test_the_number_of_queries_stays_the_same_with_more_content(editor_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            targets(editor_client, q="a")
        return len(captured)

    programme = make_programme(title_nn="Ein programtittel")
    make_phase(programme, title_nn="Ein fase")
    make_municipality(name="Al")
    few = queries()
    for n in range(30):
        extra = make_programme(title_nn=f"Program a{n}")
        make_phase(extra, title_nn=f"Fase a{n}")
        make_municipality(name=f"Aal {n}")
        Document.objects.create(title_nn=f"Notat a{n}", slug=f"notat-{n}", programme=extra)
    assert queries() == few
    # The session, the user, then one query for each of the four kinds.
    assert few == 6


def test_an_existing_link_is_looked_up_by_its_address(editor_client):
    document = make_document(title_nn="Prosjektplan")
    found = targets(editor_client, href=f"internal:document/{document.pk}")["results"]
    assert [target["label"] for target in found] == ["Prosjektplan"]
    document_id = document.pk
    Document.objects.filter(pk=document_id).delete()
    assert targets(editor_client, href=f"internal:document/{document_id}")["results"] == []


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"href": "https://example.org/"}, "internal:<kind>/<id>"),
        ({"href": "internal:user/1"}, "internal:<kind>/<id>"),
        ({"q": "x" * 101}, "høgst 100 teikn"),
    ],
)
def test_bad_input_gets_a_message_in_the_editors_language(editor_client, parameters, message):
    response = editor_client.get(URL, parameters)
    assert response.status_code == 400
    assert response["Cache-Control"] == "private, no-store"
    assert message in response.json()["error"]


def test_the_list_only_answers_reading(editor_client):
    assert editor_client.post(URL, {"q": "x"}).status_code == 405
