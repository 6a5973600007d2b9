"""Responsive pictures: WebP with a JPEG or PNG fallback, in the sizes the layout shows."""

from django import template
from django.utils.translation import gettext as _

from hallingdal.images import picture_for

register = template.Library()


@register.inclusion_tag("includes/_picture.html")
def programme_picture(programme, css_class="programme-picture"):
    picture = picture_for("programme", programme, programme.image_description or "")
    return {"picture": picture, "css_class": css_class}


@register.inclusion_tag("includes/_picture.html")
def coat_of_arms(municipality, css_class="coat-of-arms"):
    alt = _("Coat of arms of %(name)s") % {"name": municipality.name}
    return {"picture": picture_for("coat-of-arms", municipality, alt), "css_class": css_class}
