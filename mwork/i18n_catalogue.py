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

# Django auth's messages its Kazakh catalogue lacks (the user admin, password forms).
AUTH_MESSAGES = (
    gettext_noop("%(name)s object with primary key %(key)r does not exist."),
    gettext_noop("Authentication and Authorization"),
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Disabled"),
    gettext_noop("Email"),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Enabled"),
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z letters, numbers, and @/./+/-/_ characters."
    ),
    gettext_noop("Enter new password"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Invalid password format or unknown hashing algorithm."),
    gettext_noop("No password set."),
    gettext_noop("Password change"),
    gettext_noop("Password change successful"),
    gettext_noop("Password reset"),
    gettext_noop("Password reset complete"),
    gettext_noop("Password reset sent"),
    gettext_noop("Password reset unsuccessful"),
    gettext_noop("Password-based authentication"),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."
    ),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop("Reset password"),
    gettext_noop("Set password: %s"),
    gettext_noop("Specific permissions for this user."),
    gettext_noop(
        "The groups this user belongs to. A user will get all permissions granted to each of their groups."
    ),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    gettext_noop("algorithm"),
    gettext_noop("block size"),
    gettext_noop("checksum"),
    gettext_noop("email address"),
    gettext_noop("hash"),
    gettext_noop("iterations"),
    gettext_noop("memory cost"),
    gettext_noop("parallelism"),
    gettext_noop("salt"),
    gettext_noop("time cost"),
    gettext_noop("variety"),
    gettext_noop("version"),
    gettext_noop("work factor"),
)

# Django's form and model validation messages its Kazakh catalogue lacks (admin forms).
CORE_MESSAGES = (
    gettext_noop("%(field_label)s must be unique for %(date_field_label)s %(lookup_type)s."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    ngettext_lazy("%(num)d day", "%(num)d days", 1),
    ngettext_lazy("%(num)d hour", "%(num)d hours", 1),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", 1),
    ngettext_lazy("%(num)d month", "%(num)d months", 1),
    ngettext_lazy("%(num)d week", "%(num)d weeks", 1),
    ngettext_lazy("%(num)d year", "%(num)d years", 1),
    gettext_noop("(Hidden field %(name)s) %(error)s"),
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("Date out of range"),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        1,
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("Enter a valid JSON."),
    gettext_noop("Enter a valid UUID."),
    gettext_noop("Enter a valid domain name."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Enter a valid integer."),
    gettext_noop(
        "File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."
    ),
    gettext_noop("Forbidden"),
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need to file a bug report if the issue persists."
    ),
    gettext_noop("Null characters are not allowed."),
    ngettext_lazy(
        "Please submit at least %(num)d form.", "Please submit at least %(num)d forms.", 1
    ),
    ngettext_lazy("Please submit at most %(num)d form.", "Please submit at most %(num)d forms.", 1),
    gettext_noop("That page contains no results"),
    gettext_noop("That page number is less than 1"),
    gettext_noop("That page number is not an integer"),
    gettext_noop("The inline value did not match the parent instance."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop("Value %(value)r is not a valid choice."),
    gettext_noop("Value must be valid JSON."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("“%(value)s” is not a valid UUID."),
    gettext_noop("“%(value)s” value has an invalid date format. It must be in YYYY-MM-DD format."),
    gettext_noop(
        "“%(value)s” value has an invalid format. It must be in HH:MM[:ss[.uuuuuu]] format."
    ),
    gettext_noop(
        "“%(value)s” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."
    ),
    gettext_noop(
        "“%(value)s” value has an invalid format. It must be in [DD] [[HH:]MM:]ss[.uuuuuu] format."
    ),
    gettext_noop(
        "“%(value)s” value has the correct format (HH:MM[:ss[.uuuuuu]]) but it is an invalid time."
    ),
    gettext_noop(
        "“%(value)s” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time."
    ),
    gettext_noop(
        "“%(value)s” value has the correct format (YYYY-MM-DD) but it is an invalid date."
    ),
    gettext_noop("“%(value)s” value must be a decimal number."),
    gettext_noop("“%(value)s” value must be a float."),
    gettext_noop("“%(value)s” value must be an integer."),
    gettext_noop("“%(value)s” value must be either None, True or False."),
    gettext_noop("“%(value)s” value must be either True or False."),
    gettext_noop("“%(value)s” value must be either True, False, or None."),
)

# Django admin's page titles put a model's name, in the nominative, into a sentence that needs
# another case in Russian ("Выберите автоматическая отметка для просмотра"): our ru catalogue
# words them around the name ("Выбор объекта для просмотра: автоматическая отметка"). "Select
# %s to view" and "View %s" are above.
ADMIN_TITLES = (
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("Select %s to change"),
)
