from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The pages people use in the browser; the top app, which nothing else imports."""

    name = "apps.web"
    label = "web"
    verbose_name = _("Web pages")
