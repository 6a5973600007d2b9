from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from hallingdal.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # A fixed address outside the language prefixes, for load balancers.
    path("healthz", healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", include("programme.urls")),
    path("documents/", include("documents.urls")),
)
