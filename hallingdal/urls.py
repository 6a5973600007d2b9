from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from hallingdal.health import healthz
from programme.sitemaps import SITEMAPS
from programme.views import favicon, image_rendition, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # Fixed addresses for crawlers, outside the language prefixes.
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Resized pictures are the same in every language.
    path(
        "images/<slug:kind>/<slug:slug>/<slug:fingerprint>-<int:width>.<str:ext>",
        image_rendition,
        name="image_rendition",
    ),
    # Browsers ask for /favicon.ico on every site, the admin's pages too.
    path("favicon.ico", favicon, name="favicon"),
    # A fixed address outside the language prefixes, for load balancers.
    path("healthz", healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", include("programme.urls")),
    path("documents/", include("documents.urls")),
)
