"""Compare stored document files with the database rows that point at them."""

from django.core.management.base import BaseCommand, CommandError

from documents.models import DocumentVersion

FOLDER = "documents"


def stored_names(storage, folder=FOLDER):
    """Every file name under `folder` in the storage, walking sub-folders."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    names = {f"{folder}/{name}" for name in files}
    for directory in directories:
        names |= stored_names(storage, f"{folder}/{directory}")
    return names


class Command(BaseCommand):
    help = (
        "Report document files that no version points at, and versions whose file is "
        "missing or has the wrong size. Exits with status 1 when it finds any."
    )

    def handle(self, *args, **options):
        storage = DocumentVersion._meta.get_field("file").storage
        on_disk = stored_names(storage)
        rows = dict(DocumentVersion.objects.values_list("file", "size"))

        orphans = sorted(on_disk - rows.keys())
        missing = sorted(name for name in rows if name not in on_disk)
        wrong_size = sorted(
            name for name in rows.keys() & on_disk if storage.size(name) != rows[name]
        )

        for name in orphans:
            self.stdout.write(f"File without a version: {name}")
        for name in missing:
            self.stdout.write(f"Version without its file: {name}")
        for name in wrong_size:
            self.stdout.write(f"File with a different size than recorded: {name}")

        problems = len(orphans) + len(missing) + len(wrong_size)
        if problems:
            raise CommandError(
                f"{problems} problem(s): {len(orphans)} file(s) without a version, "
                f"{len(missing)} version(s) without a file, {len(wrong_size)} of the wrong size."
            )
        self.stdout.write(
            self.style.SUCCESS(f"All {len(rows)} document file(s) are in place, and no others.")
        )
