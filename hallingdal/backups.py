"""The backup archive: all data and uploaded files, with a manifest of SHA-256 sums.

One gzip-compressed tar file:

    manifest.json   format, version, time, and the SHA-256 and size of every other member
    data.json       every row worth keeping, in loaddata's JSON with natural keys for
                    users, groups, permissions and content types, so it loads into a
                    freshly migrated database
    media/<name>    every file in the default storage (filesystem or S3 alike)

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
from django.db import connection, transaction
from django.utils import timezone

from .search_index import rebuild_search_index

FORMAT = "hallingdal-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

# Rebuilt by migrate (content types, permissions) or by restore (the search
# index), or not worth keeping (sessions, login attempts).
NOT_BACKED_UP = {"contenttypes", "auth.permission", "hallingdal.searchentry", "sessions", "axes"}


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
    time precision, so a restored row is identical to the saved one.
    """
    by_app = {}
    for model in backed_up_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    models = serializers.sort_dependencies(by_app.items(), allow_cycles=True)
    with transaction.atomic(), open(path, "w", encoding="utf-8") as out:
        if connection.vendor == "postgresql":
            # One consistent snapshot across all tables while the site runs on.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        out.write("[")
        first = True
        for model in models:
            rows = serializers.serialize(
                "python",
                model._base_manager.order_by(model._meta.pk.name).iterator(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
            for row in rows:
                out.write("\n" if first else ",\n")
                out.write(json.dumps(row, cls=PreciseJSONEncoder, ensure_ascii=False))
                first = False
        out.write("\n]\n")


def write_archive(destination):
    """Write the archive to destination; return (number of rows, number of files)."""
    destination = Path(destination)
    partial = destination.with_name(destination.name + ".partial")
    with tempfile.TemporaryDirectory() as workdir:
        data_path = Path(workdir) / DATA
        dump_data(data_path)
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
        names = media_names()
        for name in names:
            with default_storage.open(name, "rb") as media_file:
                manifest["files"][MEDIA_PREFIX + name] = {
                    "sha256": sha256_of(media_file),
                    "size": default_storage.size(name),
                }

        with tarfile.open(partial, "w:gz") as archive:
            add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
            archive.add(data_path, arcname=DATA)
            for name in names:
                with default_storage.open(name, "rb") as media_file:
                    info = tarfile.TarInfo(MEDIA_PREFIX + name)
                    info.mtime = int(time.time())
                    info.size = manifest["files"][MEDIA_PREFIX + name]["size"]
                    archive.addfile(info, media_file)
        os.replace(partial, destination)
        rows = len(json.loads(data_path.read_text()))
    return rows, len(names)


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
