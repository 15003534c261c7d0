"""App configs the back office gives apps that are not ours, in a module of their own because
INSTALLED_APPS imports it before any model exists: `django.contrib.admin` with the staff site
(moderation.admin_site), and django-axes with a translated name for its admin section (its own
config has none, so the navigation said "Axes"). Third-party apps whose models the back office
does not show (django-otp, simplejwt's token blacklist: moderation/admin.py unregisters them)
need no name."""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class StaffAdminConfig(AdminConfig):
    default_site = "moderation.admin_site.StaffAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes (admin login throttling) under the name staff read in the navigation."""

    verbose_name = _("Admin login lockouts")
