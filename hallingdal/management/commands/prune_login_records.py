from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Delete django-axes' records of log-ins and failed log-ins (user names, addresses, "
        "browsers) older than DJANGO_LOGIN_RECORDS_DAYS, as the privacy page promises. "
        "Run it daily (docs/deploy.md)."
    )

    def handle(self, *args, **options):
        days = settings.LOGIN_RECORDS_DAYS
        cutoff = timezone.now() - timedelta(days=days)
        # An attempt that still counts towards a lockout stays, so pruning
        # never lifts one early, however short the retention.
        still_counting = timezone.now() - get_cool_off()
        attempts, _ = AccessAttempt.objects.filter(
            attempt_time__lte=min(cutoff, still_counting)
        ).delete()
        # axes' own pruning, as its axes_reset_logs and axes_reset_failure_logs run it.
        logins = AxesProxyHandler.reset_logs(age_days=days)
        failures = AxesProxyHandler.reset_failure_logs(age_days=days)
        age = "1 day" if days == 1 else f"{days} days"
        self.stdout.write(
            f"Deleted login records older than {age}: {attempts} failed-login "
            f"attempts, {logins} logins, {failures} failed-login log entries."
        )
