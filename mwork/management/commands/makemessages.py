"""`makemessages` whose output merges cleanly between branches.

Django's command with these defaults: no source locations, entries sorted by msgid, no
obsolete entries, tests, benchmarks and the virtualenv left out. Afterwards every catalogue is
rewritten by polib (one formatting, whoever edited it last) without the `POT-Creation-Date`
stamp, and the English one gets msgstr = msgid where empty (msgids are English). `make
messages` runs it for every language in `locale/` (docs/i18n.md).
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.commands import makemessages

IGNORED = ["tests", "conftest.py", "bench", "deploy", "docs", "var", "locale", "node_modules"]
SOURCE_LANGUAGE = "en"


def normalize_catalogue(path: Path, language: str) -> None:
    po = polib.pofile(str(path), wrapwidth=78)
    for stamp in ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Language-Team"):
        po.metadata.pop(stamp, None)  # change on every run or say nothing: merge conflicts
    po.metadata.pop("Report-Msgid-Bugs-To", None)
    po.metadata["Project-Id-Version"] = "MWork"
    po.metadata["Language"] = language
    po.metadata_is_fuzzy = False
    po.header = (
        "MWork's messages: edit msgstr only; `make messages` refreshes msgids (docs/i18n.md)"
    )
    for entry in po:
        if not entry.fuzzy:  # "#| previous msgid" only explains a fuzzy guess
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    if language == SOURCE_LANGUAGE:
        for entry in po:
            if entry.fuzzy or not entry.translated():  # a guess or nothing: the msgid itself
                entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
    po.save(str(path))


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--sort-output"]
    msguniq_options = [*makemessages.Command.msguniq_options, "--sort-output"]
    msgattrib_options = [*makemessages.Command.msgattrib_options, "--sort-output"]
    xgettext_options = [*makemessages.Command.xgettext_options, "--sort-output"]

    def handle(self, *args, **options):
        options["no_location"] = True
        options["add_location"] = None
        options["no_obsolete"] = True
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        super().handle(*args, **options)
        for path in sorted(Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po")):
            normalize_catalogue(path, path.parent.parent.name)
