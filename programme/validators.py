"""Checks on Norwegian public identifiers and uploaded pictures, for forms and constraints."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast, Mod, Substr
from django.db.models.lookups import Exact
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

# Brønnøysundregistera's weights for the MOD11 check digit of an
# organisation number (the ninth digit checks the first eight).
ORGANISATION_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)

validate_municipality_number = RegexValidator(
    r"^\d{4}\Z",
    _("A municipality number has exactly four digits, for example 3324."),
    code="invalid_municipality_number",
)


def organisation_check_digit(first_eight_digits):
    """Return the MOD11 check digit, or None when no valid digit exists."""
    total = sum(
        int(digit) * weight
        for digit, weight in zip(first_eight_digits, ORGANISATION_NUMBER_WEIGHTS, strict=True)
    )
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def validate_organisation_number(value):
    digits = value.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        raise ValidationError(
            _("An organisation number has exactly nine digits, for example 974 760 673."),
            code="invalid_organisation_number",
        )
    if organisation_check_digit(digits[:8]) != int(digits[8]):
        raise ValidationError(
            _("This organisation number has a wrong check digit. Check it for typing errors."),
            code="invalid_organisation_number_check_digit",
        )


def organisation_number_condition(field_name):
    """Build the database condition that mirrors validate_organisation_number.

    The digits are only cast to integers inside the CASE branch that has
    already matched nine digits, so PostgreSQL never sees a failing cast.
    """

    def digit(position):
        return Cast(Substr(F(field_name), position, 1), IntegerField())

    weighted_sum = sum(
        (
            digit(position) * weight
            for position, weight in enumerate(ORGANISATION_NUMBER_WEIGHTS, 1)
        ),
        start=Value(0),
    )
    check_digit = Mod(Value(11) - Mod(weighted_sum, Value(11)), Value(11))
    nine_digits = Q(**{f"{field_name}__regex": r"^[0-9]{9}$"})
    return Q(**{field_name: ""}) | Q(
        Case(
            When(nine_digits, then=Exact(check_digit, digit(9))),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# Room for any camera photo (a 45-megapixel camera is rare, and a phone's
# largest mode is about 50) while keeping one decoded picture to about
# 160 MB of memory.
DEFAULT_IMAGE_MAX_PIXELS = 40_000_000


def image_max_pixels():
    return getattr(settings, "IMAGE_MAX_PIXELS", DEFAULT_IMAGE_MAX_PIXELS)


def megapixels(pixels):
    """A pixel count as megapixels in the active language's notation ("12,5")."""
    return floatformat(pixels / 1_000_000, -1)


def picture_help_text():
    return gettext(
        "JPEG, PNG or WebP, at most %(limit)s megapixels (any camera photo fits). "
        "The pages make the sizes they need."
    ) % {"limit": megapixels(image_max_pixels())}


def validate_picture(value):
    """Refuse a file Pillow cannot identify, or with more pixels than IMAGE_MAX_PIXELS.

    Reads only the header: Pillow decodes no pixels until asked to, so a
    picture too large to decode is refused without decoding it. A file
    already in the storage was checked when it was uploaded and is left
    alone, so an unrelated edit neither reads it again nor trips over a
    limit lowered since.
    """
    if isinstance(value, FieldFile) and value._committed:
        return
    limit = image_max_pixels()
    start = value.tell()
    try:
        value.seek(0)
        with Image.open(value) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _(
                "This file says it holds a picture far larger than %(limit)s megapixels. "
                "Such a file is damaged or made to overload the server, so it is refused. "
                "Save the picture again at a smaller size and upload that."
            ),
            code="picture_bomb",
            params={"limit": megapixels(limit)},
        ) from error
    except (OSError, ValueError, SyntaxError) as error:
        # UnidentifiedImageError is an OSError.
        raise ValidationError(
            _("This file is not a picture that can be read. Upload a JPEG, PNG or WebP picture."),
            code="picture_unreadable",
        ) from error
    finally:
        value.seek(start)
    if width * height > limit:
        raise ValidationError(
            _(
                "This picture is %(width)s × %(height)s pixels (%(megapixels)s megapixels), "
                "more than the %(limit)s megapixels allowed. Save it smaller, for example "
                "4000 pixels wide, and upload it again."
            ),
            code="picture_too_large",
            params={
                "width": width,
                "height": height,
                "megapixels": megapixels(width * height),
                "limit": megapixels(limit),
            },
        )
