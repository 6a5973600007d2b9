"""Editors' pictures: resized by Pillow, WebP plus a fallback, width, height and alt.

Also what keeps them from taking the site down: the pixel limit at upload and
when decoding, reduced decoding, one decode per size across threads and
processes, and no failure remembered or half-written.
"""

import errno
import functools
import html
import io
import logging
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.test import override_settings
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


@bomb_warning_expected
def test_an_oversized_picture_already_stored_is_never_decoded(client, monkeypatch):
    programme = make_programme(image_description_nn="For stort")
    programme.image.save("huge.png", ContentFile(huge_png()))
    spy = DecodeSpy(monkeypatch)
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "jpg")

    page = client.get(programme.get_absolute_url())
    rendition = client.get(url)

    assert page.status_code == 200
    assert "<picture" not in page.content.decode()
    assert rendition.status_code == 404
    assert spy.started == []


class DecodeSpy:
    """Wraps the real decoding: counts decodes and records each decoded size.

    With a gate (a threading.Event), every decode waits for it to open, so a
    test can hold the first request inside its decode while others arrive.
    """

    def __init__(self, monkeypatch, gate=None):
        self.started = []
        self.sizes = []
        self.gate = gate
        self.real = images.decode_picture
        monkeypatch.setattr(images, "decode_picture", self.decode)

    def decode(self, image, size):
        self.started.append(threading.current_thread().name)
        if self.gate is not None:
            assert self.gate.wait(30), "the test never opened the gate"
        decoded = self.real(image, size)
        self.sizes.append(decoded.size)
        return decoded


def test_a_big_jpeg_decodes_at_a_reduced_scale(client, monkeypatch):
    programme = programme_with_picture(size=(6000, 4000))
    spy = DecodeSpy(monkeypatch)
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")

    response = client.get(url)

    assert response.status_code == 200
    # 1/8 scale has 750 x 500 pixels, the smallest with twice the 360 x 240 asked for.
    assert spy.sizes == [(750, 500)]
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as rendition:
        assert rendition.size == (360, 240)


# --- Each size is made once --------------------------------------------------------------


def wait_until(condition, what):
    """Poll until condition() holds; fail after a generous while, never a timed assertion."""
    for _ in range(600):
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


class WaitingRecords(logging.Handler):
    """The threads that logged waiting for another request's rendition."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.threads = set()

    def emit(self, record):
        if record.getMessage().startswith("Waiting for"):
            self.threads.add(record.threadName)


@pytest.fixture
def waiting_records():
    logger = logging.getLogger("hallingdal.images")
    handler = WaitingRecords()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_parallel_first_requests_in_threads_decode_once(monkeypatch, waiting_records):
    programme = programme_with_picture()
    monkeypatch.setattr(images, "RENDITION_WAIT_SECONDS", 60)
    gate = threading.Event()
    spy = DecodeSpy(monkeypatch, gate=gate)
    fp = images.fingerprint(programme.image)
    results = {}

    def request(number):
        # Each request loads its own row, as separate requests would.
        obj = Programme(pk=programme.pk, slug=programme.slug, image=programme.image.name)
        results[number] = images.rendition_file("programme", obj, fp, 720, "webp")

    threads = [threading.Thread(target=request, args=(n,), name=f"request-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(spy.started) == 1, "the first decode")
        wait_until(lambda: len(waiting_records.threads) == 3, "three requests waiting")
    finally:
        gate.set()
        for thread in threads:
            thread.join(30)

    name = images.rendition_name("programme", programme.image, 720, "webp")
    assert len(spy.started) == 1
    assert results == {n: name for n in range(4)}
    with default_storage.open(name) as stored, Image.open(stored) as rendition:
        assert rendition.size == (720, 360)


def test_a_rendition_being_made_elsewhere_is_503_with_retry_after(client, monkeypatch):
    programme = programme_with_picture()
    spy = DecodeSpy(monkeypatch)
    monkeypatch.setattr(images, "RENDITION_WAIT_SECONDS", 0.2)
    name = images.rendition_name("programme", programme.image, 360, "webp")
    # Another server holds the lock: its decode is under way.
    cache.add(f"picture-rendition-lock:{name}", "another server", timeout=60)
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")

    busy = client.get(url)

    assert busy.status_code == 503
    assert busy["Retry-After"] == str(images.RENDITION_RETRY_AFTER_SECONDS)
    assert "no-store" in busy["Cache-Control"]
    assert spy.started == []

    cache.delete(f"picture-rendition-lock:{name}")
    assert client.get(url).status_code == 200
    assert len(spy.started) == 1


def test_a_rendition_still_being_written_elsewhere_is_not_served(client, monkeypatch):
    programme = programme_with_picture()
    monkeypatch.setattr(images, "RENDITION_WAIT_SECONDS", 0.2)
    name = images.rendition_name("programme", programme.image, 360, "webp")
    lock = f"picture-rendition-lock:{name}"
    # Another server has written the first bytes and holds the lock.
    cache.add(lock, "another server", timeout=60)
    default_storage.save(name, ContentFile(b"RIFF\x00\x00"))
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")

    assert client.get(url).status_code == 503

    # It finishes writing and lets go: now the file is served.
    default_storage.delete(name)
    default_storage.save(name, ContentFile(image_bytes((360, 180), fmt="WEBP")))
    cache.delete(lock)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"RIFF")


@pytest.fixture
def redis_url(tmp_path):
    """A real, private redis-server on a free port, for the caches of several processes."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing: install Debian's redis-server package")
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"

    def answers():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_until(answers, "redis-server to start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


# One request in its own process, as on another server: it makes a rendition
# of the picture named in argv through the shared Redis and media folder, and
# writes one line to the decode log for each decode it does. With a gate file
# named, its decode waits until that file exists.
RENDITION_PROCESS = """
import os, sys, time
import django
django.setup()
from hallingdal import images
from programme.models import Programme

picture, fingerprint, decode_log, gate = sys.argv[1:5]
images.RENDITION_WAIT_SECONDS = 60
real = images.decode_picture

def decode(image, size):
    with open(decode_log, "a") as log:
        log.write(f"{os.getpid()}\\n")
    while gate != "-" and not os.path.exists(gate):
        time.sleep(0.02)
    return real(image, size)

images.decode_picture = decode
obj = Programme(slug="parallel", image=picture)
print(images.rendition_file("programme", obj, fingerprint, 720, "webp"), flush=True)
"""


def test_parallel_first_requests_on_two_servers_decode_once(redis_url, media_root, tmp_path):
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "programmes").mkdir()
    (media_root / "programmes" / "fjell.jpg").write_bytes(image_bytes((2000, 1000)))
    picture = Programme(image="programmes/fjell.jpg").image
    decode_log, gate = tmp_path / "decodes.log", tmp_path / "gate"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hallingdal.settings",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "REDIS_URL": redis_url,
        "DATABASE_URL": "",
        "DJANGO_LOG_LEVEL": "DEBUG",
    }

    def start(gate_file):
        arguments = [picture.name, images.fingerprint(picture), str(decode_log), gate_file]
        return subprocess.Popen(
            [sys.executable, "-c", RENDITION_PROCESS, *arguments],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = start(str(gate))
    second = None
    seen = []
    try:
        wait_until(lambda: decode_log.exists(), "the first server's decode")
        second = start("-")
        # The second server logs that it waits, or finishes (having decoded itself).
        for line in second.stdout:
            seen.append(line)
            if "Waiting for" in line:
                break
    finally:
        gate.touch()
        outputs = [process.communicate(timeout=60) for process in (first, second) if process]

    name = images.rendition_name("programme", picture, 720, "webp")
    assert any("Waiting for" in line for line in seen), seen
    assert [out.split()[-1] for out, _err in outputs] == [name, name], outputs
    assert len(decode_log.read_text().split()) == 1
    with Image.open(media_root / name) as rendition:
        assert rendition.size == (720, 360)


def test_without_a_cache_pictures_still_work(client, monkeypatch):
    programme = programme_with_picture()
    spy = DecodeSpy(monkeypatch)
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "webp")
    # Redis that does not answer: nothing listens on port 1.
    dead_redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    with override_settings(CACHES={"default": dead_redis}):
        page = client.get(programme.get_absolute_url())
        rendition = client.get(url)

    assert page.status_code == 200
    assert "<picture" in page.content.decode()
    assert rendition.status_code == 200
    assert len(spy.started) == 1


# --- Passing failures are not remembered; nothing half-written stays ----------------------


def test_a_passing_read_error_is_tried_again_but_an_unreadable_file_is_remembered(
    client, monkeypatch, media_root
):
    monkeypatch.setattr(images, "SOURCE_RETRY_SECONDS", 1)
    programme = programme_with_picture()
    municipality = make_municipality(slug="brokenville")
    municipality.coat_of_arms.save("broken.png", ContentFile(b"not an image at all"))
    stored = media_root / programme.image.name
    away = stored.with_name("away.jpg")

    # The storage loses the picture for a moment (a share unmounted, say).
    stored.rename(away)
    assert images.source_info(programme.image) is None
    stored.with_name("away.jpg").rename(stored)
    assert images.source_info(programme.image) is None, "retried at once, on every page"
    assert images.source_info(municipality.coat_of_arms) is None
    # The broken file is repaired in place: remembered, since the name is the same.
    (media_root / municipality.coat_of_arms.name).write_bytes(image_bytes((200, 200), fmt="PNG"))

    time.sleep(1.2)

    assert images.source_info(programme.image) == images.SourceInfo(2000, 1000, False)
    assert images.source_info(municipality.coat_of_arms) is None
    html_page = client.get(programme.get_absolute_url()).content.decode()
    assert "<picture" in html_page


def test_storage_failing_while_making_a_rendition_is_503_not_an_error(client, media_root):
    programme = programme_with_picture()
    client.get(programme.get_absolute_url())  # the size is known and cached
    stored = media_root / programme.image.name
    stored.rename(stored.with_name("away.jpg"))
    url = images.rendition_url("programme", programme.slug, programme.image, 360, "jpg")

    response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"]
    stored.with_name("away.jpg").rename(stored)
    assert client.get(url).status_code == 200


class FailingPartWay(ContentFile):
    """The disk fills up after the first bytes of the file are written."""

    def chunks(self, chunk_size=None):
        yield self.file.getvalue()[:100]
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_write_leaves_no_half_written_rendition(client, monkeypatch):
    programme = programme_with_picture()
    url = images.rendition_url("programme", programme.slug, programme.image, 1080, "jpg")
    name = images.rendition_name("programme", programme.image, 1080, "jpg")
    monkeypatch.setattr(images, "ContentFile", FailingPartWay)

    assert client.get(url).status_code == 503
    assert not default_storage.exists(name)
    assert not cache.get(f"picture-rendition-lock:{name}")

    monkeypatch.undo()
    response = client.get(url)
    assert response.status_code == 200
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as rendition:
        rendition.load()
        assert rendition.size == (1080, 540)
