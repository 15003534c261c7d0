from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MworkConfig(AppConfig):
    """The project package itself: cross-app management commands (demo data)."""

    name = "mwork"
    verbose_name = _("MWork platform")
