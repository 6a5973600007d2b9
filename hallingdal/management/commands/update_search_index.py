import time

from django.core.management.base import BaseCommand, CommandError

from hallingdal.search_index import rebuild_search_index


class Command(BaseCommand):
    help = (
        "Write the search index afresh from the content. Saves keep it current; run this "
        "after a restore, a bulk import or SQL that changed content. Safe to run at any time."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        entries, failures = rebuild_search_index()
        seconds = time.monotonic() - started
        if failures:
            listed = ", ".join(f"{label} {pk}" for label, pk in failures)
            raise CommandError(
                f"Indexed the rest, but could not index {listed}; the log says why. "
                "Search will not find them until this succeeds."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {entries:,} search entries in {seconds:.1f} s.")
        )
