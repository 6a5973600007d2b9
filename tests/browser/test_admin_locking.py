"""A refused save in a real browser: the editor's text stays, the second save goes through.

Chromium submits the form as editors' browsers do: text areas with CRLF line
ends, the municipalities from the autocomplete's script, the translation
tabs built by jQuery UI.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.form_data import form_data

from .axe import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in_context(context, site, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}]
    )
    return context


def test_a_refused_save_keeps_the_text_and_the_second_save_goes_through(context, site, hallingdal):
    url = reverse("admin:programme_programme_change", args=[hallingdal.pk])
    municipalities = set(hallingdal.municipalities.values_list("pk", flat=True))
    ola = User.objects.create_superuser("ola", None, None, first_name="Ola", last_name="Haugen")
    page = logged_in_context(context, site, ola).new_page()
    page.goto(site.url + url)
    plain_form_violations = {violation["id"] for violation in axe_violations(page)}

    kari = Client()
    kari.force_login(User.objects.create_superuser("kari", None, None, first_name="Kari"))
    karis = form_data(kari.get(url))
    karis_body = karis["body_nn"] + "\n\nEit nytt avsnitt frå Kari."
    changes = {"title_nn": "Framtidstru, nytt namn", "body_nn": karis_body}
    assert kari.post(url, {**karis, **changes}).status_code == 302

    page.fill("#id_summary_nn", "Ola skreiv dette i nettlesaren.")
    with page.expect_navigation():
        page.click("input[name=_save]")

    assert page.locator(".errorlist.nonfield").first.is_visible()
    assert "Kari lagra «Framtidstru, nytt namn»" in page.content()
    assert page.input_value("#id_summary_nn") == "Ola skreiv dette i nettlesaren."
    assert page.input_value("#id_title_nn") == "Framtidstru, nytt namn"
    new_violations = [
        violation
        for violation in axe_violations(page)
        if violation["id"] not in plain_form_violations
    ]
    assert new_violations == [], "\n".join(describe(url, new_violations))

    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.url.endswith(reverse("admin:programme_programme_changelist"))
    hallingdal.refresh_from_db()
    assert hallingdal.title_nn == "Framtidstru, nytt namn"
    assert hallingdal.summary_nn == "Ola skreiv dette i nettlesaren."
    # Ola never touched the text, which the browser sent back with CRLF line ends.
    assert hallingdal.body_nn.replace("\r\n", "\n") == karis_body
    assert set(hallingdal.municipalities.values_list("pk", flat=True)) == municipalities
