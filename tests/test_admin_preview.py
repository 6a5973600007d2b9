"""Preview from the admin: the public page with the form's unsaved content, and nothing saved."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from documents.models import Document
from hallingdal import cache as page_cache
from hallingdal.models import HistoryEntry, PageGeneration
from programme.models import Grant, Municipality, Phase, Programme
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
    user = User.objects.create_user("kari", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def client(client, editor):
    client.force_login(editor)
    return client


def admin_url(obj_or_model, view, *args):
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj):
    return admin_url(obj, "change", obj.pk)


def preview_url(obj):
    return admin_url(obj, "preview", obj.pk)


def render_url(obj, language):
    return admin_url(obj, "preview_render", obj.pk) + f"?lang={language}"


def preview(client, obj, **changes):
    """Press Preview on the change form of `obj` with `changes` typed in."""
    data = form_data(client.get(change_url(obj)))
    return client.post(preview_url(obj), {**data, **changes})


def rendered(client, obj, language="nn"):
    response = client.get(render_url(obj, language))
    assert response.status_code == 200
    return response.content.decode()


def stored_state():
    """Everything a save would touch: rows, history, the admin's log, the page cache's counter."""
    return {
        "programmes": list(Programme.objects.values()),
        "phases": list(Phase.objects.values()),
        "grants": list(Grant.objects.values()),
        "municipalities": list(Municipality.objects.values()),
        "documents": list(Document.objects.values()),
        "versions": Version.objects.count(),
        "history": HistoryEntry.objects.count(),
        "log": LogEntry.objects.count(),
        "generation": list(PageGeneration.objects.values_list("number", flat=True)),
    }


def test_the_change_form_has_a_preview_button_that_submits_the_form_to_the_preview(client):
    programme = make_programme()

    page = client.get(change_url(programme)).content.decode()

    button = re.search(r"<button[^>]*preview-button[^>]*>", page).group(0)
    assert f'formaction="{preview_url(programme)}"' in button
    assert 'formtarget="_blank"' in button
    # Inside the change form, after its save buttons: the form's data is what is sent.
    form = page[page.index('id="programme_form"') :]
    assert form.index('name="_save"') < form.index("preview-button") < form.index("</form>")


def test_the_preview_shows_unsaved_changes_in_each_language_and_saves_nothing(client):
    programme = make_programme(title_nn="Gamal tittel", title_nb="Gammel tittel")
    make_phase(programme, title_nn="Forprosjekt")
    before = stored_state()
    visitor = Client()
    assert "Gamal tittel" in visitor.get(programme.get_absolute_url()).content.decode()

    response = preview(
        client,
        programme,
        title_nn="Ny tittel på nynorsk",
        title_nb="Ny tittel på bokmål",
        title_en="New title in English",
        summary_en="A summary only the preview has.",
    )

    assert response.status_code == 302
    assert response["Location"] == preview_url(programme)
    page = client.get(response["Location"]).content.decode()
    assert f'src="{render_url(programme, "nn")}"' in page
    nn, nb, en = (rendered(client, programme, code) for code in ("nn", "nb", "en"))
    assert "Ny tittel på nynorsk" in nn and 'lang="nn"' in nn
    assert "Ny tittel på bokmål" in nb and 'lang="nb"' in nb
    assert "New title in English" in en and "A summary only the preview has." in en
    # The public look: the site's stylesheet, the phases as they are stored.
    assert "/static/css/site.css" in nn and "Forprosjekt" in nn
    # Links open the public site in the whole tab, not in the preview's frame.
    assert '<base target="_top">' in nn
    assert 'class="preview-banner"' in nn
    assert stored_state() == before
    public = visitor.get(programme.get_absolute_url()).content.decode()
    assert "Gamal tittel" in public and "Ny tittel" not in public


def test_the_preview_page_switches_language_and_width_with_links(client):
    programme = make_programme()
    preview(client, programme, title_en="In English")

    page = client.get(preview_url(programme) + "?lang=en&width=375").content.decode()

    assert f'src="{render_url(programme, "en")}"' in page
    assert "preview-frame--375" in page
    assert 'href="?lang=nb&amp;width=375"' in page
    assert 'href="?lang=en"' in page
    desktop = client.get(preview_url(programme) + "?lang=en").content.decode()
    assert "preview-frame--desktop" in desktop


def test_every_preview_response_is_noindex_private_and_not_stored(client):
    programme = make_programme()
    posted = preview(client, programme, title_nn="Ny")

    for response in (
        posted,
        client.get(preview_url(programme)),
        client.get(render_url(programme, "nn")),
    ):
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives
        assert response["X-Robots-Tag"] == "noindex"
        assert not page_cache.is_cacheable(response.wsgi_request, response)
        assert "X-Page-Cache" not in response
    for response in (client.get(preview_url(programme)), client.get(render_url(programme, "nn"))):
        assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_the_page_cache_keeps_serving_the_public_page_after_a_preview(client, settings):
    settings.PAGE_CACHE = True
    programme = make_programme(title_nn="Lagra tittel")
    visitor = Client()
    assert visitor.get(programme.get_absolute_url())["X-Page-Cache"] == "miss"

    preview(client, programme, title_nn="Uferdig tittel")
    rendered(client, programme)

    public = visitor.get(programme.get_absolute_url())
    assert public["X-Page-Cache"] == "hit"
    assert "Lagra tittel" in public.content.decode()
    assert "Uferdig tittel" not in public.content.decode()


def test_only_the_render_view_may_be_framed_and_only_by_the_site(client):
    programme = make_programme()
    preview(client, programme)
    page = client.get(preview_url(programme))
    frame = client.get(render_url(programme, "nn"))

    for response in (page, frame):
        assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in frame["Content-Security-Policy"]
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "frame-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    # The public pages themselves stay unframeable.
    public = Client().get(programme.get_absolute_url())
    assert "frame-ancestors 'none'" in public["Content-Security-Policy"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_and_non_staff_are_sent_to_the_login(db, method):
    programme = make_programme()
    non_staff = Client()
    non_staff.force_login(User.objects.create_user("ola", password=None))
    for visitor in (Client(), non_staff):
        for url in (preview_url(programme), render_url(programme, "nn")):
            response = getattr(visitor, method)(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_right_to_change_get_a_403(client):
    programme = make_programme()
    data = form_data(client.get(change_url(programme)))
    viewer = User.objects.create_user("per", password=None, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_programme"))
    staff = _logged_in(viewer)

    assert staff.post(preview_url(programme), data).status_code == 403
    assert staff.get(preview_url(programme)).status_code == 403
    assert staff.get(render_url(programme, "nn")).status_code == 403
    assert staff.post(admin_url(Programme, "preview_add"), data).status_code == 403


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_another_editors_preview_is_not_shown_to_them(client, editor):
    programme = make_programme()
    preview(client, programme, title_nn="Karis utkast")
    other = User.objects.create_user("siri", password=None, is_staff=True)
    other.groups.add(Group.objects.get(name=EDITORS))

    response = _logged_in(other).get(render_url(programme, "nn"))

    assert response.status_code == 404


def test_invalid_data_shows_the_errors_in_the_editors_language_and_no_frame(client):
    programme = make_programme(title_nn="Tittel")

    response = preview(client, programme, title_nn="", total_budget="-5")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<iframe" not in page
    assert "Feltet er påkravd." in page
    assert "Tittel" in page  # the field's label names what to correct
    assert 'role="alert"' in page
    assert client.get(render_url(programme, "nn")).status_code == 404


def test_without_a_kept_preview_the_pages_say_so_with_a_404(client):
    programme = make_programme()

    assert client.get(preview_url(programme)).status_code == 404
    assert client.get(render_url(programme, "nn")).status_code == 404
    missing = admin_url(Programme, "preview", 999999)
    assert client.get(missing).status_code == 404


def test_an_unpublished_programme_previews_with_its_published_phases(client):
    programme = make_programme(is_published=False)
    make_phase(programme, title_nn="Forstudie", is_published=True)
    make_phase(programme, title_nn="Løyndfase", is_published=False)
    assert Client().get(programme.get_absolute_url()).status_code == 404

    preview(client, programme, summary_nn="Snart publisert.")

    page = rendered(client, programme)
    assert "Snart publisert." in page
    assert "Forstudie" in page
    assert "Løyndfase" not in page


def test_the_programmes_municipalities_are_previewed_as_chosen_in_the_form(client):
    programme = make_programme()
    gol = make_municipality(name="Gol")
    hol = make_municipality(name="Hol")
    programme.municipalities.set([gol])

    preview(client, programme, municipalities=[str(hol.pk)])

    page = rendered(client, programme)
    assert ">Hol<" in page and ">Gol<" not in page
    assert list(programme.municipalities.all()) == [gol]


def test_a_phase_previews_on_its_own_page(client):
    phase = make_phase(title_nn="Fase to", summary_nn="Gamalt samandrag")

    preview(client, phase, summary_nn="Nytt samandrag", summary_en="New summary")

    assert "Nytt samandrag" in rendered(client, phase, "nn")
    assert "New summary" in rendered(client, phase, "en")
    phase.refresh_from_db()
    assert phase.summary_nn == "Gamalt samandrag"


def test_a_municipality_previews_on_its_own_page(client):
    municipality = make_municipality(name="Nes")
    programme = make_programme(title_nn="Framtidstru")
    programme.municipalities.add(municipality)

    preview(client, municipality, name_nn="Nesbyen", name="Nesbyen")

    page = rendered(client, municipality)
    assert "Nesbyen" in page and "Framtidstru" in page
    municipality.refresh_from_db()
    assert municipality.name == "Nes"


def test_a_grant_previews_on_its_programmes_page(client):
    programme = make_programme(title_nn="Byregion", total_budget=Decimal("1000000"))
    grant = make_grant(programme, funder_nn="KMD", amount=Decimal("100000"))
    make_grant(programme, funder_nn="Fylket", amount=Decimal("50000"))

    preview(client, grant, amount="250000")

    page = rendered(client, grant)
    assert "Byregion" in page and "Fylket" in page
    assert re.search(r"250[\s\u00a0 ]000", page)
    grant.refresh_from_db()
    assert grant.amount == Decimal("100000")


def test_a_document_previews_on_its_own_page(client):
    document = make_document(title_nn="Prosjektplan")

    preview(client, document, title_nn="Prosjektplan 2016", description_nn="<p>Ny omtale.</p>")

    page = rendered(client, document)
    assert "Prosjektplan 2016" in page and "Ny omtale." in page
    assert "plan.pdf" in page  # its published versions, as stored
    document.refresh_from_db()
    assert document.title_nn == "Prosjektplan"


def test_the_add_form_previews_a_programme_that_does_not_exist_yet(client):
    data = form_data(client.get(admin_url(Programme, "add")))
    data.update(title_nn="Eit nytt program", slug="eit-nytt-program", summary_nn="Heilt nytt.")
    add_preview = admin_url(Programme, "preview_add")

    response = client.post(add_preview, data)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    render_add = admin_url(Programme, "preview_render_add")
    assert f'src="{render_add}?lang=nn"' in page
    rendered_page = client.get(f"{render_add}?lang=nn").content.decode()
    assert "Eit nytt program" in rendered_page and "Heilt nytt." in rendered_page
    assert not Programme.objects.filter(slug="eit-nytt-program").exists()


def test_the_add_form_has_the_preview_button_too(client):
    page = client.get(admin_url(Phase, "add")).content.decode()

    assert f'formaction="{admin_url(Phase, "preview_add")}"' in page


@pytest.mark.parametrize(
    ("model", "typed"),
    [
        (Phase, {"title_nn": "Ein ny fase", "number": "7", "status": "planned"}),
        (Municipality, {"name": "Ein ny kommune", "number": "3399", "slug": "ny-kommune"}),
        (Grant, {"funder_nn": "Ein ny tilskotsgivar", "amount": "12345"}),
        (Document, {"title_nn": "Eit nytt dokument", "slug": "nytt-dokument", "kind": "other"}),
    ],
)
def test_the_add_form_previews_each_model(client, model, typed):
    programme = make_programme()
    data = form_data(client.get(admin_url(model, "add")))
    data.update(typed)
    if model in (Phase, Grant):
        data["programme"] = str(programme.pk)
    before = stored_state()

    response = client.post(admin_url(model, "preview_add"), data)
    assert response.status_code == 302, response.context["errors"]

    page = client.get(admin_url(model, "preview_render_add") + "?lang=nn").content.decode()
    assert next(iter(typed.values())) in page
    assert stored_state() == before
