"""Tags for the admin's change forms, where editors write the rich texts."""

from django import template

from hallingdal.link_picker import broken_link_notes

register = template.Library()


@register.inclusion_tag("admin/includes/broken_links.html")
def broken_links_notice(original, inline_admin_formsets=()):
    """The links in the object's texts, and its inlines', that visitors cannot follow."""
    if getattr(original, "pk", None) is None:
        return {"notes": []}
    inline_objects = [
        form.instance
        for inline_admin_formset in inline_admin_formsets
        for form in inline_admin_formset.formset.initial_forms
    ]
    return {"notes": broken_link_notes([original, *inline_objects])}
