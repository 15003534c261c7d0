from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CastingsConfig(AppConfig):
    name = "castings"
    verbose_name = _("Castings")

    def ready(self) -> None:
        from castings import hooks  # noqa: F401 - plugs into lower apps once the models are loaded
