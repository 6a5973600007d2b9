"""Formerly created the editors' group; the site app does that now.

The group holds rights over programmes and documents alike, so it belongs to
the site app (hallingdal/migrations/0001_editors_group.py), which may depend
on both content apps. Kept, empty, so databases that applied it stay in step.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0002_grant_phase_in_same_programme"),
    ]

    operations = []
