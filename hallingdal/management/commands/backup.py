from django.core.management.base import BaseCommand, CommandError

from hallingdal.backups import BackupError, write_archive


class Command(BaseCommand):
    help = (
        "Write one .tar.gz archive with all data and every uploaded file, plus a manifest "
        "of SHA-256 sums, readable by its owner only. It holds password hashes and personal "
        "data (editors' names and e-mail addresses): keep and move it as such. Restore it "
        "with `manage.py restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="where to write the archive, e.g. backup.tar.gz")

    def handle(self, *args, path, **options):
        try:
            rows, files = write_archive(path)
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup was written. {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}: {rows} rows, {files} files."))
