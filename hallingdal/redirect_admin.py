"""The redirects in the admin: editors see where old addresses lead, add and delete them.

Imported by the site app's ready(), which registers it on the admin site.
"""

from urllib.parse import unquote, urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Redirect
from .redirects import address_of, page_at, split_language


def path_from(address):
    """The path of an address as typed or pasted, without the language prefix."""
    path = unquote(urlsplit(address.strip()).path)
    return split_language(path if path.startswith("/") else f"/{path}")[1]


def is_fixed_page(path):
    """A page of the site that is not made from a slug (the funding page, say)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            match = resolve(f"/{settings.LANGUAGE_CODE}{path}")
        except Resolver404:
            return False
    return not match.kwargs


class RedirectForm(forms.ModelForm):
    target_address = forms.CharField(
        label=_("leads to"),
        max_length=300,
        help_text=_(
            "The page's address as it is now, for example /programmes/new-name/, or the whole "
            "address copied from the browser. The redirect follows the page if its address "
            "changes again. While the page is not published, the old address answers "
            "“not found”, like the page's own address."
        ),
    )

    class Meta:
        model = Redirect
        fields = ["old_path"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        target = self.instance.target if self.instance.pk else None
        if target is not None:
            self.initial.setdefault("target_address", address_of(target))

    def clean_old_path(self):
        path = path_from(self.cleaned_data["old_path"])
        if path == "/":
            raise forms.ValidationError(
                _("Give the old address of a page, for example /programmes/old-name/."),
                code="front_page",
            )
        owner = page_at(path, published_only=False)
        if owner is not None:
            raise forms.ValidationError(
                _(
                    "%(address)s is the address of “%(page)s” now, so a redirect from it would "
                    "never be used. Give an address that no longer leads to a page."
                ),
                code="page_address",
                params={"address": path, "page": owner},
            )
        if is_fixed_page(path):
            raise forms.ValidationError(
                _(
                    "%(address)s is the address of one of the site's pages, so a redirect from "
                    "it would never be used. Give an address that no longer leads to a page."
                ),
                code="page_address",
                params={"address": path},
            )
        return path

    def clean_target_address(self):
        path = path_from(self.cleaned_data["target_address"])
        target = page_at(path, published_only=False)
        if target is None:
            raise forms.ValidationError(
                _(
                    "No programme, municipality or document has the address %(address)s. Open "
                    "the page the old address should lead to and copy its address from the "
                    "browser."
                ),
                code="no_page",
                params={"address": path},
            )
        self.instance.content_type = ContentType.objects.get_for_model(target)
        self.instance.object_id = target.pk
        return path


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    form = RedirectForm
    fields = ["old_path", "target_address", "created_at"]
    readonly_fields = ["created_at"]
    list_display = ["old_path", "page", "current_address", "created_at"]
    list_select_related = ["content_type"]
    search_fields = ["old_path"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    @admin.display(description=_("leads to"))
    def page(self, redirect):
        target = redirect.target
        if target is None:
            return _("(a page that is deleted)")
        info = (self.admin_site.name, target._meta.app_label, target._meta.model_name)
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("{}:{}_{}_change".format(*info), args=[target.pk]),
            target,
            target._meta.verbose_name,
        )

    @admin.display(description=_("current address"))
    def current_address(self, redirect):
        target = redirect.target
        if target is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', target.get_absolute_url(), address_of(target) or "–"
        )
