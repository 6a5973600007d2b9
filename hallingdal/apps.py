from django.contrib.staticfiles.apps import StaticFilesConfig


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
