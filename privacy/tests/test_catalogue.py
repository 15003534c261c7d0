"""Every model holding personal data is classified: exported or explicitly excluded, and
deleted, anonymised or kept at purge (privacy/catalogue.py, docs/PRIVACY.md)."""

from __future__ import annotations

from django.apps import apps

from privacy.catalogue import CATALOGUE, DELETE, KEEP, SUBJECT_MODELS


def _personal_foreign_keys() -> set[tuple[str, str]]:
    subjects = {apps.get_model(label) for label in SUBJECT_MODELS}
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not (
                field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)
            ):
                continue
            if field.related_model in subjects:
                found.add((model._meta.label, field.name))
    return found


def test_every_foreign_key_to_a_user_or_profile_is_classified():
    classified = {(entry.model, entry.lookup) for entry in CATALOGUE}

    missing = _personal_foreign_keys() - classified

    assert not missing, (
        "Personal data neither exported nor excluded — add these to privacy/catalogue.py "
        f"and docs/PRIVACY.md: {sorted(missing)}"
    )


def test_every_installed_catalogue_entry_is_a_real_foreign_key():
    real = _personal_foreign_keys()
    installed = {m._meta.label for m in apps.get_models()}

    stale = {
        (entry.model, entry.lookup)
        for entry in CATALOGUE
        if entry.model in installed and (entry.model, entry.lookup) not in real
    }

    assert not stale


def test_every_entry_says_why_when_it_is_excluded_or_kept():
    for entry in CATALOGUE:
        assert entry.purge in (DELETE, KEEP) or isinstance(entry.purge, dict)
        if entry.export is None or entry.purge == KEEP:
            assert entry.why, entry
