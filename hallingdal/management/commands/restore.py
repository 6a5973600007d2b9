from django.core.management.base import BaseCommand, CommandError

from hallingdal.backups import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into an empty database (after "
        "`manage.py migrate`) and an empty media folder. The archive is checked against its "
        "manifest first; a damaged archive is refused and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive written by `manage.py backup`")

    def handle(self, *args, path, **options):
        try:
            rows, files = restore_archive(path)
        except BackupError as error:
            raise CommandError(f"Nothing was restored. {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Restored {path}: {rows} rows, {files} files."))
