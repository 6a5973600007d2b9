from django.core.management.base import BaseCommand

from hallingdal.backups import write_archive


class Command(BaseCommand):
    help = (
        "Write one .tar.gz archive with all data and every uploaded file, plus a manifest "
        "of SHA-256 sums. Restore it with `manage.py restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="where to write the archive, e.g. backup.tar.gz")

    def handle(self, *args, path, **options):
        rows, files = write_archive(path)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}: {rows} rows, {files} files."))
