"""The admin is the CMS: every page renders for a superuser and for an editor."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from programme.models import Grant, Phase, Programme

EDITORS = "Redaktørar"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin-test", "admin@example.invalid", password=None)


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor-test", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


def admin_urls_for(user, obj_by_model):
    """Changelist, add and change URLs of every registered model the user may see."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        request = type("Request", (), {"user": user})()
        if not model_admin.has_view_or_change_permission(request):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        obj = obj_by_model.get(model) or model.objects.first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
    return urls


@pytest.mark.parametrize("role", ["superuser", "editor"])
def test_every_admin_page_renders(client, hallingdal, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    urls = [reverse("admin:index")] + admin_urls_for(user, {})
    assert len(urls) > 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_admin_speaks_nynorsk_whatever_the_browser_asks(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert 'lang="nn"' in page
    assert "Program" in page


def test_editors_group_has_exactly_the_editing_permissions(db):
    permissions = set(
        Group.objects.get(name=EDITORS).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert ("programme", "change_programme") in permissions
    assert ("programme", "add_grant") in permissions
    assert ("documents", "add_documentversion") in permissions
    assert ("documents", "change_document") in permissions
    # Nothing is lost: editors hide documents and versions instead of deleting them.
    assert ("documents", "delete_documentversion") not in permissions
    # No user management at all.
    assert not {app for app, _ in permissions} & {"auth", "admin", "sessions", "contenttypes"}


def test_editor_cannot_manage_users(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_editor_can_add_a_phase_and_grant_through_the_programme_page(client, hallingdal, editor):
    client.force_login(editor)
    url = reverse("admin:programme_programme_change", args=[hallingdal.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value not in (None, "") and not isinstance(value, list | tuple | FieldFile)
    }
    data["municipalities"] = [m.pk for m in hallingdal.municipalities.all()]
    phases = list(hallingdal.phases.all())
    grants = list(hallingdal.grants.all())
    data.update(
        inline_data(
            "phases",
            phases,
            Phase,
            extra={
                "number": 3,
                "title_nn": "Vidareføring",
                "status": "planned",
                "is_published": "on",
                "starts_on_precision": "day",
                "ends_on_precision": "day",
            },
        )
    )
    data.update(inline_data("grants", grants, Grant))
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert hallingdal.phases.filter(number=3, title_nn="Vidareføring").exists()


def test_admin_explains_a_grant_on_another_programmes_phase_in_nynorsk(
    client, hallingdal, superuser
):
    other = Programme.objects.create(title_nn="Anna", slug="anna", summary_nn="x")
    other_phase = Phase.objects.create(programme=other, number=1, title_nn="F")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:programme_grant_add"),
        {
            "programme": hallingdal.pk,
            "phase": other_phase.pk,
            "funder_nn": "KMD",
            "amount": "1000",
            "awarded_on_precision": "day",
            "is_published": "on",
        },
    )
    assert response.status_code == 200
    assert "Fasen må høyre til same program som tilskotet." in response.content.decode()
    assert not Grant.objects.filter(programme=hallingdal, phase=other_phase).exists()


def inline_data(prefix, objects, model, extra=None):
    """Management form and existing rows of an inline, plus one new row."""
    rows = list(objects)
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + (1 if extra else 0)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, obj in enumerate(rows):
        data[f"{prefix}-{index}-id"] = obj.pk
        data[f"{prefix}-{index}-programme"] = obj.programme_id
        for field in model._meta.concrete_fields:
            if field.name in {"id", "programme", "updated_at"}:
                continue
            value = getattr(obj, field.attname)
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{index}-{field.name}"] = "on"
            elif value is not None:
                data[f"{prefix}-{index}-{field.name}"] = value
    if extra:
        for key, value in extra.items():
            data[f"{prefix}-{len(rows)}-{key}"] = value
    return data


def test_permissions_referenced_by_the_group_exist(db):
    assert Permission.objects.filter(codename="add_documentversion").exists()


def test_tabbed_translation_admin_uses_local_jquery_ui(client, hallingdal, superuser):
    from django.contrib.staticfiles import finders

    client.force_login(superuser)
    page = client.get(reverse("admin:programme_programme_change", args=[hallingdal.pk]))
    html = page.content.decode()
    assert "/static/jquery-ui/jquery-ui.min.js" in html
    assert "tabbed_translation_fields.js" in html
    assert "googleapis" not in html and "//cdn" not in html
    assert finders.find("jquery-ui/jquery-ui.min.js")


def test_editor_schedules_a_programme_from_its_change_form(client, hallingdal, editor, settings):
    """The programme form has the publishing window; a future start hides the page until then."""
    settings.PAGE_CACHE = False
    public_url = hallingdal.get_absolute_url()
    assert client.get(public_url).status_code == 200
    client.force_login(editor)
    url = reverse("admin:programme_programme_change", args=[hallingdal.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    assert {"is_published", "publish_at", "unpublish_at"} <= set(form.fields)
    data = {
        key: value
        for key, value in form.initial.items()
        if value not in (None, "") and not isinstance(value, list | tuple | FieldFile)
    }
    data["municipalities"] = [m.pk for m in hallingdal.municipalities.all()]
    data.update(inline_data("phases", list(hallingdal.phases.all()), Phase))
    data.update(inline_data("grants", list(hallingdal.grants.all()), Grant))
    data.update({"is_published": "on", "publish_at_0": "2099-03-01", "publish_at_1": "08:00"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    hallingdal.refresh_from_db()
    assert hallingdal.publish_at.year == 2099
    client.logout()
    assert client.get(public_url).status_code == 404


def test_the_programme_form_links_each_phase_to_its_texts_and_names_what_is_missing(
    client, hallingdal, editor
):
    phase = hallingdal.phases.get(number=1)
    phase.outcome_nn, phase.outcome_en = "<p>Resultat.</p>", ""
    phase.summary_en = ""
    phase.save()
    client.force_login(editor)
    page = client.get(reverse("admin:programme_programme_change", args=[hallingdal.pk]))

    html = page.content.decode()
    phase_url = reverse("admin:programme_phase_change", args=[phase.pk])
    assert f'<a href="{phase_url}">Skriv samandrag, tekst og resultat på sida til fasen</a>' in html
    assert "Manglar på engelsk: samandrag, resultat." in html
    # The texts themselves are written on the phase's page, not in its row.
    assert 'name="phases-0-summary_nn"' not in html
    assert 'name="phases-0-title_nn"' in html
