"""Where a document is used: its admin page lists it, deleting or unpublishing it warns."""

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from documents.models import Document
from hallingdal.document_usage import usages_of, usages_of_document
from tests.factories import make_document, make_municipality, make_phase, make_programme
from tests.form_data import form_data

EDITORS = "Redaktørar"


def link_to(document, words="the plan"):
    return f'<p>Read <a href="internal:document/{document.pk}">{words}</a>.</p>'


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.fixture
def editor(db):
    user = User.objects.create_user("usage-editor", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("usage-admin", None, password=None)


@pytest.fixture
def english_admin(settings):
    """The admin in English, so that the page's words can be read in the test."""
    settings.ADMIN_LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def nynorsk():
    """Make objects with the default language active, as the admin does.

    The admin leaves its language active after a request, and saving a rich
    text with another language active fills that language's empty column
    from Nynorsk.
    """
    with translation.override("nn"):
        yield


@pytest.fixture
def plan(db):
    return make_document(title_nn="Prosjektplan", slug="prosjektplan")


def rows_of(usages):
    return [(usage.obj, usage.field, usage.language) for usage in usages]


def test_panel_lists_a_programme_text_that_links_in_english_only(
    client, editor, plan, english_admin
):
    programme = make_programme(title_nn="Framtidstru", body_en=link_to(plan))
    client.force_login(editor)
    response = client.get(change_url(plan))
    assert response.status_code == 200
    assert rows_of(response.context["document_usages"]) == [(programme, "Text", "English (EN)")]
    page = response.content.decode()
    assert '<h2 id="document-usage-title">Used on</h2>' in page
    assert f'<a href="{change_url(programme)}">Framtidstru</a>' in page
    assert "<td>English (EN)</td>" in page
    assert "Nynorsk (NN)" not in page and "Bokmål (NB)" not in page


def test_panel_speaks_the_editors_language(client, editor, plan):
    make_programme(body_nb=link_to(plan))
    client.force_login(editor)
    with translation.override("nn"):
        expected = [(str(translation.gettext("Used on")), "Bokmål (NB)")]
    response = client.get(change_url(plan))
    page = response.content.decode()
    assert 'lang="nn"' in page
    used_on, language = expected[0]
    assert f">{used_on}</h2>" in page
    assert [usage.language for usage in response.context["document_usages"]] == [language]


def test_panel_lists_the_phase_and_programme_pages_that_show_the_document(
    client, editor, english_admin
):
    programme = make_programme(title_nn="Framtidstru")
    phase = make_phase(programme, number=2, title_nn="Tiltak")
    document = make_document(programme, phase=phase, kind="analysis")
    client.force_login(editor)
    response = client.get(change_url(document))
    assert rows_of(response.context["document_usages"]) == [
        (programme, "Documents on its page", "All languages"),
        (phase, "Documents on its page", "All languages"),
    ]
    assert f'<a href="{change_url(phase)}">Framtidstru – Phase 2: Tiltak</a>' in (
        response.content.decode()
    )


def test_texts_of_every_kind_and_field_are_found(plan):
    programme = make_programme(scheme_description_nn=link_to(plan), goal_nb=link_to(plan))
    phase = make_phase(outcome_en=link_to(plan))
    municipality = make_municipality(name="Gol", description_nn=link_to(plan))
    other = make_document(description_en=link_to(plan))
    with translation.override("en"):
        found = rows_of(usages_of_document(plan))
    assert sorted(found, key=str) == sorted(
        [
            (programme, "About the scheme", "Nynorsk (NN)"),
            (programme, "Main goal", "Bokmål (NB)"),
            (phase, "Results", "English (EN)"),
            (municipality, "Description", "Nynorsk (NN)"),
            (other, "Description", "English (EN)"),
        ],
        key=str,
    )


def test_a_link_to_a_document_whose_number_starts_with_the_same_digits_is_not_a_use(plan):
    longer = Document.objects.create(pk=plan.pk * 10 + 1, title_nn="Anna", slug="anna")
    make_programme(body_nn=link_to(longer))
    assert usages_of_document(plan) == []
    assert len(usages_of_document(longer)) == 1


def test_a_documents_link_to_itself_is_not_listed(plan):
    plan.description_nn = link_to(plan)
    plan.save()
    assert usages_of_document(plan) == []


def test_no_use_says_so_on_the_panel(client, editor, plan, english_admin):
    client.force_login(editor)
    page = client.get(change_url(plan)).content.decode()
    assert "No page or text links to this document or shows it." in page


def test_finding_the_uses_takes_the_same_queries_however_many_there_are(plan):
    make_programme(body_nn=link_to(plan))
    with CaptureQueriesContext(connection) as few:
        assert len(usages_of_document(plan)) == 1
    for _n in range(15):
        programme = make_programme(body_nn=link_to(plan), body_en=link_to(plan))
        make_phase(programme, body_nb=link_to(plan))
        make_municipality(description_en=link_to(plan))
    others = [make_document(description_nn=link_to(plan)) for _n in range(5)]
    with CaptureQueriesContext(connection) as many:
        assert len(usages_of_document(plan)) == 1 + 15 * 4 + 5
    assert len(many) == len(few) == 5
    with CaptureQueriesContext(connection) as several:
        found = usages_of([plan.pk, *(other.pk for other in others)])
    # The other documents' own texts are left out when they are asked about too.
    assert len(found[plan.pk]) == 1 + 15 * 4
    assert len(several) == len(few)


def test_the_change_form_takes_the_same_queries_however_many_uses(client, editor, plan):
    make_programme(body_nn=link_to(plan))
    client.force_login(editor)
    client.get(change_url(plan))
    with CaptureQueriesContext(connection) as few:
        client.get(change_url(plan))
    for _n in range(20):
        make_phase(body_en=link_to(plan))
    with CaptureQueriesContext(connection) as many:
        response = client.get(change_url(plan))
    assert len(response.context["document_usages"]) == 21
    assert len(many) == len(few)


def test_delete_confirmation_lists_the_uses(client, superuser, english_admin):
    programme = make_programme(title_nn="Framtidstru")
    plan = make_document(programme, title_nn="Prosjektplan", kind="project_plan")
    phase = make_phase(programme, title_nn="Kartlegging", body_en=link_to(plan))
    client.force_login(superuser)
    url = reverse("admin:documents_document_delete", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "Still used on the site" in page
    assert f'<a href="{change_url(programme)}">Framtidstru</a>: Project plan, All languages' in page
    assert f'<a href="{change_url(phase)}">Framtidstru – Phase 1: Kartlegging</a>: Text' in page
    # The warning comes before the button, which still deletes.
    assert page.index("Still used on the site") < page.index('name="post"')
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Document.objects.filter(pk=plan.pk).exists()


def test_bulk_delete_confirmation_lists_the_uses_of_each_document(client, superuser, english_admin):
    used = make_document(title_nn="Brukt")
    also_used = make_document(title_nn="Òg brukt")
    unused = make_document(title_nn="Ubrukt")
    programme = make_programme(title_nn="Framtidstru", body_nn=link_to(used))
    municipality = make_municipality(name="Hol", description_nb=link_to(also_used))
    client.force_login(superuser)
    selected = [used.pk, also_used.pk, unused.pk]
    response = client.post(
        reverse("admin:documents_document_changelist"),
        {"action": "delete_selected", "_selected_action": selected},
    )
    assert response.status_code == 200
    assert dict(response.context["document_usage_groups"]) == {
        used: usages_of_document(used),
        also_used: usages_of_document(also_used),
    }
    page = response.content.decode()
    assert "<h3>Brukt</h3>" in page and "<h3>Òg brukt</h3>" in page
    assert "<h3>Ubrukt</h3>" not in page
    assert f'<a href="{change_url(programme)}">Framtidstru</a>: Text, Nynorsk (NN)' in page
    assert f'<a href="{change_url(municipality)}">Hol</a>: Description, Bokmål (NB)' in page


def test_deleting_an_unused_document_shows_no_warning(client, superuser, plan, english_admin):
    client.force_login(superuser)
    page = client.get(reverse("admin:documents_document_delete", args=[plan.pk])).content
    assert b"Still used on the site" not in page
    response = client.post(
        reverse("admin:documents_document_changelist"),
        {"action": "delete_selected", "_selected_action": [plan.pk]},
    )
    assert response.context["document_usage_groups"] == []
    assert b"Still used on the site" not in response.content


def save_form(client, document, **changes):
    url = change_url(document)
    data = form_data(client.get(url))
    data.update(changes)
    data = {name: value for name, value in data.items() if value is not None}
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def test_unpublishing_a_used_document_warns_and_lists_the_uses(client, editor, plan, english_admin):
    programme = make_programme(title_nn="Framtidstru", body_en=link_to(plan))
    client.force_login(editor)
    sent = save_form(client, plan, is_published=None)
    plan.refresh_from_db()
    assert not plan.is_published
    warnings = [text for level, text in sent if level == "warning"]
    assert len(warnings) == 1
    assert "Visitors can no longer open “Prosjektplan”" in warnings[0]
    assert f'<a href="{change_url(programme)}">Framtidstru</a> (Text, English (EN))' in warnings[0]


def test_the_unpublish_button_warns_and_lists_the_uses_too(client, editor, plan, english_admin):
    programme = make_programme(title_nn="Framtidstru", body_en=link_to(plan))
    client.force_login(editor)
    unpublish = reverse("admin:documents_document_unpublish", args=[plan.pk])

    response = client.post(unpublish)

    sent = [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]
    warnings = [text for level, text in sent if level == "warning"]
    assert len(warnings) == 1 and change_url(programme) in warnings[0]


def test_saving_without_unpublishing_or_without_uses_does_not_warn(
    client, editor, plan, english_admin
):
    make_programme(body_en=link_to(plan))
    client.force_login(editor)
    assert [level for level, _text in save_form(client, plan, title_nn="Ny tittel")] == ["success"]
    unused = make_document()
    sent = save_form(client, unused, is_published=None)
    unused.refresh_from_db()
    assert not unused.is_published
    assert [level for level, _text in sent] == ["success"]


def test_hiding_the_last_published_version_warns_too(client, editor, plan, english_admin):
    make_programme(title_nn="Framtidstru", body_nn=link_to(plan))
    client.force_login(editor)
    sent = save_form(client, plan, **{"versions-0-is_published": None})
    assert not plan.versions.filter(is_published=True).exists()
    assert [level for level, _text in sent] == ["warning", "success"]


def test_a_document_already_hidden_does_not_warn_again(client, editor, plan, english_admin):
    make_programme(body_nn=link_to(plan))
    Document.objects.filter(pk=plan.pk).update(is_published=False)
    client.force_login(editor)
    assert [level for level, _text in save_form(client, plan, title_nn="Anna")] == ["success"]
