"""Facts about a document file, in the visitor's language and number format."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def file_facts(version):
    """ "PDF, 12 pages, 1.2 MB" in English; "PDF, 12 sider, 1,2 MB" in Norwegian."""
    if version is None:
        return ""
    parts = [version.format_label]
    if version.page_count:
        pages = number_format(version.page_count, use_l10n=True, force_grouping=True)
        parts.append(
            ngettext("%(pages)s page", "%(pages)s pages", version.page_count) % {"pages": pages}
        )
    parts.append(filesizeformat(version.size))
    return ", ".join(parts)
