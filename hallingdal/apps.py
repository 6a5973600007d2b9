from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site app: what spans the whole site, on top of the content apps."""

    default = True
    name = "hallingdal"
    verbose_name = _("Site")

    def ready(self):
        from . import redirect_admin  # noqa: F401  (registers the redirects' admin)
        from .cache import connect_content_signals
        from .publishing import register_history
        from .redirects import connect_redirects
        from .search_index import connect_search_signals

        connect_content_signals()
        connect_search_signals()
        connect_redirects()
        register_history()


class SiteAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site's admin site (hallingdal/admin.py) as the default."""

    # AdminConfig is its module's default; SiteConfig is this module's.
    default = False
    default_site = "hallingdal.admin.SiteAdminSite"


class SiteStaticFilesConfig(StaticFilesConfig):
    """Collect only the jQuery UI script the tabbed admin needs.

    The xstatic package also ships jQuery UI's themes, images and CSS (5 MB);
    its theme CSS names images in a comment, which the hashing storage takes
    for a missing file, so collectstatic would fail in production.
    """

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "jquery-ui.css",
        "jquery-ui.js",
        "jquery-ui.*.css",
        "themes",
        "images/ui-*.png",
    ]
