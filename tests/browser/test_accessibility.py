"""axe-core on every public page, found by crawling from the home page in all three languages."""

import json
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from .axe import axe_violations, describe
from .conftest import ARTIFACTS, LANGUAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Files and machine-readable views are not pages a visitor reads.
SKIPPED_SUFFIXES = (".pdf", ".csv", ".json", ".xml", ".txt", ".ics", ".rss", ".atom")
SKIPPED_PARTS = ("/download/", "/feed", "/admin/", "/static/", "/media/")
MAX_PAGES = 400


def is_crawlable(url, origin):
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    path = parts.path
    if not path.startswith(tuple(f"/{code}/" for code in LANGUAGES)):
        return False
    if path.lower().endswith(SKIPPED_SUFFIXES):
        return False
    return not any(part in path for part in SKIPPED_PARTS)


def normalise(url):
    """Drop the fragment; keep the query (pagination pages are pages too)."""
    parts = urlsplit(url)
    return parts._replace(fragment="").geturl()


def links_on(page):
    return page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")


def test_every_public_page_passes_axe_in_all_languages(site, page):
    origin = site.url
    third_party_requests = []
    page.on(
        "request",
        lambda request: (
            third_party_requests.append(request.url) if not request.url.startswith(origin) else None
        ),
    )
    queue = [f"{origin}/{code}/" for code in LANGUAGES]
    # Pages no link leads to: a search (forms are not crawled) and a missing page.
    expected_status = {}
    for code in LANGUAGES:
        with translation.override(code):
            expected_status[f"{origin}{reverse('search')}?q=Hallingdal"] = 200
        expected_status[f"{origin}/{code}/no-such-page/"] = 404
    queue += list(expected_status)
    seen = set(queue)
    covered = []
    problems = []
    while queue:
        url = queue.pop(0)
        response = page.goto(url)
        assert response is not None, url
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        expected = expected_status.get(url, 200)
        assert response.status == expected, f"{url} answered {response.status}"
        covered.append(url.removeprefix(origin))
        problems += describe(url.removeprefix(origin), axe_violations(page))
        for link in links_on(page):
            link = normalise(urljoin(url, link))
            if link not in seen and is_crawlable(link, origin):
                seen.add(link)
                queue.append(link)
        assert len(seen) < MAX_PAGES, "the crawl is not converging"

    ARTIFACTS.mkdir(exist_ok=True)
    report = {"pages": covered, "violations": problems}
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\naxe-core checked {len(covered)} pages:\n  " + "\n  ".join(covered))

    for code in LANGUAGES:
        assert f"/{code}/" in covered
        assert sum(path.startswith(f"/{code}/") for path in covered) >= 10, code
    assert problems == [], "\n".join(problems)
    # What the privacy page promises: no cookies and nothing fetched from elsewhere.
    assert page.context.cookies() == []
    assert third_party_requests == []
