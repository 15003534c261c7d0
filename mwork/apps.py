from django.apps import AppConfig


class MworkConfig(AppConfig):
    """The project package itself: cross-app management commands (demo data)."""

    name = "mwork"
    verbose_name = "MWork platform"
