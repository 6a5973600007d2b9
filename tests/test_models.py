import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from programme.models import Grant, Municipality, Phase, Programme
from programme.validators import organisation_check_digit, validate_organisation_number
from tests.factories import make_grant, make_municipality, make_phase, make_programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def refused_by_database(create):
    # PostgreSQL refuses a value longer than its column with a DataError
    # before any constraint is checked; either way the row is refused.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        create()


class TestPhaseConstraints:
    def test_phase_number_is_unique_within_a_programme(self):
        programme = make_programme()
        make_phase(programme, number=1)
        refused_by_database(lambda: make_phase(programme, number=1))

    def test_the_same_number_is_fine_in_another_programme(self):
        make_phase(make_programme(), number=1)
        assert make_phase(make_programme(), number=1).pk

    def test_clean_explains_a_duplicate_number(self):
        programme = make_programme()
        make_phase(programme, number=1)
        duplicate = Phase(programme=programme, number=1, title_nn="Ny")
        with pytest.raises(ValidationError, match="already has a phase with this number"):
            duplicate.full_clean()

    def test_a_phase_must_end_after_it_starts(self):
        refused_by_database(
            lambda: make_phase(
                starts_on=datetime.date(2016, 5, 1), ends_on=datetime.date(2016, 4, 30)
            )
        )

    def test_clean_explains_an_end_before_the_start(self):
        phase = Phase(
            programme=make_programme(),
            number=1,
            title_nn="Fase",
            starts_on=datetime.date(2016, 5, 1),
            ends_on=datetime.date(2016, 5, 1),
        )
        with pytest.raises(ValidationError, match="must end after it starts"):
            phase.full_clean()

    def test_month_precision_covers_the_whole_month(self):
        phase = make_phase(
            starts_on=datetime.date(2015, 6, 17),
            starts_on_precision="month",
            ends_on=datetime.date(2015, 6, 3),
            ends_on_precision="month",
        )
        phase.refresh_from_db()
        assert phase.starts_on == datetime.date(2015, 6, 1)
        assert phase.ends_on == datetime.date(2015, 6, 30)


class TestGrantConstraints:
    @pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1")])
    def test_amount_must_be_positive(self, amount):
        refused_by_database(lambda: make_grant(amount=amount))

    def test_clean_explains_a_non_positive_amount(self):
        grant = Grant(programme=make_programme(), funder_nn="KMD", amount=Decimal("0"))
        with pytest.raises(ValidationError) as error:
            grant.full_clean()
        assert "amount" in error.value.message_dict

    def test_phase_must_belong_to_the_grants_programme(self):
        other_phase = make_phase(make_programme())
        refused_by_database(lambda: make_grant(make_programme(), phase=other_phase))

    def test_moving_a_grant_to_another_programme_keeps_the_rule(self):
        phase = make_phase()
        grant = make_grant(phase.programme, phase=phase)
        grant.programme = make_programme()
        refused_by_database(grant.save)

    def test_moving_a_phase_with_grants_to_another_programme_is_refused(self):
        phase = make_phase()
        make_grant(phase.programme, phase=phase)
        phase.programme = make_programme()
        refused_by_database(phase.save)

    def test_phase_of_the_same_programme_is_fine(self):
        phase = make_phase()
        assert make_grant(phase.programme, phase=phase).pk

    def test_clean_explains_a_phase_from_another_programme(self):
        grant = Grant(
            programme=make_programme(),
            phase=make_phase(make_programme()),
            funder_nn="KMD",
            amount=Decimal("10"),
        )
        with pytest.raises(ValidationError) as error:
            grant.full_clean()
        assert error.value.message_dict["phase"] == [
            "The phase must belong to the same programme as the grant."
        ]

    def test_award_month_is_stored_as_the_first_of_the_month(self):
        grant = make_grant(awarded_on=datetime.date(2015, 6, 18), awarded_on_precision="month")
        grant.refresh_from_db()
        assert grant.awarded_on == datetime.date(2015, 6, 1)


class TestMunicipalityConstraints:
    @pytest.mark.parametrize("number", ["332", "33240", "33a4", ""])
    def test_number_must_be_four_digits(self, number):
        refused_by_database(lambda: make_municipality(number=number))

    def test_number_is_unique(self):
        make_municipality(number="3324")
        refused_by_database(lambda: make_municipality(number="3324"))

    def test_clean_explains_a_bad_number(self):
        municipality = Municipality(number="12", name="X", slug="x")
        with pytest.raises(ValidationError) as error:
            municipality.full_clean()
        assert "number" in error.value.message_dict

    @pytest.mark.parametrize("number", ["974760673", "971524960"])
    def test_valid_organisation_numbers_are_accepted(self, number):
        assert make_municipality(organisation_number=number).pk

    @pytest.mark.parametrize(
        "number", ["974760674", "97476067", "9747606730", "97476067A", "abcdefghi"]
    )
    def test_invalid_organisation_numbers_are_refused_by_the_database(self, number):
        refused_by_database(lambda: make_municipality(organisation_number=number))

    def test_clean_explains_a_wrong_check_digit_and_strips_spaces(self):
        municipality = Municipality(
            number="3324", name="Gol", slug="gol", organisation_number="974 760 674"
        )
        with pytest.raises(ValidationError, match="wrong check digit"):
            municipality.full_clean()
        municipality.organisation_number = "974 760 673"
        municipality.full_clean()
        assert municipality.organisation_number == "974760673"

    def test_a_number_whose_check_digit_would_be_ten_is_invalid(self):
        # Find eight digits whose MOD11 remainder gives 10: no ninth digit can fix them.
        first_eight = next(
            f"{n:08d}"
            for n in range(10000000, 10100000)
            if organisation_check_digit(f"{n:08d}") is None
        )
        for last in "0123456789":
            with pytest.raises(ValidationError):
                validate_organisation_number(first_eight + last)
            refused_by_database(
                lambda last=last: make_municipality(organisation_number=first_eight + last)
            )


class TestPublished:
    def test_drafts_are_hidden(self):
        published = make_programme(is_published=True)
        make_programme(is_published=False)
        assert list(Programme.objects.published()) == [published]

    def test_phases_and_grants_of_a_draft_programme_are_hidden(self):
        draft = make_programme(is_published=False)
        phase = make_phase(draft)
        make_grant(draft, phase=phase)
        assert not Phase.objects.published().exists()
        assert not Grant.objects.published().exists()

    def test_grants_of_a_hidden_phase_are_hidden(self):
        phase = make_phase(is_published=False)
        make_grant(phase.programme, phase=phase)
        visible = make_grant(phase.programme)
        assert list(Grant.objects.published()) == [visible]

    def test_unpublished_municipalities_are_hidden(self):
        make_municipality(is_published=False)
        shown = make_municipality()
        assert list(Municipality.objects.published()) == [shown]


def test_awarded_share_and_unaccounted_budget():
    programme = make_programme(total_budget=Decimal("6600000"))
    make_grant(programme, amount=Decimal("2680000"))
    programme = Programme.objects.published().with_public_relations().get(pk=programme.pk)
    assert programme.awarded_total == Decimal("2680000")
    assert round(programme.awarded_share, 4) == Decimal("0.4061")
    assert programme.budget_not_accounted_for == Decimal("3920000")
