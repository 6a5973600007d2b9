from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .validators import FORMATS, allowed_extensions_text, max_upload_size


class VersionUploadForm(forms.Form):
    """A new file for a document. The checks on its bytes run in version_create."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{extension}" for extension in FORMATS)}
        ),
    )
    publish = forms.BooleanField(
        label=_("Publish at once"),
        required=False,
        initial=True,
        help_text=_(
            "The document's permanent address serves the newest published version. "
            "Leave unticked to check the file first; you can publish it later."
        ),
    )

    def __init__(self, *args, oversized_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.oversized_fields = set(oversized_fields)
        self.fields["file"].help_text = gettext(
            "Allowed: %(allowed)s. At most %(limit)s. Earlier versions are kept."
        ) % {"allowed": allowed_extensions_text(), "limit": filesizeformat(max_upload_size())}
        for code, name in settings.LANGUAGES:
            self.fields[f"note_{code}"] = forms.CharField(
                label=gettext("What changed (%(language)s)") % {"language": name},
                max_length=300,
                required=False,
                help_text=_("For example: Revised budget.") if code == "nn" else "",
            )

    def clean(self):
        cleaned_data = super().clean()
        if "file" in self.oversized_fields:
            # The upload handler dropped the file while it streamed in.
            self.errors.pop("file", None)
            self.add_error(
                "file",
                ValidationError(
                    _("The file is larger than %(limit)s, the largest file accepted."),
                    code="too_large",
                    params={"limit": filesizeformat(max_upload_size())},
                ),
            )
        return cleaned_data

    def notes(self):
        return {
            code: self.cleaned_data[f"note_{code}"]
            for code, _name in settings.LANGUAGES
            if self.cleaned_data.get(f"note_{code}")
        }
