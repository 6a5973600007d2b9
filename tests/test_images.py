"""Editors' pictures: resized by Pillow, WebP plus a fallback, width, height and alt.

Also what keeps them from taking the site down: the pixel limit at upload.
"""

import functools
import html
import io
import re
import struct
import zlib

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
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


# --- Pictures cannot exhaust memory --------------------------------------------------------


# Pillow warns of any picture above 89 million pixels, as these are on purpose.
bomb_warning_expected = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


@functools.cache
def huge_png():
    """12,000 x 12,000 pixels of one colour: 40 KB on disk, 576 MB decoded as RGB."""
    output = io.BytesIO()
    Image.new("1", (12_000, 12_000), 1).save(output, "PNG")
    return output.getvalue()


def bomb_png():
    """A PNG whose header claims 40,000 x 40,000 pixels (Pillow calls that a bomb)."""
    header = image_bytes((1, 1), fmt="PNG")
    ihdr = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        header[:8]
        + struct.pack(">I", 13)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + (header[33:])
    )


def change_form_data(page):
    form = page.context["adminform"].form
    return {
        key: value
        for key, value in form.initial.items()
        if value not in (None, "") and not isinstance(value, list | tuple | FieldFile)
    }


@pytest.fixture
def superuser_client(client, db):
    client.force_login(
        User.objects.create_superuser("pictures", "pictures@example.invalid", password=None)
    )
    return client


@bomb_warning_expected
@pytest.mark.parametrize(
    "upload, message",
    [
        (
            huge_png,
            "Dette biletet er 12000 × 12000 pikslar (144 megapikslar), meir enn dei 40 "
            "megapikslane som er tillatne.",
        ),
        (bomb_png, "Denne fila seier at ho inneheld eit bilete langt større enn 40 megapikslar."),
        (lambda: b"GIF89a but not really", "Denne fila er ikkje eit bilete som kan lesast."),
    ],
    ids=["too many pixels", "decompression bomb", "not a picture"],
)
def test_admin_refuses_a_picture_it_cannot_decode_safely_in_nynorsk(
    superuser_client, upload, message
):
    municipality = make_municipality(slug="storeby")
    url = reverse("admin:programme_municipality_change", args=[municipality.pk])
    page = superuser_client.get(url)
    assert "høgst 40 megapikslar" in page.content.decode()
    data = change_form_data(page)
    data["coat_of_arms"] = SimpleUploadedFile("våpen.png", upload(), "image/png")

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Municipality.objects.get(pk=municipality.pk).coat_of_arms


def test_admin_accepts_a_camera_sized_photo(superuser_client):
    municipality = make_municipality(slug="fotoby")
    url = reverse("admin:programme_municipality_change", args=[municipality.pk])
    data = change_form_data(superuser_client.get(url))
    data["coat_of_arms"] = SimpleUploadedFile("foto.jpg", image_bytes((6000, 4000)), "image/jpeg")

    response = superuser_client.post(url, data)

    assert response.status_code == 302
    assert Municipality.objects.get(pk=municipality.pk).coat_of_arms.name.endswith(".jpg")


@bomb_warning_expected
def test_full_clean_refuses_an_oversized_programme_picture(english, settings):
    programme = make_programme()
    programme.image = ContentFile(huge_png(), name="huge.png")
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert refused.value.error_dict["image"][0].code == "picture_too_large"
    assert "(144 megapixels), more than the 40 megapixels allowed" in str(refused.value)

    settings.IMAGE_MAX_PIXELS = 200_000_000
    programme.full_clean()

    programme.image = ContentFile(bomb_png(), name="bomb.png")
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert refused.value.error_dict["image"][0].code == "picture_bomb"


def test_stored_pictures_are_not_checked_again_on_save(settings):
    programme = programme_with_picture()
    settings.IMAGE_MAX_PIXELS = 1000
    # An unrelated edit is not blocked by a limit lowered since the upload.
    programme.full_clean()
