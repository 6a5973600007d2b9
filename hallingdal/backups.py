"""The backup archive: all data and uploaded files, with a manifest of SHA-256 sums.

One gzip-compressed tar file:

    manifest.json   format, version, time, and the SHA-256 and size of every other member
    data.json       every row worth keeping, in loaddata's JSON with natural keys for
                    users, groups, permissions and content types, so it loads into a
                    freshly migrated database
    media/<name>    every file in the default storage (filesystem or S3 alike)

Rows and files are from the same moment although the site runs on: the
files are copied aside first, then the rows are read in one database
snapshot, then any file those rows name that was uploaded meanwhile is
copied too. A file deleted while the backup runs is already in the copy, so
every file a row names is in the archive; one that cannot be had fails the
backup with a message naming it and its row. The copy is kept in a private
folder beside the archive, and the archive appears under its name, readable
by its owner only, once it is complete; a failure at any point (a full disk,
an error, Ctrl-C) leaves nothing behind.

The archive holds everything in the database, so also the editors' names,
e-mail addresses and password hashes: keep and move it as personal data.

Restoring verifies the whole archive before it touches anything, and only
restores into an empty database and an empty media storage.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .search_index import rebuild_search_index

FORMAT = "hallingdal-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
# Owner only: the archive holds password hashes and personal data.
ARCHIVE_MODE = 0o600

# Rebuilt by migrate (content types, permissions) or by restore (the search
# index), or not worth keeping (sessions, login attempts, the page cache's
# change counter).
NOT_BACKED_UP = {
    "contenttypes",
    "auth.permission",
    "hallingdal.searchentry",
    "hallingdal.pagegeneration",
    "sessions",
    "axes",
}


class BackupError(Exception):
    """The archive cannot be restored; the message says why."""


def backed_up_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in NOT_BACKED_UP
        and model._meta.label_lower not in NOT_BACKED_UP
    ]


def sha256_of(fileobj):
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def media_names(storage=default_storage, folder=""):
    """Every file name in the storage, walking folders."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}{name}" for name in files]
    for name in folders:
        names += media_names(storage, f"{folder}{name}/")
    return sorted(names)


class PreciseJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def dump_data(path):
    """Write every backed-up row as loaddata's JSON, models in dependency order.

    Like `dumpdata --all --natural-foreign --natural-primary`, but with full
    time precision, so a restored row is identical to the saved one. Return
    the files the rows name: {file name: ["programme.Programme 3 image", ...]}.
    """
    by_app = {}
    for model in backed_up_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    models_in_order = serializers.sort_dependencies(by_app.items(), allow_cycles=True)
    references = {}
    with transaction.atomic(), open(path, "w", encoding="utf-8") as out:
        if connection.vendor == "postgresql":
            # One consistent snapshot across all tables while the site runs on.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        out.write("[")
        first = True
        for model in models_in_order:
            file_fields = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, models.FileField)
            ]
            rows = serializers.serialize(
                "python",
                model._base_manager.order_by(model._meta.pk.name).iterator(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
            for row in rows:
                for field in file_fields:
                    if row["fields"][field]:
                        references.setdefault(row["fields"][field], []).append(
                            f"{model._meta.label} {row.get('pk')} {field}"
                        )
                out.write("\n" if first else ",\n")
                out.write(json.dumps(row, cls=PreciseJSONEncoder, ensure_ascii=False))
                first = False
        out.write("\n]\n")
    return references


def copy_media(names, workdir):
    """Copy the named storage files into workdir/media/, hashing them on the way.

    Return {name: manifest entry} for the files copied; a file that is gone
    by the time it is read (deleted since it was listed) is left out.
    """
    copied = {}
    for name in names:
        if not safe_member_name(MEDIA_PREFIX + name):
            raise BackupError(f"Unsafe file name, outside the media folder: {name!r}.")
        target = workdir / MEDIA_PREFIX / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with default_storage.open(name, "rb") as media_file, target.open("wb") as copy:
                for chunk in iter(lambda: media_file.read(CHUNK), b""):
                    digest.update(chunk)
                    copy.write(chunk)
        except FileNotFoundError:
            target.unlink(missing_ok=True)
            continue
        copied[name] = {"sha256": digest.hexdigest(), "size": target.stat().st_size}
    return copied


def missing_files_error(missing, references):
    described = "; ".join(f"{name} ({', '.join(references[name])})" for name in sorted(missing))
    return BackupError(
        f"Rows refer to files that are not in the media storage: {described}. If they were "
        "deleted while the backup ran, run it again; otherwise put the files back or clear "
        "those fields first."
    )


def write_archive(destination):
    """Write the archive to destination; return (number of rows, number of files)."""
    destination = Path(destination)
    # Beside the archive, not in /tmp: room for the copy is where the archive
    # goes, and the folder is private (0700) like the archive.
    with tempfile.TemporaryDirectory(
        dir=destination.parent, prefix=f".{destination.name}."
    ) as workdir:
        workdir = Path(workdir)
        media = copy_media(media_names(), workdir)
        data_path = workdir / DATA
        references = dump_data(data_path)
        # Uploaded after the listing, but named by the rows: copy them too.
        media |= copy_media(sorted(set(references) - set(media)), workdir)
        missing = set(references) - set(media)
        if missing:
            raise missing_files_error(missing, references)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "files": {},
        }
        with data_path.open("rb") as data_file:
            manifest["files"][DATA] = {
                "sha256": sha256_of(data_file),
                "size": data_path.stat().st_size,
            }
        for name in sorted(media):
            manifest["files"][MEDIA_PREFIX + name] = media[name]
        write_tar(destination, workdir, manifest)
        rows = len(json.loads(data_path.read_text()))
    return rows, len(media)


def write_tar(destination, workdir, manifest):
    """Write manifest and the files it lists from workdir; nothing under destination until done."""
    descriptor, partial = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as raw:
            # mkstemp's 0600 is subject to the umask; set it exactly.
            os.fchmod(raw.fileno(), ARCHIVE_MODE)
            with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
                for member_name, entry in manifest["files"].items():
                    info = tarfile.TarInfo(member_name)
                    info.mtime = int(time.time())
                    info.size = entry["size"]
                    with open(workdir / member_name, "rb") as member:
                        archive.addfile(info, member)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, destination)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def add_bytes(archive, name, content):
    info = tarfile.TarInfo(name)
    info.mtime = int(time.time())
    info.size = len(content)
    archive.addfile(info, io.BytesIO(content))


def safe_member_name(name):
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def extract_verified(source, workdir):
    """Unpack source into workdir, checking every member against the manifest.

    Raises BackupError, before anything outside workdir changed, when the
    archive is unreadable, incomplete, has extra or unsafe members, or any
    SHA-256 sum differs.
    """
    workdir = Path(workdir)
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = archive.getmembers()
            if not members or members[0].name != MANIFEST:
                raise BackupError("The archive has no manifest.json at its start.")
            manifest = json.load(archive.extractfile(members[0]))
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise BackupError("This is not a backup archive of this site (format/version).")
            expected = manifest["files"]
            seen = set()
            for member in members[1:]:
                if not member.isfile() or not safe_member_name(member.name):
                    raise BackupError(f"Unsafe entry in the archive: {member.name!r}.")
                if member.name not in expected or member.name in seen:
                    raise BackupError(f"Entry not in the manifest: {member.name!r}.")
                seen.add(member.name)
                target = workdir / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as packed, target.open("wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked, CHUNK)
                with target.open("rb") as unpacked:
                    if sha256_of(unpacked) != expected[member.name]["sha256"]:
                        raise BackupError(f"Checksum mismatch for {member.name!r}: damaged.")
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(f"Entries missing from the archive: {', '.join(missing)}.")
    except (
        tarfile.TarError,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
    ) as error:
        raise BackupError(f"The archive is damaged or unreadable: {error}") from error
    return manifest


def non_empty_reasons():
    """Why the database or media storage is not empty (a fresh migrate is empty)."""
    reasons = []
    for model in backed_up_models():
        # Migrations create the editors group; the archive's version replaces it.
        if model is Group:
            continue
        count = model._default_manager.count()
        if count:
            reasons.append(f"{model._meta.label} has {count} rows")
    files = media_names()
    if files:
        reasons.append(f"the media storage has {len(files)} files")
    return reasons


def restore_archive(source):
    """Load the archive into an empty site; return (number of rows, number of files)."""
    with tempfile.TemporaryDirectory() as workdir:
        manifest = extract_verified(source, workdir)
        reasons = non_empty_reasons()
        if reasons:
            raise BackupError(
                "Restore only goes into an empty database and media folder, but "
                + "; ".join(reasons)
                + "."
            )
        media = sorted(name for name in manifest["files"] if name.startswith(MEDIA_PREFIX))
        saved = []
        try:
            with transaction.atomic():
                call_command("loaddata", str(Path(workdir) / DATA), verbosity=0)
                # loaddata's raw saves leave the search index alone.
                rebuild_search_index()
                for member_name in media:
                    name = member_name.removeprefix(MEDIA_PREFIX)
                    with open(Path(workdir) / member_name, "rb") as unpacked:
                        stored = default_storage.save(name, File(unpacked))
                    saved.append(stored)
                    if stored != name:
                        raise BackupError(f"The storage renamed {name!r} to {stored!r}.")
        except Exception as error:
            # The transaction rolled back; take the files back out too.
            for name in saved:
                default_storage.delete(name)
            if isinstance(error, BackupError):
                raise
            raise BackupError(f"The archive's data could not be loaded: {error}") from error
        rows = len(json.loads((Path(workdir) / DATA).read_text()))
    return rows, len(media)
