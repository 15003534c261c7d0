"""`compilemessages` in pure Python (polib): every `locale/*/LC_MESSAGES/*.po` → `.mo`.

Replaces Django's command, which needs GNU gettext's `msgfmt`, so `make run`, the tests and the
image compile the catalogues with nothing from apt. Like `msgfmt`, fuzzy and untranslated
entries are left out (Django then shows the English msgid). A `.mo` is rewritten only when its
bytes change.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogues(locale_paths=None) -> list[Path]:
    """Compile every catalogue under `locale_paths` (default LOCALE_PATHS); the changed `.mo`s."""
    changed = []
    for root in locale_paths or settings.LOCALE_PATHS:
        for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
            po = polib.pofile(str(po_path))  # save_as_mofile writes translated entries only
            with tempfile.NamedTemporaryFile(dir=po_path.parent, suffix=".mo", delete=False) as tmp:
                tmp_path = Path(tmp.name)
            po.save_as_mofile(str(tmp_path))
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.read_bytes() == tmp_path.read_bytes():
                tmp_path.unlink()
                continue
            os.replace(tmp_path, mo_path)  # atomic: a concurrent reader sees old or new
            changed.append(mo_path)
    return changed


class Command(BaseCommand):
    help = "Compile the .po catalogues of LOCALE_PATHS to .mo (pure Python, no GNU gettext)."

    def handle(self, *args, **options):
        changed = compile_catalogues()
        if options["verbosity"] > 0:
            self.stdout.write(f"compilemessages: {len(changed)} catalogue(s) updated")
