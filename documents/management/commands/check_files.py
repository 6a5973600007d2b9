"""Compare stored document files with the database rows that point at them."""

from django.core.management.base import BaseCommand, CommandError

from documents.file_checks import MISSING, WRONG_SIZE, file_problems, file_storage, stored_names
from documents.models import DocumentVersion


class Command(BaseCommand):
    help = (
        "Report document files that no version points at, and versions whose file is "
        "missing or has the wrong size. Exits with status 1 when it finds any."
    )

    def handle(self, *args, **options):
        storage = file_storage()
        on_disk = stored_names(storage)
        rows = dict(DocumentVersion.objects.values_list("file", "size"))
        problems_by_name = file_problems(rows, storage, on_disk)

        orphans = sorted(on_disk - rows.keys())
        missing = sorted(name for name, kind in problems_by_name.items() if kind == MISSING)
        wrong_size = sorted(name for name, kind in problems_by_name.items() if kind == WRONG_SIZE)

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
