"""The pages of an object's versions pass axe and the security policy in Chromium."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from hallingdal import publishing
from hallingdal.models import Action
from programme.models import Municipality

from .axe import axe_violations, describe
from .test_admin_locking import logged_in_context
from .test_csp import COLLECT_VIOLATIONS, violations_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_history_compare_restore_and_recover_pages_pass_axe(context, site, hallingdal):
    editor = User.objects.create_superuser("kari", None, None, first_name="Kari")
    publishing.record(hallingdal, user=editor, action=Action.SAVED)
    hallingdal.summary_en = "A summary in English, changed for the comparison."
    hallingdal.body_nn = hallingdal.body_nn + "<p>Eit nytt avsnitt.</p>"
    older = publishing.history(hallingdal).first()
    newer = publishing.record(hallingdal, user=editor, action=Action.SAVED)
    municipality = Municipality.objects.order_by("number").last()
    publishing.object_delete(obj=municipality, user=editor, delete=municipality.delete)
    deleted = publishing.deleted_versions(Municipality).first()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = logged_in_context(context, site, editor).new_page()
    paths = [
        reverse("admin:programme_programme_history", args=[hallingdal.pk]),
        reverse("admin:programme_programme_history_compare", args=[hallingdal.pk])
        + f"?from={older.pk}&to={newer.pk}",
        reverse("admin:programme_programme_restore", args=[hallingdal.pk, older.pk]),
        reverse("admin:programme_municipality_changelist"),
        reverse("admin:programme_municipality_recover_list"),
        reverse("admin:programme_municipality_recover", args=[deleted.pk]),
    ]

    problems = []
    for path in paths:
        assert violations_on(page, site.url + path) == [], path
        problems += describe(path, axe_violations(page))

    assert problems == [], "\n".join(problems)
    page.goto(site.url + paths[1])
    assert page.locator("td.diff ins").count() > 0
