# ruff: noqa: E501, RUF001 — msgids copied verbatim from Django (long lines, typographic quotes)
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

# Django admin's own messages its Kazakh catalogue lacks (Django 5.2); ru as Django's.
ADMIN_MESSAGES = (
    gettext_noop("%(app)s administration"),
    gettext_noop("%(class_name)s %(instance)s"),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Add link"),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Added “%(object)s”."),
    gettext_noop("Added."),
    gettext_noop("Added:"),
    gettext_noop("Addition"),
    gettext_noop("Administration"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Change or view list link"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Change:"),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Changed {fields}."),
    gettext_noop("Changed “%(object)s” — %(changes)s"),
    gettext_noop("Changed:"),
    gettext_noop("Clear all filters"),
    gettext_noop("Close"),
    gettext_noop("Currently:"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Deleted “%(object)s.”"),
    gettext_noop("Deleted:"),
    gettext_noop(
        "Deleting %(class_name)s %(instance)s would require deleting the following protected related objects: %(related_objects)s"
    ),
    gettext_noop("Deletion"),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Email address:"),
    gettext_noop("Empty"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Error:"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we’ll email instructions for setting a new one."
    ),
    gettext_noop("Hide counts"),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    gettext_noop(
        "If you don’t receive an email, please make sure you’ve entered the address you registered with, and check your spam folder."
    ),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("LogEntry Object"),
    gettext_noop("Model name"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("My actions"),
    gettext_noop("No, take me back"),
    gettext_noop("Not empty"),
    gettext_noop("Objects"),
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that both fields may be case-sensitive."
    ),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can verify you typed it in correctly."
    ),
    gettext_noop("Popup closing…"),
    gettext_noop("Recent actions"),
    gettext_noop("Remove from sorting"),
    gettext_noop("Save and view"),
    gettext_noop("Select %s to view"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Set password"),
    gettext_noop("Show counts"),
    gettext_noop("Sidebar"),
    gettext_noop("Skip to main content"),
    gettext_noop(
        "Something’s wrong with your database installation. Make sure the appropriate database tables have been created, and make sure the database is readable by the appropriate user."
    ),
    gettext_noop("Sorting priority: %(priority_number)s"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Summary"),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop(
        "There’s been an error. It’s been reported to the site administrators via email and should be fixed shortly. Thanks for your patience."
    ),
    gettext_noop(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_noop(
        "This object doesn’t have a change history. It probably wasn’t added via this admin site."
    ),
    gettext_noop("Toggle navigation"),
    gettext_noop("Toggle sorting"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("View"),
    gettext_noop("View %s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("View site"),
    gettext_noop("We’re sorry, but the requested page could not be found."),
    gettext_noop(
        "We’ve emailed you instructions for setting your password, if an account exists with the email you entered. You should receive them shortly."
    ),
    gettext_noop("Yes, I’m sure"),
    gettext_noop(
        "You are authenticated as %(username)s, but are not authorized to access this page. Would you like to login to a different account?"
    ),
    gettext_noop("You don’t have permission to view or edit anything."),
    gettext_noop("You may edit it again below."),
    gettext_noop(
        "You're receiving this email because you requested a password reset for your user account at %(site_name)s."
    ),
    gettext_noop("content type"),
    ngettext_lazy("entry", "entries", 1),
)
