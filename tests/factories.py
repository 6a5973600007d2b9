"""Plain factory functions: make_<thing>(**overrides) returns a saved object."""

import itertools
from decimal import Decimal

from django.core.files.base import ContentFile

from documents.models import Document
from documents.services import version_create
from hallingdal.content.sample_pdf import text_pdf
from programme.models import Grant, Municipality, Phase, Programme

_sequence = itertools.count(1)


def make_programme(**overrides):
    n = next(_sequence)
    fields = {
        "title_nn": f"Program {n}",
        "slug": f"program-{n}",
        "summary_nn": f"Samandrag {n}",
        "is_published": True,
        "total_budget": Decimal("1000000"),
    }
    fields.update(overrides)
    return Programme.objects.create(**fields)


def make_phase(programme=None, **overrides):
    programme = programme or make_programme()
    number = overrides.pop("number", programme.phases.count() + 1)
    fields = {"title_nn": f"Fase {number}", "status": "planned", "is_published": True}
    fields.update(overrides)
    return Phase.objects.create(programme=programme, number=number, **fields)


def make_grant(programme=None, **overrides):
    programme = programme or make_programme()
    fields = {"funder_nn": "Fylkeskommunen", "amount": Decimal("100000"), "is_published": True}
    fields.update(overrides)
    return Grant.objects.create(programme=programme, **fields)


def make_municipality(**overrides):
    n = next(_sequence)
    fields = {"number": f"{9000 + n % 1000:04d}", "name": f"Kommune {n}", "slug": f"kommune-{n}"}
    fields.update(overrides)
    return Municipality.objects.create(**fields)


def make_pdf(pages=1, *, padding=0, text="Testdokument"):
    return text_pdf([[f"{text}, side {page}"] for page in range(1, pages + 1)], padding=padding)


def make_document(programme=None, *, file_bytes=None, filename="plan.pdf", **overrides):
    n = next(_sequence)
    fields = {"title_nn": f"Dokument {n}", "slug": f"dokument-{n}", "is_published": True}
    fields.update(overrides)
    document = Document.objects.create(programme=programme, **fields)
    data = file_bytes if file_bytes is not None else make_pdf()
    version_create(
        document=document,
        uploaded_file=ContentFile(data, name=filename),
        original_filename=filename,
    )
    return document
