"""backup and restore: every row and every file byte survives; damage changes nothing.

A backup agrees with itself while the site runs on, leaves nothing behind
when it fails, and is readable by its owner only.
"""

import io
import json
import os
import resource
import shutil
import signal
import stat
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
from django.db.models import FileField

from documents.models import DocumentVersion
from hallingdal import backups as backups_module
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


# --- Failures leave nothing behind; rows and files agree; owner-only archives -------------


def files_named_by_rows():
    """Every stored file name a row refers to, with the bytes it has now (None if missing)."""
    names = set()
    for model in backed_up_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField):
                names |= {
                    getattr(row, field.attname).name
                    for row in model._base_manager.exclude(**{field.name: ""})
                }
    return {
        name: default_storage.open(name, "rb").read() if default_storage.exists(name) else None
        for name in names
    }


@pytest.fixture
def backups(tmp_path):
    """A folder of its own for archives, so anything left behind shows."""
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


@pytest.fixture
def bulky_site(full_site):
    """Add pictures that do not compress, so the archive is larger than any file in it."""
    for number in range(4):
        default_storage.save(f"images/noise-{number}.bin", ContentFile(os.urandom(300_000)))
    return full_site


@pytest.fixture
def no_signal_for_big_files():
    # Past RLIMIT_FSIZE the kernel sends SIGXFSZ, which ends the process
    # unless ignored; ignored, the write fails with EFBIG like a full disk.
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGXFSZ, previous)


def test_a_backup_stopped_by_a_full_disk_leaves_nothing(
    bulky_site, backups, tmp_path, no_signal_for_big_files
):
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=quiet())
    largest_file = max(
        [len(data) for data in stored_files().values()] + [len(json.dumps(snapshot(), default=str))]
    )
    limit = good.stat().st_size // 2
    assert largest_file < limit, "the archive itself must be what runs out of room"

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        with pytest.raises(CommandError, match="No backup was written.*File too large"):
            call_command("backup", str(backups / "backup.tar.gz"), stdout=quiet())
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    assert list(backups.iterdir()) == []


def test_a_backup_interrupted_part_way_leaves_nothing(bulky_site, backups, monkeypatch):
    real_addfile = tarfile.TarFile.addfile
    added = []

    def interrupted(self, tarinfo, fileobj=None):
        added.append(tarinfo.name)
        if len(added) == 4:
            raise KeyboardInterrupt  # Ctrl-C with three entries written
        return real_addfile(self, tarinfo, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", interrupted)

    with pytest.raises(KeyboardInterrupt):
        call_command("backup", str(backups / "backup.tar.gz"), stdout=quiet())

    assert len(added) == 4
    assert list(backups.iterdir()) == []


def test_a_storage_error_part_way_fails_with_a_message_and_leaves_nothing(
    full_site, backups, monkeypatch
):
    real_open = default_storage.open

    def failing_open(name, mode="rb"):
        if name == "images/all-bytes.bin":
            raise PermissionError(13, "Permission denied", name)
        return real_open(name, mode)

    monkeypatch.setattr(default_storage, "open", failing_open)

    with pytest.raises(CommandError, match="No backup was written.*Permission denied"):
        call_command("backup", str(backups / "backup.tar.gz"), stdout=quiet())
    assert list(backups.iterdir()) == []


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_archives_are_readable_by_their_owner_only(full_site, backups, umask):
    previous = os.umask(umask)
    try:
        call_command("backup", str(backups / "backup.tar.gz"), stdout=quiet())
    finally:
        os.umask(previous)
    assert stat.S_IMODE((backups / "backup.tar.gz").stat().st_mode) == 0o600


def test_rows_and_files_agree_when_files_change_while_the_backup_runs(
    full_site, media_root, backups, monkeypatch
):
    version = DocumentVersion.objects.select_related("document").first()
    deleted_name = version.file.name
    deleted_bytes = default_storage.open(deleted_name, "rb").read()
    real_media_names, real_dump = backups_module.media_names, backups_module.dump_data
    added = {}

    def listing_then_a_deletion(*args, **kwargs):
        names = real_media_names(*args, **kwargs)
        # A file no row names disappears between being listed and being read.
        default_storage.delete("images/all-bytes.bin")
        return names

    def editors_at_work(path):
        # Before the rows are read: the version's file is deleted (its row
        # goes in a transaction the snapshot does not see yet), and a new
        # picture is uploaded with its programme.
        default_storage.delete(deleted_name)
        programme = make_programme(slug="lagt-til-no")
        programme.image.save("ny.png", ContentFile(b"\x89PNG new picture"))
        added["name"] = programme.image.name
        references = real_dump(path)
        # After the rows are read: another upload, in no row of the archive.
        default_storage.save("images/after.bin", ContentFile(b"later"))
        return references

    monkeypatch.setattr(backups_module, "media_names", listing_then_a_deletion)
    monkeypatch.setattr(backups_module, "dump_data", editors_at_work)
    archive = backups / "backup.tar.gz"
    call_command("backup", str(archive), stdout=quiet())
    monkeypatch.undo()

    empty_the_site(media_root)
    call_command("restore", str(archive), stdout=quiet())

    restored = files_named_by_rows()
    assert restored[deleted_name] == deleted_bytes
    assert restored[added["name"]] == b"\x89PNG new picture"
    assert None not in restored.values()
    assert Programme.objects.filter(slug="lagt-til-no").exists()


def test_a_row_whose_file_is_missing_fails_the_backup_and_names_both(full_site, backups):
    version = DocumentVersion.objects.first()
    default_storage.delete(version.file.name)

    with pytest.raises(CommandError) as refused:
        call_command("backup", str(backups / "backup.tar.gz"), stdout=quiet())

    message = str(refused.value)
    assert message.startswith("No backup was written.")
    assert f"{version.file.name} (documents.DocumentVersion {version.pk} file)" in message
    assert "run it again" in message
    assert list(backups.iterdir()) == []
