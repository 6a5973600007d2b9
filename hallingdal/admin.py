"""The site's admin: Django's own, with optimistic locking on every change form."""

from django.contrib import admin

from .admin_locking import with_locking


class SiteAdminSite(admin.AdminSite):
    """Django's admin site, whose registered ModelAdmins refuse to undo others' saves.

    The content apps keep registering with `@admin.register`; locking is
    composed in here, so they need to know nothing about it.
    """

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_locking(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)
