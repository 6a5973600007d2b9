"""Create the editors' group, "Redaktørar", with exactly what an editor needs.

Editors maintain programmes, phases, municipalities, grants and documents.
They can hide documents and versions but not delete them (nothing is lost),
and they get no rights over users, groups or permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS_GROUP = "Redaktørar"

EDITOR_PERMISSIONS = {
    "programme": {
        "programme": ["add", "change", "delete", "view"],
        "phase": ["add", "change", "delete", "view"],
        "municipality": ["add", "change", "delete", "view"],
        "grant": ["add", "change", "delete", "view"],
    },
    "documents": {
        "document": ["add", "change", "view"],
        "documentversion": ["add", "change", "view"],
    },
}


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; make
    # sure they exist now so the group can be given them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in EDITOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in codenames
    ]
    group.permissions.set(permissions)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0004_ordering_without_joins"),
        ("documents", "0004_ordering_without_joins"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_editors_group, remove_editors_group),
    ]
