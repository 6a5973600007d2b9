"""Media in an S3 bucket: upload to download, signed redirects, check_files, backup, pictures.

The bucket is served by moto's S3 server on a loopback port, reached over
HTTP by the same django-storages backend that DJANGO_MEDIA_STORAGE=s3
selects, so every request here is one a real bucket would get.
"""

import io
import socket
import subprocess
import sys
import uuid
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from documents.models import Document, DocumentVersion
from documents.services import version_create
from hallingdal import images
from hallingdal.backups import media_names
from hallingdal.settings import media_storage
from tests.deploy_guide import documented_environment
from tests.factories import make_pdf, make_programme
from tests.test_deploy_check import ROOT, production_env

REGION = "eu-north-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server on a free loopback port, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, monkeypatch, s3_endpoint):
    """A fresh private bucket, made the site's media storage as the environment would."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **CREDENTIALS)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    environment = s3_environment(s3_endpoint, name)
    # Without the guide's AWS_LOCATION prefix: the tests here take a file's name for its
    # key in the bucket. test_the_environment_alone_selects_the_bucket keeps the prefix.
    del environment["AWS_LOCATION"]
    monkeypatch.delenv("AWS_LOCATION", raising=False)
    # STORAGES["default"] exactly as settings.py builds it from these variables.
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    settings.STORAGES = {**settings.STORAGES, "default": media_storage()}
    settings.PAGE_CACHE = False
    cache.clear()
    yield client, name
    cache.clear()


def s3_environment(endpoint, bucket_name):
    """The `s3` block of docs/deploy.md, with the test's bucket's endpoint, name, region, keys."""
    return documented_environment(
        "s3",
        required=("DJANGO_MEDIA_STORAGE", "AWS_S3_ADDRESSING_STYLE", "AWS_LOCATION"),
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_STORAGE_BUCKET_NAME=bucket_name,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
    )


def document_redirect_environment(seconds=None):
    """The `document-redirect` block of docs/deploy.md; `seconds` replaces its 300 (the default)."""
    ours = {} if seconds is None else {"DJANGO_DOCUMENT_URL_SECONDS": str(seconds)}
    return documented_environment(
        "document-redirect",
        required=("DJANGO_DOCUMENT_SERVE", "DJANGO_DOCUMENT_URL_SECONDS"),
        **ours,
    )


def serve_documents_as(settings, environment):
    """The settings settings.py makes of `environment`'s DJANGO_DOCUMENT_* variables."""
    settings.DOCUMENT_SERVE = environment["DJANGO_DOCUMENT_SERVE"]
    settings.DOCUMENT_URL_SECONDS = int(environment["DJANGO_DOCUMENT_URL_SECONDS"])


def bucket_keys(bucket):
    client, name = bucket
    return {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])}


def bucket_object(bucket, key):
    client, name = bucket
    return client.get_object(Bucket=name, Key=key)["Body"].read()


@pytest.fixture
def editor(db, client):
    user = get_user_model().objects.create_superuser("redaktor", "r@example.org", "x" * 20)
    client.force_login(user)
    return user


def upload_through_admin(client, document, data, filename, *, publish=True):
    payload = {"file": ContentFile(data, name=filename)}
    if publish:
        payload["publish"] = "on"
    url = reverse("admin:documents_document_upload", args=[document.pk])
    response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    return document.versions.order_by("-id").first()


def content(response):
    return b"".join(response.streaming_content)


def test_an_upload_goes_to_the_bucket_and_downloads_through_our_view(bucket, client, editor):
    document = Document.objects.create(title_nn="Budsjett", slug="budsjett", is_published=True)
    data = make_pdf(pages=2, padding=200_000)
    version = upload_through_admin(client, document, data, "Budsjett for Ål.pdf")

    assert version.file.name in bucket_keys(bucket)
    assert bucket_object(bucket, version.file.name) == data

    client.logout()
    response = client.get(document.get_download_url())
    assert response.status_code == 200
    assert content(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == (
        'attachment; filename="Budsjett for Al.pdf"; '
        "filename*=UTF-8''Budsjett%20for%20%C3%85l.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, no-cache"
    version.refresh_from_db()
    assert version.download_count == 1

    # A range is read from the bucket from its first byte on, not the whole object.
    asked = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-send.s3.GetObject", lambda request, **_: asked.append(request))
    ranged = client.get(document.get_download_url(), HTTP_RANGE="bytes=1000-1999")
    assert ranged.status_code == 206
    assert content(ranged) == data[1000:2000]
    assert [request.headers.get("Range") for request in asked] == [b"bytes=1000-"]


def test_an_unpublished_file_in_the_bucket_is_not_served(bucket, client, editor):
    document = Document.objects.create(title_nn="Utkast", slug="utkast", is_published=True)
    version = upload_through_admin(client, document, make_pdf(), "utkast.pdf", publish=False)
    assert version.file.name in bucket_keys(bucket)
    client.logout()

    assert client.get(document.get_download_url()).status_code == 404
    address = version.get_download_url()
    assert client.get(address).status_code == 404


def test_redirect_sends_a_short_lived_signed_address_with_our_name_and_type(
    bucket, client, editor, settings
):
    # 120, not the guide's 300: that is the default, which an unread setting would give too.
    serve_documents_as(settings, document_redirect_environment(seconds=120))
    # Even with a shared cache in front allowed for pages, a redirect stays private.
    settings.SHARED_CACHE_SECONDS = 600
    document = Document.objects.create(title_nn="Plan", slug="plan", is_published=True)
    data = make_pdf(pages=3)
    version = upload_through_admin(client, document, data, "Regionplan 2025–2030.pdf")
    client.logout()

    response = client.get(document.get_download_url())
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    endpoint = default_storage.endpoint_url
    assert location.startswith(f"{endpoint}/{bucket[1]}/{version.file.name}?")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    version.refresh_from_db()
    assert version.download_count == 1

    with urlopen(location, timeout=10) as fetched:
        assert fetched.read() == data
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"] == (
            'attachment; filename="Regionplan 2025-2030.pdf"; '
            "filename*=UTF-8''Regionplan%202025%E2%80%932030.pdf"
        )
    # Without the signature the private bucket refuses it.
    unsigned = location.split("?")[0]
    with pytest.raises(OSError, match="403"):
        urlopen(unsigned, timeout=10)


def test_redirect_is_only_for_published_files(bucket, client, editor, settings):
    serve_documents_as(settings, document_redirect_environment())
    document = Document.objects.create(title_nn="Utkast", slug="utkast", is_published=True)
    upload_through_admin(client, document, make_pdf(), "utkast.pdf", publish=False)
    client.logout()
    assert client.get(document.get_download_url()).status_code == 404


def test_check_files_reports_a_file_deleted_from_the_bucket(bucket, client, editor):
    document = Document.objects.create(title_nn="Referat", slug="referat", is_published=True)
    kept = upload_through_admin(client, document, make_pdf(pages=1), "referat.pdf")
    gone = upload_through_admin(client, document, make_pdf(pages=2), "referat-2.pdf")
    call_command("check_files", stdout=io.StringIO())

    bucket[0].delete_object(Bucket=bucket[1], Key=gone.file.name)
    output = io.StringIO()
    with pytest.raises(CommandError, match="1 version"):
        call_command("check_files", stdout=output)
    assert f"Version without its file: {gone.file.name}" in output.getvalue()
    assert kept.file.name not in output.getvalue()
    client.logout()
    address = gone.get_download_url()
    assert client.get(address).status_code == 404


def test_backup_takes_the_bucket_and_restore_puts_it_back(bucket, transactional_db, tmp_path):
    document = Document.objects.create(title_nn="Plan", slug="plan", is_published=True)
    data = make_pdf(pages=2)
    version = version_create(document=document, uploaded_file=ContentFile(data, name="plan.pdf"))
    default_storage.save("images/all-bytes.bin", ContentFile(bytes(range(256)) * 16))
    files_before = {key: bucket_object(bucket, key) for key in bucket_keys(bucket)}
    assert set(files_before) == {version.file.name, "images/all-bytes.bin"}

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)
    for key in files_before:
        bucket[0].delete_object(Bucket=bucket[1], Key=key)
    assert media_names() == []

    call_command("restore", str(archive), stdout=io.StringIO())
    assert {key: bucket_object(bucket, key) for key in bucket_keys(bucket)} == files_before
    restored = DocumentVersion.objects.get()
    assert restored.file.name == version.file.name
    assert restored.file.storage.open(restored.file.name).read() == data


def test_a_picture_rendition_is_made_from_the_original_in_the_bucket(bucket, db, client):
    programme = make_programme(image_description_nn="Fjell over Gol")
    photo = io.BytesIO()
    Image.new("RGB", (1600, 800), (200, 80, 40)).save(photo, "JPEG")
    programme.image.save("fjell.jpg", ContentFile(photo.getvalue()))
    assert programme.image.name in bucket_keys(bucket)

    url = images.rendition_url("programme", programme.slug, programme.image, 720, "webp")
    response = client.get(url)
    assert response.status_code == 200
    with Image.open(io.BytesIO(content(response))) as rendition:
        assert (rendition.format, rendition.size) == ("WEBP", (720, 360))
    assert images.rendition_name("programme", programme.image, 720, "webp") in bucket_keys(bucket)


# --- configuration from the environment, in fresh processes ------------------


def manage_with(tmp_path, *args, **environment):
    env = production_env(tmp_path, **environment)
    env = {key: value for key, value in env.items() if not key.startswith("AWS_")}
    env.update({key: value for key, value in environment.items() if value is not None})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_alone_selects_the_bucket(tmp_path, s3_endpoint):
    environment = s3_environment(s3_endpoint, "any-bucket")
    result = manage_with(
        tmp_path,
        "shell",
        "-c",
        "from django.core.files.storage import default_storage as s; "
        "print(s.__class__.__name__, "
        "s.bucket_name, s.location, s.default_acl, s.querystring_auth, s.file_overwrite)",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    storage = result.stdout.splitlines()[-1].split()
    location = environment["AWS_LOCATION"]
    assert storage == ["S3Storage", "any-bucket", location, "None", "True", "False"]


def test_redirect_as_the_guide_sets_it_starts_up_on_the_bucket(tmp_path, s3_endpoint):
    """The s3 and document-redirect blocks together, as a deploy following the guide has them."""
    environment = {
        **s3_environment(s3_endpoint, "any-bucket"),
        **document_redirect_environment(seconds=120),  # 120: see the test above
    }
    result = manage_with(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DOCUMENT_SERVE, s.DOCUMENT_URL_SECONDS)",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["redirect", "120"]


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"AWS_STORAGE_BUCKET_NAME": None}, "AWS_STORAGE_BUCKET_NAME"),
        (
            {"AWS_S3_REGION_NAME": None, "AWS_S3_ENDPOINT_URL": None},
            "AWS_S3_REGION_NAME or AWS_S3_ENDPOINT_URL",
        ),
        ({"AWS_SECRET_ACCESS_KEY": None}, "AWS_SECRET_ACCESS_KEY"),
        ({"AWS_S3_ENDPOINT_URL": "minio.example.no:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({"DJANGO_MEDIA_STORAGE": "s4"}, "DJANGO_MEDIA_STORAGE"),
        ({"DJANGO_DOCUMENT_SERVE": "teleport"}, "DJANGO_DOCUMENT_SERVE"),
        ({"DJANGO_DOCUMENT_URL_SECONDS": "0"}, "DJANGO_DOCUMENT_URL_SECONDS"),
    ],
)
def test_a_wrong_or_missing_bucket_setting_stops_start_up_naming_it(
    tmp_path, s3_endpoint, changes, named
):
    environment = {**s3_environment(s3_endpoint, "any-bucket"), **changes}
    environment = {key: value for key, value in environment.items() if value is not None}
    result = manage_with(tmp_path, "check", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_redirect_needs_a_bucket(tmp_path):
    """A folder has no signed addresses, so redirect is refused rather than ignored."""
    # The guide's block as it stands, on the folder storage production_env gives.
    result = manage_with(tmp_path, "check", **document_redirect_environment())
    assert result.returncode != 0
    assert "DJANGO_DOCUMENT_SERVE=redirect needs DJANGO_MEDIA_STORAGE=s3" in result.stderr


# --- a bucket out of reach ---------------------------------------------------


@pytest.fixture
def bucket_out_of_reach(settings, monkeypatch, bucket):
    """Switch the media storage to an address where nothing listens, as in an outage."""

    def cut_off():
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        monkeypatch.setenv("AWS_S3_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
        settings.STORAGES = {**settings.STORAGES, "default": media_storage()}

    return cut_off


def test_a_bucket_out_of_reach_gives_503s_and_pages_without_pictures(
    bucket, bucket_out_of_reach, db, client
):
    document = Document.objects.create(title_nn="Plan", slug="plan", is_published=True)
    version_create(document=document, uploaded_file=ContentFile(make_pdf(), name="plan.pdf"))
    programme = make_programme(image_description_nn="Fjell over Gol")
    photo = io.BytesIO()
    Image.new("RGB", (800, 400), (200, 80, 40)).save(photo, "JPEG")
    programme.image.save("fjell.jpg", ContentFile(photo.getvalue()))
    url = images.rendition_url("programme", programme.slug, programme.image, 720, "webp")
    # The picture's size is known (cached) before the bucket goes away.
    assert "<picture" in client.get(programme.get_absolute_url()).content.decode()

    bucket_out_of_reach()

    download = client.get(document.get_download_url())
    assert download.status_code == 503
    assert download["Retry-After"] and "no-store" in download["Cache-Control"]
    rendition = client.get(url)
    assert rendition.status_code == 503
    assert rendition["Retry-After"]
    # A picture whose size is not known yet is left out; the page itself works.
    cache.clear()
    page = client.get(programme.get_absolute_url())
    assert page.status_code == 200
    assert "<picture" not in page.content.decode()
