"""Trust and safety: scanning texts against the rule set, recording automatic flags, trust
levels and their daily limits (docs/SAFETY.md).

Callers above (castings, chat, profiles, moderation) call down into these; nothing here knows
what a casting or a message is beyond its kind and id.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from mwork.api.exceptions import TrustLimitExceeded
from safety.detectors import DETECTORS, HOLD_SAFE, Hit, compile_pattern, match_pattern
from safety.models import (
    SCANNED_KINDS,
    DailyUsage,
    Flag,
    FlagStatus,
    LimitKind,
    Rule,
    RuleAction,
    TrustFacts,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations


# ---------------------------------------------------------------------------------------------
# The rule set, compiled once per process
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _CompiledRule:
    id: int
    name: str
    kinds: frozenset[str]
    action: str
    weight: int
    detector: str  # "" for a pattern rule
    match: Callable[[str], list[Hit]]


@dataclass
class _RuleCache:
    rules: tuple[_CompiledRule, ...] = ()
    stamp: tuple[Any, ...] | None = None
    checked_at: float = 0.0


_cache = _RuleCache()


def _rules_stamp() -> tuple[Any, ...]:
    # Any add, edit or delete changes the count or the newest updated_at.
    row = Rule.objects.aggregate(count=Count("id"), newest=Max("updated_at"))
    return (row["count"], row["newest"])


def _compile(rule: Rule) -> _CompiledRule | None:
    if rule.detector:
        detector = DETECTORS.get(rule.detector)
        if detector is None:
            return None
        match = detector
    else:
        try:
            rx = compile_pattern(rule.pattern)
        except Exception:  # noqa: BLE001 - a broken staff pattern must not break posting
            return None

        def match(text: str, rx: re.Pattern[str] = rx, name: str = rule.name) -> list[Hit]:
            return match_pattern(name, rx, text)

    return _CompiledRule(
        id=rule.id,
        name=rule.name,
        kinds=frozenset(rule.target_kinds or ()),
        action=rule.action,
        weight=rule.weight,
        detector=rule.detector,
        match=match,
    )


def rules_active() -> tuple[_CompiledRule, ...]:
    """The active rules, compiled; reloaded when the table changed (checked at most every
    SAFETY_RULES_RECHECK_SECONDS per process, at once after `rules_invalidate`)."""
    now = time.monotonic()
    if _cache.stamp is not None and now - _cache.checked_at < settings.SAFETY_RULES_RECHECK_SECONDS:
        return _cache.rules
    stamp = _rules_stamp()
    if stamp != _cache.stamp:
        compiled = (_compile(rule) for rule in Rule.objects.filter(is_active=True))
        _cache.rules = tuple(rule for rule in compiled if rule is not None)
        _cache.stamp = stamp
    _cache.checked_at = now
    return _cache.rules


def rules_invalidate() -> None:
    """Forget this process's compiled rule set (the admin calls it on every rule edit; other
    processes notice within SAFETY_RULES_RECHECK_SECONDS)."""
    _cache.stamp = None
    _cache.checked_at = 0.0


CORPUS_DIR = Path(__file__).parent / "corpus"


@lru_cache(maxsize=1)
def ordinary_corpus() -> tuple[str, ...]:
    """The false-positive corpus: ordinary casting texts and chat messages in ru/kk/en that no
    `hold` rule may match (safety/corpus/ordinary_*.txt)."""
    return tuple(
        line
        for path in sorted(CORPUS_DIR.glob("ordinary_*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )


def rule_problems(
    *, detector: str, pattern: str, action: str, target_kinds: list[str]
) -> dict[str, list[StrOrPromise]]:
    """What is wrong with a rule as staff wrote it, per field (empty when it may be saved):
    exactly one of detector/pattern, a pattern that compiles, known target kinds, and `hold`
    only for detectors in HOLD_SAFE or patterns that match no line of the ordinary corpus."""
    problems: dict[str, list[StrOrPromise]] = {}
    if bool(detector) == bool(pattern):
        problems["pattern"] = [_("Choose a detector or write a pattern, not both.")]
        return problems
    if not target_kinds or set(target_kinds) - {kind.value for kind in SCANNED_KINDS}:
        problems["target_kinds"] = [_("Choose where the rule runs.")]
    if pattern:
        try:
            rx = compile_pattern(pattern)
        except re.error as error:
            problems["pattern"] = [_("Not a valid regular expression: %s") % error]
            return problems
        if action == RuleAction.HOLD:
            matched = [line for line in ordinary_corpus() if match_pattern("rule", rx, line)]
            if matched:
                problems["action"] = [
                    _("A holding pattern must match no ordinary text; it matches: %s")
                    % matched[0][:120]
                ]
    elif action == RuleAction.HOLD and detector not in HOLD_SAFE:
        problems["action"] = [
            _("This detector fires on ordinary texts too: it may only flag, not hold.")
        ]
    return problems


# ---------------------------------------------------------------------------------------------
# Scanning
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanResult:
    """What the rules found in one text: `action` is "hold", "flag" or None."""

    action: str | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)
    rule_ids: frozenset[int] = frozenset()
    weight: int = 0

    @property
    def hold(self) -> bool:
        return self.action == RuleAction.HOLD


def rules_in_memory() -> tuple[_CompiledRule, ...] | None:
    """`rules_active()` when this process's rule set needs no reading (checked within
    SAFETY_RULES_RECHECK_SECONDS), else None: for callers that may not touch the database."""
    if _cache.stamp is None:
        return None
    if time.monotonic() - _cache.checked_at >= settings.SAFETY_RULES_RECHECK_SECONDS:
        return None
    return _cache.rules


def content_scan_is_quiet(*, kind: str, text: str) -> bool:
    """True when no rule fires on `text`, known without touching the database or the cache
    (the rule set in memory is fresh); False when a rule fires or the rules must be read first.
    For an event loop, which runs `content_scan` itself only when this is False."""
    rules = rules_in_memory()
    return rules is not None and content_scan(kind=kind, text=text, rules=rules).action is None


def content_scan(
    *, kind: str, text: str, rules: tuple[_CompiledRule, ...] | None = None
) -> ScanResult:
    """Run the active rules (or `rules`) for target `kind` over `text`. Pure apart from reading
    the (cached) rule set; a detector shared by several rules runs once."""
    if not text or not text.strip():
        return ScanResult()
    by_detector: dict[str, list[Hit]] = {}
    hits: list[dict[str, Any]] = []
    fired: dict[int, _CompiledRule] = {}
    for rule in rules_active() if rules is None else rules:
        if kind not in rule.kinds:
            continue
        if rule.detector:
            if rule.detector not in by_detector:
                by_detector[rule.detector] = rule.match(text)
            found = by_detector[rule.detector]
        else:
            found = rule.match(text)
        if not found:
            continue
        fired[rule.id] = rule
        hits.extend(
            {
                "rule": rule.name,
                "detector": rule.detector or "pattern",
                "start": hit.start,
                "end": hit.end,
                "excerpt": hit.excerpt,
            }
            for hit in found
        )
    if not fired:
        return ScanResult()
    action = (
        RuleAction.HOLD
        if any(rule.action == RuleAction.HOLD for rule in fired.values())
        else RuleAction.FLAG
    )
    hits.sort(key=lambda h: (h["start"], h["rule"]))
    return ScanResult(
        action=str(action),
        hits=hits,
        rule_ids=frozenset(fired),
        weight=sum(rule.weight for rule in fired.values()),
    )


def flag_record(
    *,
    kind: str,
    target_id: Any,
    target_user: User | None,
    text: str,
    result: ScanResult,
    held: bool,
    counterpart: User | None = None,
) -> Flag | None:
    """Put the scan's findings on the moderation queue: create the target's open flag or
    update it (an edited text is scanned again). Nothing when no rule fired. Run it inside
    the caller's transaction, with the write it is about."""
    if result.action is None:
        return None
    with transaction.atomic():
        flag = (
            Flag.objects.select_for_update()
            .filter(target_kind=kind, target_id=target_id, status=FlagStatus.OPEN)
            .first()
        )
        if flag is None:
            flag = Flag(target_kind=kind, target_id=target_id)
        flag.target_user = target_user
        flag.counterpart = counterpart
        flag.action = result.action
        flag.held = held or flag.held
        flag.weight = result.weight
        flag.text = text[:20000]
        flag.hits = result.hits
        flag.save()
        # (by query: a rule deleted since the set was compiled is skipped, not an error)
        flag.rules.set(Rule.objects.filter(id__in=result.rule_ids))
    return flag


def flag_decide(*, flag: Flag, actor: User, approve: bool) -> Flag:
    """Close an open flag: approved (the content is fine, the rules were wrong) or rejected
    (the rules were right). Feeds each fired rule's precision. The caller (moderation)
    checked the staff capability and acts on the target itself. Raises Flag.DoesNotExist when
    the flag was decided meanwhile."""
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(id=flag.id, status=FlagStatus.OPEN)
        locked.status = FlagStatus.APPROVED if approve else FlagStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return locked


def flag_open_for(*, kind: str, target_id: Any) -> Flag | None:
    """The target's open flag, if any."""
    return Flag.objects.filter(
        target_kind=kind, target_id=target_id, status=FlagStatus.OPEN
    ).first()


class RulePrecision(TypedDict):
    confirmed: int
    dismissed: int
    open_flags: int


def rule_precision_annotate(
    queryset: QuerySet[Rule],
) -> QuerySet[WithAnnotations[Rule, RulePrecision]]:
    """Rules with `confirmed` (rejected flags), `dismissed` (approved flags) and `open_flags`."""
    return queryset.annotate(
        confirmed=Count("flags", filter=Q(flags__status=FlagStatus.REJECTED)),
        dismissed=Count("flags", filter=Q(flags__status=FlagStatus.APPROVED)),
        open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN)),
    )


# ---------------------------------------------------------------------------------------------
# Trust
# ---------------------------------------------------------------------------------------------
class TrustLevel(IntEnum):
    NEW = 0  # e-mail not verified
    VERIFIED = 1  # e-mail verified, account younger than TRUST_ACCOUNT_AGE_DAYS
    TRUSTED = 2  # verified and old enough, or a staff-verified company
    ESTABLISHED = 3  # trusted, with accepted work / completed castings

    @property
    def label(self) -> str:
        return self.name.lower()


TRUST_LEVEL_LABELS = {
    TrustLevel.NEW: _("new"),
    TrustLevel.VERIFIED: _("verified"),
    TrustLevel.TRUSTED: _("trusted"),
    TrustLevel.ESTABLISHED: _("established"),
}


def trust_facts_of(user: User) -> TrustFacts:
    """The stored facts of `user` (an unsaved all-default row when none were pushed yet)."""
    facts: TrustFacts | None = getattr(user, "_trust_facts", None)
    if facts is None:
        facts = TrustFacts.objects.filter(user_id=user.pk).first() or TrustFacts(user_id=user.pk)
        user._trust_facts = facts  # type: ignore[attr-defined]  # cached on the instance
    return facts


def trust_level(
    *, user: User, facts: TrustFacts | None = None, now: dt.datetime | None = None
) -> TrustLevel:
    """The trust level of `user` from its facts (docs/SAFETY.md, "Trust levels").

    A paid plan does not count here (it raises limits only, see `trust_limit_consume`); every
    upheld report against the account lowers it one level.
    """
    facts = facts if facts is not None else trust_facts_of(user)
    now = now or timezone.now()
    old_enough = now - user.created_at >= dt.timedelta(days=settings.TRUST_ACCOUNT_AGE_DAYS)
    if (user.email_verified and old_enough) or facts.verified_company:
        level = TrustLevel.TRUSTED
        track_record = facts.accepted_responses + facts.completed_castings
        if track_record >= settings.TRUST_ESTABLISHED_AFTER:
            level = TrustLevel.ESTABLISHED
    elif user.email_verified:
        level = TrustLevel.VERIFIED
    else:
        level = TrustLevel.NEW
    return TrustLevel(max(0, level - facts.upheld_reports))


def is_trusted(user: User) -> bool:
    """Trusted (messages flagged, never held): level TRUSTED or above."""
    return trust_level(user=user) >= TrustLevel.TRUSTED


def reporter_weight(*, user: User) -> float:
    """How much a report by `user` counts towards escalation: 0 unless trusted; halved for
    every dismissed report past REPORT_DISMISSED_GRACE."""
    if not is_trusted(user):
        return 0.0
    grace: int = settings.REPORT_DISMISSED_GRACE
    excess = trust_facts_of(user).dismissed_reports - grace
    return 0.5 ** max(0, excess)


_COUNTERS = (
    "accepted_responses",
    "completed_castings",
    "upheld_reports",
    "dismissed_reports",
)


def trust_facts_count(*, user_id: Any, **increments: int) -> None:
    """Add to counters of the user's facts (accepted_responses, completed_castings,
    upheld_reports, dismissed_reports), creating the row when needed."""
    unknown = set(increments) - set(_COUNTERS)
    if unknown:
        raise ValueError(f"Not trust counters: {sorted(unknown)}")
    if user_id is None or not increments:
        return
    TrustFacts.objects.get_or_create(user_id=user_id)
    TrustFacts.objects.filter(user_id=user_id).update(
        **{name: F(name) + amount for name, amount in increments.items()}
    )


def trust_facts_set(
    *, user_id: Any, verified_company: bool | None = None, paid_until: Any = ...
) -> None:
    """Record a verified-company mark and/or the end of the paid plan (None: no paid plan)."""
    values: dict[str, Any] = {}
    if verified_company is not None:
        values["verified_company"] = verified_company
    if paid_until is not ...:
        values["paid_until"] = paid_until
    if user_id is None or not values:
        return
    TrustFacts.objects.update_or_create(user_id=user_id, defaults=values)


# ---------------------------------------------------------------------------------------------
# Daily limits
# ---------------------------------------------------------------------------------------------
_usage = DailyUsage._meta
_CONSUME_SQL = f"""
    INSERT INTO {_usage.db_table} (user_id, day, kind, used) VALUES (%s, %s, %s, 1)
    ON CONFLICT (user_id, day, kind) DO UPDATE SET used = {_usage.db_table}.used + 1
        WHERE {_usage.db_table}.used < %s
    RETURNING used
"""  # noqa: S608 - the table name from the model, values bound


def _limits_level(user: User, level: TrustLevel, now: dt.datetime) -> TrustLevel:
    paid_until = trust_facts_of(user).paid_until
    if paid_until and paid_until > now:
        return TrustLevel(min(level + 1, TrustLevel.ESTABLISHED))
    return level


def trust_limit_of(*, user: User, kind: str, now: dt.datetime | None = None) -> int:
    """Today's limit of `kind` for `user` (its trust level's, or the next level's with a paid
    plan), from TRUST_DAILY_LIMITS."""
    now = now or timezone.now()
    level = _limits_level(user, trust_level(user=user, now=now), now)
    return int(settings.TRUST_DAILY_LIMITS[level.label][kind])


def _seconds_to_midnight(now: dt.datetime) -> int:
    local = timezone.localtime(now)
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))


def _how_to_raise(level: TrustLevel) -> str | Promise:
    if level == TrustLevel.NEW:
        return _(
            "You have reached today's limit for a new account. Verify your e-mail to raise it."
        )
    if level == TrustLevel.VERIFIED:
        return _(
            "You have reached today's limit for a new account. It rises when your account "
            "is a week old."
        )
    return _("You have reached today's limit. Please try again tomorrow.")


def trust_limit_consume(*, user: User, kind: str, now: dt.datetime | None = None) -> None:
    """Count one `kind` (LimitKind) for `user` today against its trust level's daily limit;
    call it inside the caller's transaction, with the insert it pays for (a refused or failed
    write spends nothing). Staff and TRUST_LIMITS_ENABLED=0 are not counted.

    Raises TrustLimitExceeded (429, `retry_after` = seconds to local midnight, details
    `{"kind", "limit", "trust_level"}`) when today's limit is spent.
    """
    if not settings.TRUST_LIMITS_ENABLED or user.is_staff:
        return
    if kind not in LimitKind.values:
        raise ValueError(f"Not a trust limit: {kind}")
    now = now or timezone.now()
    level = trust_level(user=user, now=now)
    limit = int(settings.TRUST_DAILY_LIMITS[_limits_level(user, level, now).label][kind])
    allowed = limit > 0
    if allowed:
        user_id = _usage.get_field("user").get_db_prep_value(user.pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(_CONSUME_SQL, [user_id, timezone.localdate(now), kind, limit])
            allowed = cursor.fetchone() is not None
    if not allowed:
        raise TrustLimitExceeded(
            _how_to_raise(level),
            retry_after=_seconds_to_midnight(now),
            details={"kind": kind, "limit": limit, "trust_level": level.label},
        )
