"""backup and restore: every row and every file byte survives; damage changes nothing."""

import io
import json
import shutil
import tarfile

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from hallingdal.backups import backed_up_models, media_names, sha256_of
from hallingdal.search import search
from programme.models import Programme
from tests.factories import make_programme

# Every byte value, so no encoding step can pass unnoticed.
ALL_BYTES = bytes(range(256)) * 64


def quiet():
    return io.StringIO()


def snapshot():
    """Every backed-up row, with users, groups and content types by natural key."""
    return {
        model._meta.label: serializers.serialize(
            "python",
            model._default_manager.order_by("pk"),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
        for model in backed_up_models()
    }


def stored_files():
    names = media_names()
    return {name: default_storage.open(name, "rb").read() for name in names}


def is_empty():
    return not any(model._default_manager.exists() for model in backed_up_models()) and (
        stored_files() == {}
    )


def empty_the_site(media_root):
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    shutil.rmtree(media_root, ignore_errors=True)


@pytest.fixture
def full_site(transactional_db, hallingdal):
    """The Hallingdal content plus an editor, their group, an admin log entry and a binary file."""
    editor = get_user_model().objects.create_user(
        "kari", password="a long and unguessable passphrase 7", is_staff=True
    )
    group = Group.objects.create(name="Redaksjon")
    group.permissions.add(Permission.objects.get(codename="change_programme"))
    editor.groups.add(group)
    editor.user_permissions.add(Permission.objects.get(codename="view_grant"))
    LogEntry.objects.log_actions(
        user_id=editor.pk, queryset=Programme.objects.all(), action_flag=ADDITION
    )
    default_storage.save("images/all-bytes.bin", ContentFile(ALL_BYTES))
    return hallingdal


def test_round_trip_keeps_every_row_and_every_file_byte(full_site, media_root, tmp_path):
    rows_before, files_before = snapshot(), stored_files()
    for label in (
        "programme.Programme",
        "programme.Phase",
        "programme.Grant",
        "programme.Municipality",
        "documents.Document",
        "documents.DocumentVersion",
        "auth.User",
        "auth.Group",
        "admin.LogEntry",
    ):
        assert rows_before[label], label
    assert len(files_before) >= 2 and files_before["images/all-bytes.bin"] == ALL_BYTES

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=quiet())

    empty_the_site(media_root)
    assert is_empty()

    output = quiet()
    call_command("restore", str(archive), stdout=output)
    assert "Restored" in output.getvalue()
    assert snapshot() == rows_before
    assert stored_files() == files_before

    # The restored site works on: new rows get fresh ids (sequences were reset).
    assert make_programme().pk > max(row["pk"] for row in rows_before["programme.Programme"])
    kari = get_user_model().objects.get(username="kari")
    assert kari.check_password("a long and unguessable passphrase 7")
    assert kari.has_perm("programme.change_programme") and kari.has_perm("programme.view_grant")
    # The search index is not in the archive; restore writes it afresh.
    assert "Hemsedal" in [result.title for result in search("Hemsedal", "nn")]


def test_archive_has_a_manifest_of_sha256_sums(full_site, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=quiet())
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        assert names[0] == "manifest.json"
        assert set(names[1:]) == set(manifest["files"])
        for name, entry in manifest["files"].items():
            assert sha256_of(tar.extractfile(name)) == entry["sha256"]
    assert "media/images/all-bytes.bin" in manifest["files"]
    assert not (tmp_path / "backup.tar.gz.partial").exists()


def rewrite(source, destination, change):
    """Copy an archive member by member; change(name, data) returns new data or None to drop."""
    with tarfile.open(source) as original, tarfile.open(destination, "w:gz") as copy:
        for member in original.getmembers():
            data = change(member.name, original.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        extra = change("<extra>", b"")
        if extra:
            name, data = extra
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))


def flip_a_byte(name, data):
    if name == "media/images/all-bytes.bin":
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]
    return None if name == "<extra>" else data


def bad_data(name, data):
    """Valid sums, data that cannot load: restore must roll back files too."""
    if name == "data.json":
        return b'[{"model": "programme.nosuchmodel", "pk": 1, "fields": {}}]'
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["files"]["data.json"]["sha256"] = sha256_of(
            io.BytesIO(b'[{"model": "programme.nosuchmodel", "pk": 1, "fields": {}}]')
        )
        return json.dumps(manifest).encode()
    return None if name == "<extra>" else data


DAMAGE = {
    "flipped byte": (flip_a_byte, "Checksum mismatch"),
    "missing file": (
        lambda name, data: None if name in ("data.json", "<extra>") else data,
        "missing from the archive",
    ),
    "extra file": (
        lambda name, data: ("media/planted.txt", b"x") if name == "<extra>" else data,
        "not in the manifest",
    ),
    "path traversal": (
        lambda name, data: ("../../outside.txt", b"x") if name == "<extra>" else data,
        "Unsafe entry",
    ),
    "no manifest": (
        lambda name, data: None if name in ("manifest.json", "<extra>") else data,
        "no manifest",
    ),
    "unloadable data": (bad_data, "could not be loaded"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_archive_is_refused_and_changes_nothing(full_site, media_root, tmp_path, damage):
    change, message = DAMAGE[damage]
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=quiet())
    damaged = tmp_path / "damaged.tar.gz"
    rewrite(good, damaged, change)
    empty_the_site(media_root)

    with pytest.raises(CommandError, match=message) as refused:
        call_command("restore", str(damaged), stdout=quiet())
    assert "Nothing was restored" in str(refused.value)
    assert is_empty()
    assert not (tmp_path.parent / "outside.txt").exists()


@pytest.mark.parametrize("cut", ["truncated", "garbage", "corrupt gzip"])
def test_unreadable_archive_is_refused_and_changes_nothing(full_site, media_root, tmp_path, cut):
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=quiet())
    data = good.read_bytes()
    damaged = tmp_path / "damaged.tar.gz"
    if cut == "truncated":
        damaged.write_bytes(data[: len(data) // 2])
    elif cut == "garbage":
        damaged.write_bytes(b"not an archive at all" * 100)
    else:
        middle = len(data) // 2
        damaged.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    empty_the_site(media_root)

    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(damaged), stdout=quiet())
    assert is_empty()


def test_restore_refuses_a_site_that_is_not_empty(full_site, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=quiet())
    rows_before, files_before = snapshot(), stored_files()

    with pytest.raises(CommandError, match="only goes into an empty database"):
        call_command("restore", str(archive), stdout=quiet())
    assert snapshot() == rows_before
    assert stored_files() == files_before


def test_restore_refuses_a_media_folder_that_is_not_empty(full_site, media_root, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=quiet())
    empty_the_site(media_root)
    default_storage.save("left-over.txt", ContentFile(b"left over"))

    with pytest.raises(CommandError, match="media storage has 1 files"):
        call_command("restore", str(archive), stdout=quiet())
    assert Programme.objects.count() == 0
