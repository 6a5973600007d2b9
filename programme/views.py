from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView, ListView

from documents.models import Document, DocumentKind

from .models import Grant, Municipality, Phase, Programme


def public_documents():
    return Document.objects.published().with_published_versions()


def home(request):
    """The first published programme at a glance, with its project plan."""
    programme = Programme.objects.published().with_public_relations().first()
    project_plan = None
    if programme is not None:
        project_plan = (
            public_documents()
            .filter(programme=programme, kind=DocumentKind.PROJECT_PLAN)
            .order_by("-updated_at")
            .first()
        )
    return render(
        request,
        "programme/home.html",
        {"programme": programme, "project_plan": project_plan},
    )


class ProgrammeListView(ListView):
    paginate_by = 20

    def get_queryset(self):
        return Programme.objects.published().with_public_relations()


class ProgrammeDetailView(DetailView):
    def get_queryset(self):
        return Programme.objects.published().with_public_relations()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            documents=public_documents().filter(programme=self.object),
            **kwargs,
        )


class PhaseDetailView(DetailView):
    context_object_name = "phase"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Phase.objects.published().select_related("programme"),
            programme__slug=self.kwargs["slug"],
            number=self.kwargs["number"],
        )

    def get_context_data(self, **kwargs):
        phase = self.object
        return super().get_context_data(
            grants=Grant.objects.published().filter(phase=phase),
            documents=public_documents().filter(phase=phase),
            sibling_phases=Phase.objects.published().filter(programme=phase.programme_id),
            **kwargs,
        )


class MunicipalityListView(ListView):
    def get_queryset(self):
        return Municipality.objects.published()


class MunicipalityDetailView(DetailView):
    def get_queryset(self):
        return Municipality.objects.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            programmes=self.object.programmes.published(),
            **kwargs,
        )


def funding(request):
    """Every published grant, by programme, with totals and shares of the frame."""
    programmes = Programme.objects.published().with_public_relations()
    return render(request, "programme/funding.html", {"programmes": programmes})


def accessibility_statement(request):
    """The accessibility statement public bodies in Norway must publish."""
    return render(request, "programme/accessibility.html")


def privacy(request):
    """What the site stores, and about whom."""
    return render(request, "programme/privacy.html")
