from django.core.management.base import BaseCommand

from hallingdal.publishing import apply_due_changes


class Command(BaseCommand):
    help = (
        "Publish the drafts whose scheduled minute has come. Visitors see them at that "
        "minute anyway (the first request publishes them); run this every minute so that "
        "the history shows the minute even when nobody visits."
    )

    def handle(self, *args, **options):
        published = apply_due_changes()
        if published or options["verbosity"] > 1:
            self.stdout.write(f"Published {published} scheduled draft(s).")
