import pytest
from django.core.management import call_command

from documents.models import Document, DocumentVersion
from programme.models import Grant, Municipality, Phase, Programme

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in (Programme, Phase, Grant, Municipality, Document, DocumentVersion)
    }


def test_loads_the_hallingdal_facts(hallingdal):
    assert hallingdal.is_published
    assert hallingdal.total_budget == 6600000
    assert hallingdal.planned_end_year == 2017
    assert sorted(hallingdal.municipalities.values_list("name", flat=True)) == sorted(
        ["Flå", "Nesbyen", "Gol", "Hemsedal", "Ål", "Hol"]
    )
    assert list(hallingdal.phases.values_list("number", "status")) == [
        (1, "completed"),
        (2, "active"),
    ]
    grant = hallingdal.grants.get()
    assert grant.amount == 2680000
    assert grant.phase.number == 2
    assert (grant.awarded_on.year, grant.awarded_on.month, grant.awarded_on_precision) == (
        2015,
        6,
        "month",
    )
    assert Municipality.objects.get(name="Nesbyen").former_name == "Nes"


def test_every_visitor_text_exists_in_three_languages(hallingdal):
    for language in ["nn", "nb", "en"]:
        for field in ["title", "summary", "goal", "body", "scheme", "scheme_description"]:
            assert getattr(hallingdal, f"{field}_{language}"), (field, language)
        for phase in hallingdal.phases.all():
            assert getattr(phase, f"title_{language}")
            assert getattr(phase, f"body_{language}")
        plan = Document.objects.get()
        assert getattr(plan, f"title_{language}")
        assert getattr(plan, f"description_{language}")


def test_ships_a_labelled_sample_project_plan(hallingdal):
    version = DocumentVersion.objects.get()
    assert version.is_published
    assert version.content_type == "application/pdf"
    assert version.page_count == 2
    data = version.file.read()
    assert data.startswith(b"%PDF-")
    assert version.size == len(data)
    assert "eksempel" in version.original_filename.lower()


def test_second_run_changes_nothing(hallingdal):
    before = snapshot()
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    assert snapshot() == before


def test_never_overwrites_what_staff_edited(hallingdal):
    hallingdal.summary_nn = "Redigert av staben"
    hallingdal.save()
    Phase.objects.filter(number=1).update(title_en="Edited by staff")
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    hallingdal.refresh_from_db()
    assert hallingdal.summary_nn == "Redigert av staben"
    assert Phase.objects.get(number=1).title_en == "Edited by staff"
    assert DocumentVersion.objects.count() == 1


def test_a_second_run_finds_what_staff_gave_a_new_slug(hallingdal):
    hallingdal.slug = "framtidstru"
    hallingdal.save()
    plan = Document.objects.get(kind="project_plan")
    plan.slug = "prosjektplan"
    plan.save()
    before = snapshot()
    # Not a second programme or plan at the old addresses, which redirect.
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    assert snapshot() == before
