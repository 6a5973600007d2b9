"""Lean pages: byte budgets, no JavaScript, pictures at the size shown, static files built to last.

Budgets from the performance issue: the home page's HTML at most 30 KB, all
CSS together at most 20 KB. The public pages are found by walking the
URLconf (as the query-budget test does), so a new page is checked too.
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from tests.test_query_budget import hallingdal_objects, samples

HOME_PAGE_BUDGET = 30 * 1024
CSS_BUDGET = 20 * 1024
ONE_YEAR = 60 * 60 * 24 * 365


class PageParser(HTMLParser):
    """The tags that decide a page's weight: stylesheets, scripts, pictures, handlers."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts, self.images, self.sources, self.handlers = (
            [],
            [],
            [],
            [],
            [],
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "source":
            self.sources.append(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]


def parse(response):
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def html_pages(client, hallingdal):
    """(address, response) of every public HTML page."""
    for address in samples(*hallingdal_objects(hallingdal)).values():
        response = client.get(address)
        if response.get("Content-Type", "").startswith("text/html"):
            yield address, response


def test_home_page_html_is_within_budget(client, hallingdal):
    response = client.get("/nn/")
    assert response.status_code == 200
    size = len(response.content)
    assert size <= HOME_PAGE_BUDGET, f"The home page is {size:,} bytes"


def test_all_css_together_is_within_budget(client, hallingdal):
    stylesheets = set()
    for _address, response in html_pages(client, hallingdal):
        stylesheets |= set(parse(response).stylesheets)
    assert stylesheets, "no page links a stylesheet"
    total = 0
    for href in stylesheets:
        path = finders.find(href.removeprefix("/static/"))
        assert path, f"{href} is not a static file"
        with open(path, "rb") as stylesheet:
            text = stylesheet.read()
        # An @import would load more CSS than the pages link.
        assert b"@import" not in text, href
        total += len(text)
    assert total <= CSS_BUDGET, f"All CSS together is {total:,} bytes: {sorted(stylesheets)}"


def test_public_pages_need_no_javascript(client, hallingdal):
    pages = 0
    for address, response in html_pages(client, hallingdal):
        page = parse(response)
        for script in page.scripts:
            # JSON-LD data blocks for search engines are data, not code.
            assert script.get("type") == "application/ld+json", f"{address}: script {script}"
            assert "src" not in script, address
        assert not page.handlers, f"{address}: event handler attributes {page.handlers}"
        assert b"javascript:" not in response.content, address
        pages += 1
    assert pages >= 9


def candidates(srcset):
    """(address, width) of each entry of a srcset."""
    for entry in srcset.split(","):
        address, descriptor = entry.split()
        yield address, int(descriptor.removesuffix("w"))


def served_width(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_pictures_are_served_at_the_size_shown(client, hallingdal):
    photo = io.BytesIO()
    Image.new("RGB", (2400, 1600), (40, 90, 60)).save(photo, "JPEG")
    hallingdal.image.save("hallingdal.jpg", ContentFile(photo.getvalue()))
    hallingdal.image_description_nn = "Fjell og dal"
    hallingdal.save()

    page = parse(client.get("/nn/"))
    assert page.images, "the home page shows no picture"
    for image in page.images:
        width, height = int(image["width"]), int(image["height"])
        offered = dict(candidates(image["srcset"]))
        # The size the page shows is among the files, so no browser gets more.
        assert width in offered.values(), (width, offered)
        for address, descriptor in offered.items():
            real_width, real_height = served_width(client, address)
            assert real_width == descriptor, address
            assert abs(real_width / real_height - width / height) < 0.01, address
    for source in page.sources:
        for address, descriptor in candidates(source["srcset"]):
            assert served_width(client, address)[0] == descriptor, address


@pytest.fixture
def collected_static(settings, tmp_path):
    """Static files collected as in production: hashed names, gzip and brotli copies."""
    settings.STATIC_ROOT = tmp_path / "static"
    # The site's own files only: the public pages use no others, and
    # compressing the admin's would take most of the test's time.
    settings.STATICFILES_DIRS = [settings.BASE_DIR / "static"]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_static_files_are_hashed_compressed_and_cached_for_a_year(collected_static, hallingdal):
    # A new client, so WhiteNoise reads the collected files.
    client = Client()
    stylesheets = parse(client.get("/nn/")).stylesheets
    assert stylesheets
    for href in stylesheets:
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), f"{href} has no content hash"
        for encoding in ("br", "gzip"):
            response = client.get(href, HTTP_ACCEPT_ENCODING=encoding)
            assert response.status_code == 200
            assert response["Content-Encoding"] == encoding
            cache_control = response["Cache-Control"]
            assert f"max-age={ONE_YEAR}" in cache_control
            assert "immutable" in cache_control
        name = href.removeprefix("/static/")
        assert (collected_static / f"{name}.br").exists()
        assert (collected_static / f"{name}.gz").exists()
