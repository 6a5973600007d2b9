"""Widgets the admin's forms share."""

from django.contrib.admin import widgets
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """Django's date and time boxes, each with a name of its own for screen readers.

    The field's label names only the first box; the time box needs one too.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs)
        date, time = self.widgets
        date.attrs["aria-label"] = _("Date (dd.mm.yyyy)")
        time.attrs["aria-label"] = _("Time (hh:mm)")
