from django.apps import AppConfig


class CastingsConfig(AppConfig):
    name = "castings"
    verbose_name = "Castings"
