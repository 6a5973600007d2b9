"""Redirects from the old addresses of renamed pages; editors may manage them.

The editors' group (0001_editors_group) gets the rights to view, add, change
and delete redirects, so that an editor can free an old address for a new page.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITORS_GROUP = "Redaktørar"
REDIRECT_PERMISSIONS = ["add_redirect", "change_redirect", "delete_redirect", "view_redirect"]


def give_editors_redirects(apps, schema_editor):
    # Permissions are normally created after all migrations have run.
    app_config = apps.get_app_config("hallingdal")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="hallingdal", codename__in=REDIRECT_PERMISSIONS
        )
    )


def take_redirects_from_editors(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="hallingdal", codename__in=REDIRECT_PERMISSIONS
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('hallingdal', '0003_publishing'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='Redirect',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('old_path', models.CharField(error_messages={'unique': 'This old address already redirects. Find it in the list of redirects and change where it leads instead.'}, help_text='The address without the language part, for example /programmes/old-name/. It redirects in every language, and so do the addresses below it.', max_length=300, unique=True, verbose_name='old address')),
                ('object_id', models.PositiveBigIntegerField(verbose_name='page id')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype', verbose_name='kind of page')),
            ],
            options={
                'verbose_name': 'redirect',
                'verbose_name_plural': 'redirects',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['content_type', 'object_id'], name='redirect_object')],
            },
        ),
        migrations.RunPython(give_editors_redirects, take_redirects_from_editors),
    ]
