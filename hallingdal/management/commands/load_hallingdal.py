"""Load Hallingdal's programme, its phases, grant, municipalities and project plan.

Safe to run any number of times: each object is created only when it is not
there yet, and nothing that exists (and may have been edited by staff) is
changed. A programme or plan that staff gave a new slug is still there: it is
found through the redirect from its old address.
"""

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.html import escape

from documents.models import Document
from documents.services import version_create
from hallingdal.content import texts as content
from hallingdal.content.sample_pdf import text_pdf
from hallingdal.redirects import renamed_from
from programme.models import Grant, Municipality, Phase, Programme
from programme.richtext import paragraphs_to_html

# The texts written as blank-line paragraphs that the site keeps as rich text.
RICH_TEXTS = {"goal", "body", "scheme_description", "outcome", "description"}


def translated(values_by_field, *, rich=RICH_TEXTS):
    """Turn {"title": {"nn": ...}} into {"title_nn": ...} for modeltranslation."""
    return {
        f"{field}_{language}": paragraphs_to_html(value) if field in rich else value
        for field, values in values_by_field.items()
        for language, value in values.items()
    }


def project_plan_link(document):
    """The programme text's last paragraph, linking to the project plan by object."""
    paragraphs = {}
    for language, (before, words, after) in content.PROJECT_PLAN_SENTENCE.items():
        link = f'<a href="internal:document/{document.pk}">{escape(words)}</a>'
        paragraphs[f"body_{language}"] = f"<p>{escape(before)}{link}{escape(after)}</p>"
    return paragraphs


class Command(BaseCommand):
    help = "Load the Hallingdal content. Creates only what is missing; never overwrites."

    @transaction.atomic
    def handle(self, *args, **options):
        self.created = []
        municipalities = self.load_municipalities()
        programme = self.load_programme(municipalities)
        document = self.load_project_plan(programme)
        if self.programme_created:
            for field, paragraph in project_plan_link(document).items():
                setattr(programme, field, getattr(programme, field) + paragraph)
            programme.save()
        if self.created:
            self.stdout.write(self.style.SUCCESS("Created: " + ", ".join(self.created)))
        else:
            self.stdout.write("Nothing to do: the Hallingdal content is already loaded.")

    def load_municipalities(self):
        municipalities = []
        for fields in content.MUNICIPALITIES:
            municipality, created = Municipality.objects.get_or_create(
                number=fields["number"],
                defaults={
                    **fields,
                    "is_published": True,
                    **translated({"description": content.MUNICIPALITY_DESCRIPTION}),
                },
            )
            if created:
                self.created.append(f"municipality {municipality}")
            municipalities.append(municipality)
        return municipalities

    def load_programme(self, municipalities):
        data = content.PROGRAMME
        plain = {key: value for key, value in data.items() if not isinstance(value, dict)}
        texts = {key: value for key, value in data.items() if isinstance(value, dict)}
        programme = Programme.objects.filter(slug=data["slug"]).first() or renamed_from(
            Programme, data["slug"]
        )
        self.programme_created = programme is None
        if programme is not None:
            return programme
        programme = Programme.objects.create(**plain, **translated(texts))
        self.created.append(f"programme {programme}")
        programme.municipalities.set(municipalities)
        phases = {}
        for phase_data in content.PHASES:
            texts = {key: value for key, value in phase_data.items() if isinstance(value, dict)}
            phases[phase_data["number"]] = Phase.objects.create(
                programme=programme,
                number=phase_data["number"],
                status=phase_data["status"],
                is_published=True,
                **translated(texts),
            )
            self.created.append(f"phase {phase_data['number']}")
        grant = content.GRANT
        Grant.objects.create(
            programme=programme,
            phase=phases[grant["phase_number"]],
            amount=grant["amount"],
            awarded_on=grant["awarded_on"],
            awarded_on_precision=grant["awarded_on_precision"],
            is_published=True,
            **translated(
                {"funder": grant["funder"], "description": grant["description"]}, rich=set()
            ),
        )
        self.created.append("grant from KMD")
        return programme

    def load_project_plan(self, programme):
        data = content.PROJECT_PLAN
        existing = Document.objects.filter(slug=data["slug"]).first() or renamed_from(
            Document, data["slug"]
        )
        if existing is not None:
            return existing
        document = Document.objects.create(
            slug=data["slug"],
            kind=data["kind"],
            programme=programme,
            is_published=True,
            **translated({"title": data["title"], "description": data["description"]}),
        )
        pdf = text_pdf(content.SAMPLE_PLAN_PAGES)
        # Checked like any upload: type, size, checksum and pages come from the bytes.
        version_create(document=document, uploaded_file=ContentFile(pdf, name=data["filename"]))
        self.created.append(f"document {document}")
        return document
