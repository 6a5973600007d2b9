"""Add a large, clearly made-up data set beside the real content.

For the query-budget tests and `make bench`: 50 programmes, 500 phases,
2,000 grants, 1,000 documents with 2,000 versions (small real PDFs) and 200
municipalities, plus one document with a 1 MB PDF for the download benchmark.
Every slug starts with "bulk-" and every title says "Test", so nobody takes
it for real content. Rows are written with bulk_create (seconds, not
minutes), then the search index is rebuilt; running it again changes nothing
unless --reset is given.

--long-texts N gives the current version of N documents a PDF of about
200,000 characters of made-up text (a searchable report's length), for the
search benchmark.
"""

import hashlib
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from documents.models import Document, DocumentKind, DocumentVersion, version_upload_to
from hallingdal.cache import pages_changed
from hallingdal.content.sample_pdf import text_pdf
from hallingdal.search_index import rebuild_search_index
from programme.models import Grant, Municipality, Phase, PhaseStatus, Programme
from programme.richtext import paragraphs_to_html

PREFIX = "bulk-"
PROGRAMMES = 50
DRAFT_PROGRAMMES = 5  # a few unpublished ones, so the published() filters have work to do
PHASES_PER_PROGRAMME = 10
GRANTS_PER_PROGRAMME = 40
DOCUMENTS_PER_PROGRAMME = 20
VERSIONS_PER_DOCUMENT = 2
MUNICIPALITIES = 200
MUNICIPALITIES_PER_PROGRAMME = 8
# Four-digit numbers no real municipality has had.
FIRST_MUNICIPALITY_NUMBER = 7000
LARGE_DOCUMENT_SLUG = f"{PREFIX}one-megabyte"
LARGE_DOCUMENT_SIZE = 1_000_000
FUNDERS = ["KMD", "Viken fylkeskommune", "Innovasjon Noreg", "Regionrådet", "Kommunane"]
STATUSES = [PhaseStatus.COMPLETED, PhaseStatus.ACTIVE, PhaseStatus.PLANNED]
KINDS = list(DocumentKind.values)
PARAGRAPH = (
    "Testinnhald for å måle nettstaden med mykje data. Teksten er laga av eit program "
    "og seier ingenting om Hallingdal."
)
LONG_TEXT_CHARACTERS = 200_000
LINES_PER_PAGE = 50
# Real words among the made-up ones, so that a search finds them in every long text.
LONG_TEXT_WORDS = (
    "reiseliv næringsliv kommunane regionen utvikling arbeidsplassar kompetanse "
    "samarbeid tiltak strategi landbruk hytter vegar skule bustader ungdom"
).split()
SYLLABLES = "ba be bi bo bu da de di do fa fe fi fjo ha he hi ho ka ke ki ko la le li lo".split()


def texts(field, nn, nb, en):
    return {f"{field}_nn": nn, f"{field}_nb": nb, f"{field}_en": en}


def analyse_tables():
    """Let PostgreSQL's planner know the tables' new sizes at once.

    Without it, plans are made for the nearly empty tables until autovacuum
    gets round to them, and the search (under its statement timeout) and the
    lists can pick plans that are slow for thousands of rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Add a large made-up data set (slugs starting with 'bulk-') for tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the generated data (and its files) first, then generate it again.",
        )
        parser.add_argument(
            "--long-texts",
            type=int,
            default=0,
            metavar="N",
            help="Give N documents a current version with about 200,000 characters of text.",
        )

    def handle(self, *args, reset=False, long_texts=0, **options):
        started = time.monotonic()
        if reset:
            self.delete_bulk_data()
        elif Programme.objects.filter(slug__startswith=PREFIX).exists():
            self.stdout.write("Nothing to do: the bulk data is already there (--reset renews it).")
            return
        self.random = random.Random(2015)
        self.stored_files = []
        self.long_texts = long_texts
        try:
            with transaction.atomic():
                counts = self.generate()
        except BaseException:
            storage = DocumentVersion._meta.get_field("file").storage
            for name in self.stored_files:
                storage.delete(name)
            raise
        # bulk_create sends no signals, so tell the page cache and the search index here.
        pages_changed()
        rebuild_search_index()
        analyse_tables()
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Created {summary} in {seconds:.1f} s."))

    def generate(self):
        municipalities = self.create_municipalities()
        programmes = self.create_programmes()
        self.link_municipalities(programmes, municipalities)
        phases = self.create_phases(programmes)
        grants = self.create_grants(programmes, phases)
        documents, versions = self.create_documents(programmes, phases)
        self.link_documents(programmes, documents)
        return {
            "programmes": len(programmes),
            "phases": len(phases),
            "grants": len(grants),
            "documents": len(documents),
            "versions": len(versions),
            "municipalities": len(municipalities),
        }

    def create_municipalities(self):
        return Municipality.objects.bulk_create(
            Municipality(
                number=str(FIRST_MUNICIPALITY_NUMBER + n),
                name=f"Testkommune {n + 1}",
                slug=f"{PREFIX}kommune-{n + 1:03d}",
                is_published=True,
                **texts("description", *[paragraphs_to_html(PARAGRAPH)] * 3),
            )
            for n in range(MUNICIPALITIES)
        )

    def create_programmes(self):
        return Programme.objects.bulk_create(
            Programme(
                slug=f"{PREFIX}programme-{n:02d}",
                **texts("title", f"Testprogram {n}", f"Testprogram {n}", f"Test programme {n}"),
                **texts("summary", PARAGRAPH, PARAGRAPH, PARAGRAPH),
                **texts("goal", *[paragraphs_to_html(PARAGRAPH)] * 3),
                **texts("body", paragraphs_to_html("\n\n".join([PARAGRAPH] * 4)), "", ""),
                **texts("run_by", "Testrådet", "Testrådet", "The Test Council"),
                total_budget=Decimal(self.random.randrange(2_000, 20_000) * 1_000),
                planned_end_year=2015 + n % 10,
                # Behind the real programme, which stays the front page.
                position=1000 + n,
                is_published=n > DRAFT_PROGRAMMES,
            )
            for n in range(1, PROGRAMMES + 1)
        )

    def link_municipalities(self, programmes, municipalities):
        through = Programme.municipalities.through
        through.objects.bulk_create(
            through(programme_id=programme.pk, municipality_id=municipality.pk)
            for programme in programmes
            for municipality in self.random.sample(municipalities, MUNICIPALITIES_PER_PROGRAMME)
        )

    def create_phases(self, programmes):
        phases = []
        for programme in programmes:
            starts_on = date(2010, 1, 1) + timedelta(days=self.random.randrange(2000))
            for number in range(1, PHASES_PER_PROGRAMME + 1):
                ends_on = starts_on + timedelta(days=180)
                phases.append(
                    Phase(
                        programme=programme,
                        number=number,
                        **texts(
                            "title",
                            f"Testfase {number}",
                            f"Testfase {number}",
                            f"Test phase {number}",
                        ),
                        **texts("summary", PARAGRAPH, PARAGRAPH, PARAGRAPH),
                        **texts("body", paragraphs_to_html(PARAGRAPH), "", ""),
                        status=STATUSES[min(number - 1, 2)] if number < 4 else PhaseStatus.PLANNED,
                        starts_on=starts_on,
                        ends_on=ends_on,
                        is_published=number != PHASES_PER_PROGRAMME,
                    )
                )
                starts_on = ends_on + timedelta(days=1)
        return Phase.objects.bulk_create(phases)

    def create_grants(self, programmes, phases):
        phases_by_programme = {}
        for phase in phases:
            phases_by_programme.setdefault(phase.programme_id, []).append(phase)
        grants = []
        for programme in programmes:
            for n in range(GRANTS_PER_PROGRAMME):
                funder = FUNDERS[n % len(FUNDERS)]
                phase = (
                    None if n % 4 == 0 else self.random.choice(phases_by_programme[programme.pk])
                )
                grants.append(
                    Grant(
                        programme=programme,
                        phase=phase,
                        **texts("funder", funder, funder, funder),
                        **texts("description", "Testtilskot", "Testtilskudd", "Test grant"),
                        amount=Decimal(self.random.randrange(10, 500) * 1_000),
                        awarded_on=date(2012, 1, 1) + timedelta(days=self.random.randrange(2500)),
                        is_published=n % 10 != 9,
                    )
                )
        return Grant.objects.bulk_create(grants)

    def link_documents(self, programmes, documents):
        """End each programme's text with a link to its first document, as real texts do."""
        first_documents = {}
        for document in documents:
            first_documents.setdefault(document.programme_id, document)
        for programme in programmes:
            href = f"internal:document/{first_documents[programme.pk].pk}"
            link = f'<p>Sjå <a href="{href}">dokumentet</a>.</p>'
            Programme.objects.filter(pk=programme.pk).update(body_nn=programme.body_nn + link)

    def create_documents(self, programmes, phases):
        phases_by_programme = {}
        for phase in phases:
            phases_by_programme.setdefault(phase.programme_id, []).append(phase)
        documents = []
        for programme in programmes:
            for n in range(1, DOCUMENTS_PER_PROGRAMME + 1):
                documents.append(
                    Document(
                        slug=f"{programme.slug}-document-{n:02d}",
                        **texts(
                            "title", f"Testdokument {n}", f"Testdokument {n}", f"Test document {n}"
                        ),
                        **texts("description", *[paragraphs_to_html(PARAGRAPH)] * 3),
                        kind=KINDS[n % len(KINDS)],
                        programme=programme,
                        phase=self.random.choice(phases_by_programme[programme.pk])
                        if n % 2
                        else None,
                        is_published=n != DOCUMENTS_PER_PROGRAMME,
                    )
                )
        large = Document(
            slug=LARGE_DOCUMENT_SLUG,
            **texts("title", "Testdokument på 1 MB", "Testdokument på 1 MB", "1 MB test document"),
            kind=DocumentKind.OTHER,
            programme=programmes[-1],
            is_published=True,
        )
        # One of the 1,000: the last programme gets 19 ordinary ones and the large one.
        documents[-1] = large
        documents = Document.objects.bulk_create(documents)

        now = timezone.now()
        versions = []
        long_texts = self.long_texts
        for document in documents:
            for number in range(1, VERSIONS_PER_DOCUMENT + 1):
                pages = [[f"{document.title_en}, version {number}", PARAGRAPH]]
                padding = 0
                if document.slug == LARGE_DOCUMENT_SLUG and number == VERSIONS_PER_DOCUMENT:
                    padding = LARGE_DOCUMENT_SIZE - len(text_pdf(pages))
                elif long_texts and document.is_published and number == VERSIONS_PER_DOCUMENT:
                    pages = self.long_text_pages(pages[0][0])
                    long_texts -= 1
                versions.append(self.version(document, number, pages, padding, now))
        return documents, DocumentVersion.objects.bulk_create(versions)

    def long_text_pages(self, heading):
        """Pages of made-up sentences, about LONG_TEXT_CHARACTERS in all."""
        words = LONG_TEXT_WORDS + [
            "".join(self.random.choices(SYLLABLES, k=self.random.randint(2, 4)))
            for _ in range(3000)
        ]
        # Frequent words first, as in real text: the real words occur everywhere.
        weights = [1 / rank for rank in range(1, len(words) + 1)]
        lines, length = [heading], len(heading)
        while length < LONG_TEXT_CHARACTERS:
            line = " ".join(self.random.choices(words, weights, k=12)).capitalize() + "."
            lines.append(line)
            length += len(line) + 1
        return [
            lines[start : start + LINES_PER_PAGE] for start in range(0, len(lines), LINES_PER_PAGE)
        ]

    def version(self, document, number, pages, padding, now):
        data = text_pdf(pages, padding=padding)
        version = DocumentVersion(
            document=document,
            original_filename=f"{document.slug}-v{number}.pdf",
            content_type="application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            page_count=len(pages),
            # What the upload checks read from the file, so search finds it.
            text="\n".join(line for lines in pages for line in lines),
            **texts("note", f"Versjon {number}", f"Versjon {number}", f"Version {number}"),
            is_published=True,
            # The newest version is the current one.
            published_at=now - timedelta(days=VERSIONS_PER_DOCUMENT - number),
        )
        storage = version.file.storage
        name = storage.save(
            version_upload_to(version, version.original_filename), ContentFile(data)
        )
        self.stored_files.append(name)
        version.file.name = name
        return version

    def delete_bulk_data(self):
        storage = DocumentVersion._meta.get_field("file").storage
        documents = Document.objects.filter(slug__startswith=PREFIX)
        names = list(
            DocumentVersion.objects.filter(document__in=documents).values_list("file", flat=True)
        )
        programmes = Programme.objects.filter(slug__startswith=PREFIX)
        with transaction.atomic():
            # Children first: documents and grants protect what they point at.
            documents.delete()
            Grant.objects.filter(programme__in=programmes).delete()
            programmes.delete()
            Municipality.objects.filter(slug__startswith=PREFIX).delete()
        for name in names:
            storage.delete(name)
        self.stdout.write(f"Deleted the bulk data and {len(names):,} files.")
