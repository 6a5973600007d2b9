"""axe-core on every admin page an editor opens, in Nynorsk, with the language tabs as built."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from tests.admin_pages import addresses

from .axe import axe_violations, describe
from .conftest import editors_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor(site, context):
    user = User.objects.create_user("kari", password=None, is_staff=True)
    user.groups.add(editors_group())
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}]
    )
    return user


def test_every_admin_page_an_editor_opens_passes_axe(site, page, editor):
    with translation.override("nn"):
        pages = addresses(editor)
    problems = []
    for label, path in pages.items():
        response = page.goto(site.url + path)
        assert response.status == 200, f"{label}: {path} gave {response.status}"
        page.wait_for_load_state("networkidle")
        problems += describe(path, axe_violations(page))
    assert not problems, "\n".join(problems)
    # The walk reached the pages editors use most, so it is not checking nothing.
    assert {"index", "programme_programme change", "programme_phase list"} <= set(pages)
