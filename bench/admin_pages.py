"""The admin's heaviest pages against the uncached home page: `python bench/admin_pages.py`.

Builds the production-mode site with the large data set (bench/run.py's
build_site) and renders, in one process with the page cache off, the public
home page and the admin pages editors open most: the index, the lists and
the change form of the programme with the most phases and grants. Each page
is rendered a few times in turns and the best time is kept, so the machine's
other work weighs as little as it can. The target: the heaviest change form
within 10 times the home page, with its queries and size alongside.

    python bench/admin_pages.py
    python bench/admin_pages.py --rounds 10
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import HOST, build_site  # noqa: E402

LIMIT = 10


def measure(rounds):
    import django
    from django.conf import settings

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from programme.models import Programme

    settings.ALLOWED_HOSTS = [HOST, "testserver"]
    editor = User.objects.create_user("bench-editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name="Redaktørar"))
    client = Client(HTTP_HOST=HOST)
    client.force_login(editor)
    heaviest = (
        Programme.objects.annotate(
            weight=Count("phases", distinct=True) + Count("grants", distinct=True)
        )
        .order_by("-weight")
        .first()
    )
    pages = {
        "public home (uncached)": "/nn/",
        "admin index": "/admin/",
        "programme list": "/admin/programme/programme/",
        "grant list": "/admin/programme/grant/",
        "document list": "/admin/documents/document/",
        f"programme change form ({heaviest.phases.count()} phases, "
        f"{heaviest.grants.count()} grants)": f"/admin/programme/programme/{heaviest.pk}/change/",
    }
    best, facts = {}, {}
    for _round in range(rounds):
        for label, path in pages.items():
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            best[label] = min(best.get(label, elapsed), elapsed)
            facts[label] = (len(queries), len(response.content))
    home = best["public home (uncached)"]
    print(f"\n  {'page':<52} {'ms':>7} {'× home':>7} {'queries':>8} {'KB':>6}")
    for label, seconds in best.items():
        queries, size = facts[label]
        figures = f"{seconds * 1000:7.1f} {seconds / home:7.1f} {queries:8} {size / 1024:6.0f}"
        print(f"  {label:<52} {figures}")
    heaviest_label = list(pages)[-1]
    ratio = best[heaviest_label] / home
    verdict = "met" if ratio <= LIMIT else "MISSED"
    print(f"\n  heaviest change form: {ratio:.1f} × the home page (target ≤ {LIMIT}): {verdict}")
    return ratio <= LIMIT


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        environment = build_site(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}")
        os.environ.update(environment)
        os.environ["DJANGO_PAGE_CACHE"] = "off"
        if not measure(arguments.rounds):
            sys.exit(1)


if __name__ == "__main__":
    main()
