"""Checks for Norwegian public identifiers, shared by forms and constraints."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Mod, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

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
