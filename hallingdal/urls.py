from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from . import link_picker, views
from .health import healthz
from .sitemaps import SITEMAPS

urlpatterns = [
    # Before the admin's own URLs, which would otherwise claim the address.
    path("admin/link-targets/", link_picker.link_targets, name="link_targets"),
    path("admin/", admin.site.urls),
    # Fixed addresses for crawlers, outside the language prefixes.
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots_txt"),
    # Resized pictures are the same in every language.
    path(
        "images/<slug:kind>/<slug:slug>/<slug:fingerprint>-<int:width>.<str:ext>",
        views.image_rendition,
        name="image_rendition",
    ),
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    # A fixed address outside the language prefixes, for load balancers.
    path("healthz", healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("search/", views.site_search, name="search"),
    # The accessibility statement public bodies in Norway must publish.
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("", include("programme.urls")),
    path("documents/", include("documents.urls")),
)
