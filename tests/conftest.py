import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep uploaded files of each test in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hallingdal(db):
    """The real Hallingdal content, as a fresh install has it."""
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    from programme.models import Programme

    return Programme.objects.get(slug="framtidstru-og-vekst-i-hallingdal")


@pytest.fixture
def english():
    """Run with English active, for tests that match message texts."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Each test starts with an empty cache and reads the generation anew.

    The local-memory cache and the worker's copy of the generation live as
    long as the process; a test's database does not.
    """
    from django.core.cache import cache

    from hallingdal.cache import generation

    cache.clear()
    generation.reset()
    yield
    generation.reset()
