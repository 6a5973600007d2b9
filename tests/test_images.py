"""Editors' pictures: resized by Pillow, WebP plus a fallback, width, height and alt."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from hallingdal import images
from programme.models import Municipality, Programme
from tests.factories import make_municipality, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_caches(settings):
    """Source sizes are cached by file name; page caching is not under test here."""
    settings.PAGE_CACHE = False
    cache.clear()
    yield
    cache.clear()


def image_bytes(size, *, mode="RGB", fmt="JPEG", exif_orientation=None):
    image = Image.new(mode, size, (200, 80, 40, 128) if mode == "RGBA" else (200, 80, 40))
    output = io.BytesIO()
    options = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[images.EXIF_ORIENTATION] = exif_orientation
        options["exif"] = exif
    image.save(output, fmt, **options)
    return output.getvalue()


def programme_with_picture(size=(2000, 1000), **kwargs):
    programme = make_programme(image_description_nn="Fjell over Gol i kveldssol")
    programme.image.save("fjell.jpg", ContentFile(image_bytes(size, **kwargs)))
    return programme


def picture_html(html, css_class):
    match = re.search(rf'<picture class="{css_class}">.*?</picture>', html, re.S)
    assert match, f"no {css_class} picture"
    return match.group()


def attribute(html, tag, name):
    return re.search(rf'<{tag}[^>]* {name}="([^"]*)"', html).group(1)


def srcset_urls(srcset):
    return [candidate.rsplit(" ", 1) for candidate in srcset.split(", ")]


def test_pages_look_right_without_pictures(client, hallingdal):
    for path in ("/nn/", hallingdal.get_absolute_url(), "/nn/municipalities/gol/"):
        html = client.get(path).content.decode()
        assert "<picture" not in html
        assert "<img" not in html


def test_programme_picture_has_srcset_webp_size_and_alt(client):
    programme = programme_with_picture()
    html = picture_html(
        client.get(programme.get_absolute_url()).content.decode(), "programme-picture"
    )

    assert attribute(html, "img", "alt") == "Fjell over Gol i kveldssol"
    assert attribute(html, "img", "width") == "720"
    assert attribute(html, "img", "height") == "360"
    assert attribute(html, "source", "type") == "image/webp"
    webp = srcset_urls(attribute(html, "source", "srcset"))
    jpeg = srcset_urls(attribute(html, "img", "srcset"))
    assert [width for _url, width in webp] == ["360w", "720w", "1080w", "1440w"]
    assert all(url.endswith(".webp") for url, _width in webp)
    assert all(url.endswith(".jpg") for url, _width in jpeg)
    assert "sizes=" in html


@pytest.mark.parametrize("ext, pillow_format", [("webp", "WEBP"), ("jpg", "JPEG")])
def test_renditions_are_resized_to_the_width_they_claim(client, ext, pillow_format):
    programme = programme_with_picture()
    html = client.get(programme.get_absolute_url()).content.decode()
    srcset = attribute(html, "source" if ext == "webp" else "img", "srcset")

    for url, width in srcset_urls(srcset):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == images.CONTENT_TYPES[ext]
        assert "immutable" in response["Cache-Control"]
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as rendition:
            assert rendition.format == pillow_format
            assert rendition.size == (int(width.removesuffix("w")), int(width[:-1]) // 2)


def test_renditions_are_stored_once_with_deterministic_names(client):
    programme = programme_with_picture()
    url = images.rendition_url("programme", programme.slug, programme.image, 720, "webp")
    name = images.rendition_name("programme", programme.image, 720, "webp")

    client.get(url)
    client.get(url)

    assert default_storage.exists(name)
    folder = name.rsplit("/", 1)[0]
    assert default_storage.listdir(folder)[1] == [name.rsplit("/", 1)[1]]


def test_small_pictures_are_never_enlarged(client):
    programme = programme_with_picture(size=(500, 250))
    html = picture_html(
        client.get(programme.get_absolute_url()).content.decode(), "programme-picture"
    )

    assert [w for _url, w in srcset_urls(attribute(html, "img", "srcset"))] == ["360w", "500w"]
    assert attribute(html, "img", "width") == "500"
    too_big = images.rendition_url("programme", programme.slug, programme.image, 720, "jpg")
    assert client.get(too_big).status_code == 404


def test_exif_rotated_photos_get_the_turned_size(client):
    # Orientation 6: stored landscape, shown portrait.
    programme = programme_with_picture(size=(1600, 800), exif_orientation=6)
    html = picture_html(
        client.get(programme.get_absolute_url()).content.decode(), "programme-picture"
    )

    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == ("720", "1440")
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "jpg")
    with Image.open(io.BytesIO(b"".join(client.get(url).streaming_content))) as rendition:
        assert rendition.size == (360, 720)


def test_coat_of_arms_keeps_transparency_and_names_the_municipality(client, english):
    municipality = make_municipality(name="Hemsedal", slug="hemsedal-test")
    municipality.coat_of_arms.save(
        "hemsedal.png", ContentFile(image_bytes((400, 480), mode="RGBA", fmt="PNG"))
    )
    html = picture_html(
        client.get("/en/municipalities/hemsedal-test/").content.decode(), "coat-of-arms"
    )

    assert attribute(html, "img", "alt") == "Coat of arms of Hemsedal"
    assert (attribute(html, "img", "width"), attribute(html, "img", "height")) == ("96", "115")
    png_url = srcset_urls(attribute(html, "img", "srcset"))[-1][0]
    assert png_url.endswith("-192.png")
    with Image.open(io.BytesIO(b"".join(client.get(png_url).streaming_content))) as rendition:
        assert rendition.mode == "RGBA"


def test_rendition_addresses_for_drafts_old_pictures_or_odd_sizes_are_404(client):
    programme = programme_with_picture()
    good = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")
    assert client.get(good).status_code == 200

    for bad in (
        good.replace("-360.", "-361."),
        good.replace(".webp", ".png"),
        good.replace(".webp", ".gif"),
        good.replace("/programme/", "/unknown/"),
        good.replace(images.fingerprint(programme.image), "0" * 16),
    ):
        assert client.get(bad).status_code == 404, bad

    Programme.objects.filter(pk=programme.pk).update(is_published=False)
    assert client.get(good).status_code == 404


def test_a_new_picture_gets_new_addresses(client):
    programme = programme_with_picture()
    old = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")
    programme.image.save("fjell.jpg", ContentFile(image_bytes((1200, 900))))

    assert client.get(old).status_code == 404
    html = client.get(programme.get_absolute_url()).content.decode()
    assert attribute(html, "img", "height") == "540"


def test_a_broken_upload_does_not_break_the_page(client):
    municipality = make_municipality(slug="brokenville")
    municipality.coat_of_arms.save("broken.png", ContentFile(b"not an image at all"))

    response = client.get("/nn/municipalities/brokenville/")

    assert response.status_code == 200
    assert "<picture" not in response.content.decode()
    assert Municipality.objects.get(pk=municipality.pk).coat_of_arms
