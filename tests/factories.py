"""Plain factory functions: make_<thing>(**overrides) returns a saved object."""

import itertools
import zlib
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
    fields = {
        "number": f"{9000 + n % 1000:04d}",
        "name": f"Kommune {n}",
        "slug": f"kommune-{n}",
        "is_published": True,
    }
    fields.update(overrides)
    return Municipality.objects.create(**fields)


def make_pdf(pages=1, *, padding=0, text="Testdokument"):
    return text_pdf([[f"{text}, side {page}"] for page in range(1, pages + 1)], padding=padding)


def pdf_from_objects(objects):
    """Number the object bodies from 1 and add the cross-reference table; 1 is the catalog."""
    output = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(output)


def make_active_pdf(*, catalog=b"", page=b"", objects=()):
    """A one-page PDF with extra entries in its catalog and page, and extra objects from 6 on."""
    content = b"BT /F1 12 Tf 56 780 Td (Testdokument) Tj ET"
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R " + page + b" >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            *objects,
        ]
    )


def make_slow_pdf(pages=300, operators=500_000):
    """A PDF of about 50 KB that keeps pypdf busy for some 20 minutes.

    Every page draws the same Flate-compressed content stream: half a million
    "()Tj" (show no text), 2.5 MB that compress to 2.5 KB. pypdf parses the
    stream again for each page it reads the text of, some 4 seconds a page,
    and keeps about 170 MB of parsed operators while it does.
    """
    stream = zlib.compress(b"BT /F1 1 Tf\n" + b"()Tj\n" * operators + b"ET\n", 9)
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
            *[
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] "
                b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
            ]
            * pages,
        ]
    )


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
