"""Give the editors' group the right to publish, unpublish and schedule content.

The publishing buttons in the admin ask for these rights
(`<app>.publish_<model>`); editors had the fields they stand for before, so
they keep what they could do. A role that may only prepare drafts is a
group without them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS_GROUP = "Redaktørar"
PUBLISH = [
    ("programme", "publish_programme"),
    ("programme", "publish_phase"),
    ("programme", "publish_municipality"),
    ("programme", "publish_grant"),
    ("documents", "publish_document"),
]


def publish_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in PUBLISH
    ]


def give(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).first()
    if group is not None:
        group.permissions.add(*publish_permissions(apps))


def take_back(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).first()
    if group is not None:
        group.permissions.remove(*publish_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("hallingdal", "0005_search_entry"),
        ("programme", "0007_publishing_windows"),
        ("documents", "0007_publishing_windows"),
    ]

    operations = [migrations.RunPython(give, take_back)]
