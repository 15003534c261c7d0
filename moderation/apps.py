from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_staff_groups(sender, using="default", verbosity=1, **kwargs) -> None:
    """After `migrate`: make sure every app's permissions exist, then sync the staff groups.

    Django creates permissions in its own post_migrate receiver, app by app, in
    INSTALLED_APPS order — moderation comes before billing, castings and chat, so on a fresh
    database their permissions would not exist yet when this runs. Creating them first (an
    idempotent call) makes the groups complete in one `migrate`.
    """
    if kwargs.get("plan") is None:
        # `flush` (test teardown) emits post_migrate without a plan. Recreating the groups
        # there would collide with the rows a serialized-rollback test restores next.
        return
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from moderation.staff_groups import staff_groups_sync  # imports models: loaded after apps.py

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    staff_groups_sync(using=using)


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation and safety")

    def ready(self) -> None:
        # A post_migrate receiver is the hook Django offers for "after the schema exists"
        # (third-party signal, not business flow).
        post_migrate.connect(
            _sync_staff_groups, sender=self, dispatch_uid="moderation.sync_staff_groups"
        )
        # The safety rules on every chat message (chat's one place for per-message checks).
        from chat.services import MESSAGE_SCREENS
        from moderation.services import chat_message_screen

        if chat_message_screen not in MESSAGE_SCREENS:
            MESSAGE_SCREENS.append(chat_message_screen)
