"""`django.contrib.admin` with the back office's site (moderation.admin_site); a module of its
own because INSTALLED_APPS imports it before any model exists."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "moderation.admin_site.StaffAdminSite"
