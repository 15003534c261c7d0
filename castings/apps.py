from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CastingsConfig(AppConfig):
    name = "castings"
    verbose_name = _("Castings")
