"""Every admin page an editor opens costs a fixed number of queries, however much content there is.

The walk comes from the admin's registry, so a newly registered model is
measured without anyone adding it here: the index, each list (plain, searched
and with each filter's first choice), each add form, and the change form and
History page of the heaviest object of each model. The pages are measured
with the Hallingdal content alone, then again with the large data set from
generate_bulk_data (the counts must not change), and those of the heaviest
generated objects must keep within the budget too.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.admin_pages import addresses

MAX_QUERIES = 20
EDITORS = "Redaktørar"


@pytest.fixture
def editor_client(client, db, settings):
    settings.PAGE_CACHE = False
    user = User.objects.create_user("kari", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(user)
    return client, user


def measure(client, pages):
    counts = {}
    for label, address in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        assert response.status_code == 200, f"{label}: {address} gave {response.status_code}"
        counts[label] = len(queries)
    return counts


@pytest.mark.django_db
def test_every_admin_page_has_a_fixed_query_count_whatever_the_content(editor_client, hallingdal):
    client, user = editor_client
    with translation.override("nn"):
        pages = addresses(user)
        # Once to fill the caches a process keeps (content types, say), as a worker has them.
        measure(client, pages)
        small = measure(client, pages)
        call_command("generate_bulk_data", stdout=open("/dev/null", "w"))
        large = measure(client, pages)
        heaviest_pages = measure(client, addresses(user))

    over = {
        label: count for label, count in {**large, **heaviest_pages}.items() if count > MAX_QUERIES
    }
    assert not over, f"More than {MAX_QUERIES} queries with the large data set: {over}"
    grew = {label: (small[label], large[label]) for label in small if small[label] != large[label]}
    assert not grew, f"Query counts (Hallingdal alone, with the large data set): {grew}"
    # The walk reached the pages editors use most, so it is not measuring nothing.
    for label in ["index", "programme_programme change", "programme_grant list"]:
        assert label in heaviest_pages
