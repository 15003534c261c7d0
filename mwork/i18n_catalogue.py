"""Django's and DRF's own messages that their catalogues leave untranslated in Kazakh.

Naming a msgid here (never called at run time) puts it into `locale/*/django.po`, where our
translation takes precedence over the library's catalogue (LOCALE_PATHS come first).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

LIBRARY_MESSAGES = (
    gettext_noop("Enter a valid email address."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
)
