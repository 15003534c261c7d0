"""The back office of the safety layer (docs/SAFETY.md): the rule set staff edit, with each
rule's precision; the automatic part of the moderation queue (rules fired, spans highlighted,
trust levels of both parties, approve/reject); trust facts.

Registered here, in moderation (the top layer), so `safety` itself imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from moderation import services
from moderation.admin_policy import DecisionPageMixin, PolicyAdmin, staff_user
from moderation.models import AuditAction
from safety import services as safety
from safety.models import SCANNED_KIND_CHOICES, Flag, FlagStatus, Rule, TargetKind, TrustFacts

# The admin change page of each scanned kind (app_label_modelname).
if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices

_TARGET_ADMIN: dict[str, str] = {
    TargetKind.CASTING: "castings_casting",
    TargetKind.MESSAGE: "chat_message",
    TargetKind.MODEL_PROFILE: "profiles_modelprofile",
    TargetKind.EMPLOYER_PROFILE: "profiles_employerprofile",
}


def trust_badge(user: User | None) -> SafeString | str:
    """`email · level` of an account, for the queues (staff see why)."""
    if user is None:
        return "—"
    level = safety.trust_level(user=user)
    return format_html(
        '{} <span class="trust-level" data-level="{}">· {}</span>',
        user.email,
        level.label,
        safety.TRUST_LEVEL_LABELS[level],
    )


def attach_trust_facts(users: list[User | None]) -> None:
    """Load the trust facts of `users` in one query (the queues show a level per row)."""
    present = [user for user in users if user is not None]
    facts = {f.user_id: f for f in TrustFacts.objects.filter(user_id__in={u.pk for u in present})}
    for user in present:
        # Read by safety.services.trust_level instead of a query per row.
        vars(user)["_trust_facts"] = facts.get(user.pk) or TrustFacts(user_id=user.pk)


def highlighted(text: str, hits: list[dict[str, Any]]) -> SafeString:
    """`text` with every hit's span in <mark> (overlapping spans merged)."""
    spans: list[list[int]] = []
    for hit in sorted(hits, key=lambda h: (h["start"], h["end"])):
        if spans and hit["start"] <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hit["end"])
        else:
            spans.append([hit["start"], hit["end"]])
    parts: list[tuple[str, str]] = []
    pos = 0
    for start, end in spans:
        parts.append(("{}", text[pos:start]))
        parts.append(("<mark>{}</mark>", text[start:end]))
        pos = end
    parts.append(("{}", text[pos:]))
    return format_html_join("", "{}", ((format_html(fmt, piece),) for fmt, piece in parts))


class WaitingFirstStatusFilter(admin.SimpleListFilter):
    """A queue's status filter, opening on `waiting` (what still waits for a decision); "All"
    shows the decided items too. The report queue (admin.py) and the flags here use it."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"
    statuses: type[models.TextChoices]  # the choices of the model's `status`
    waiting: str

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*self.statuses.choices, (self.ALL, _("All"))]

    def value(self) -> str:
        return super().value() or self.waiting

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        # Django's own "All" entry (no parameter) would mean `waiting` here: ours replaces it.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class FlagStatusFilter(WaitingFirstStatusFilter):
    statuses = FlagStatus
    waiting = FlagStatus.OPEN


# The flag page's buttons, worded as the list's actions.
FLAG_OPERATIONS = {
    "approve": _("Approve: the content is fine (publish / deliver held items)"),
    "reject": _("Reject: the rules were right (held items are not published)"),
}


@admin.register(Flag)
class FlagAdmin(DecisionPageMixin, PolicyAdmin):
    """The automatic part of the moderation queue: held items first, then by rule weight."""

    # Narrow enough for 1440 px beside the navigation (as the report queue): source and status
    # share the object's cell, the author and the other party one cell.
    list_display = ("waiting", "what", "rules_fired", "excerpt", "people")
    list_display_links = ("waiting",)
    list_filter = (FlagStatusFilter, "target_kind")
    list_select_related = ("target_user", "counterpart", "decided_by")
    search_fields = ("=id", "=target_id", "target_user__email", "text")
    ordering = ("-held", "-weight", "created_at")
    list_per_page = 50
    readonly_fields = (
        "id",
        "what",  # with the source, and the status once decided
        "status",
        "held",
        "rules_fired",
        "marked_text",
        "author_trust",
        "counterpart_trust",
        "weight",
        "decided_by",
        "decided_at",
        "created_at",
    )
    fields = readonly_fields
    actions = ("approve_flags", "reject_flags")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return super().get_queryset(request).prefetch_related("rules")

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        flags: list[Flag] = list(changelist.result_list)
        users = [u for flag in flags for u in (flag.target_user, flag.counterpart)]
        attach_trust_facts(users)
        return changelist

    @admin.display(description=_("waiting since"), ordering="created_at")
    def waiting(self, flag: Flag) -> SafeString:
        return format_html(
            "{}<br><small>{}</small>",
            timezone.localtime(flag.created_at).strftime("%Y-%m-%d %H:%M"),
            timesince(flag.created_at),
        )

    @admin.display(description=_("source"))
    def source(self, flag: Flag) -> str:
        return gettext("automatic")

    @admin.display(description=_("flagged object"), ordering="target_kind")
    def what(self, flag: Flag) -> SafeString:
        label = flag.get_target_kind_display()
        if flag.held:
            label = gettext("%(kind)s (held)") % {"kind": label}
        try:
            url = reverse(f"admin:{_TARGET_ADMIN[flag.target_kind]}_change", args=[flag.target_id])
        except (KeyError, NoReverseMatch):
            link = format_html("{}", label)
        else:
            link = format_html('<a href="{}">{}</a>', url, label)
        facts = [self.source(flag)]
        if flag.status != FlagStatus.OPEN:
            facts.append(flag.get_status_display())
        return format_html("{}<br><small>{}</small>", link, " · ".join(facts))

    @admin.display(description=_("rules fired"))
    def rules_fired(self, flag: Flag) -> SafeString:
        return format_html_join(
            ", ", "{} ({})", ((r.label, r.get_action_display()) for r in flag.rules.all())
        )

    @admin.display(description=_("matched text"))
    def excerpt(self, flag: Flag) -> SafeString:
        return format_html_join(" · ", "<mark>{}</mark>", ((h["excerpt"],) for h in flag.hits[:5]))

    @admin.display(description=_("text, matches highlighted"))
    def marked_text(self, flag: Flag) -> SafeString:
        return format_html(
            '<div style="white-space: pre-wrap">{}</div>', highlighted(flag.text, flag.hits)
        )

    @admin.display(description=_("author → other party"))
    def people(self, flag: Flag) -> SafeString:
        return format_html(
            "{}<br>→ {}", trust_badge(flag.target_user), trust_badge(flag.counterpart)
        )

    @admin.display(description=_("author · trust"))
    def author_trust(self, flag: Flag) -> SafeString | str:
        return trust_badge(flag.target_user)

    @admin.display(description=_("other party · trust"))
    def counterpart_trust(self, flag: Flag) -> SafeString | str:
        return trust_badge(flag.counterpart)

    def _decide_one(self, request: HttpRequest, flag: Flag, *, approve: bool, note: str = ""):
        """One staff decision on `flag` through moderation's service, audited (the note, or the
        flag's kind and rules, as its reason)."""
        actor = staff_user(request)
        return self.audited(
            request,
            flag,
            AuditAction.FLAG_APPROVE if approve else AuditAction.FLAG_REJECT,
            lambda: services.flag_review(actor=actor, flag=flag, approve=approve),
            reason=note or services.flag_label(flag),
            data={"target_kind": flag.target_kind, "target_id": str(flag.target_id)},
        )

    def _decide(self, request: HttpRequest, queryset: QuerySet[Flag], *, approve: bool) -> None:
        self.act_on_each(
            request,
            queryset.filter(status=FlagStatus.OPEN),
            lambda flag: self._decide_one(request, flag, approve=approve),
            done=ngettext_lazy("%(count)d flag decided.", "%(count)d flags decided.", "count"),
            name=lambda flag: str(flag.pk),
        )

    @admin.action(
        description=FLAG_OPERATIONS["approve"],
        permissions=["review"],
    )
    def approve_flags(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(
        description=FLAG_OPERATIONS["reject"],
        permissions=["review"],
    )
    def reject_flags(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._decide(request, queryset, approve=False)

    # --- the decision page (admin_policy.DecisionPageMixin), as the report's -----------------
    decision_confirm = ("reject",)  # a held casting is cancelled and hidden, a message dropped
    decision_note_placeholder = _("Defaults to the flag's kind and the rules that fired")
    decision_next_label = _("then open the next open flag")
    decision_skip_label = _("Skip to the next open flag")
    decision_none_left = _("No open flags left.")

    def available_operations(
        self, request: HttpRequest, flag: Flag
    ) -> list[tuple[str, str | Promise]]:
        if flag.status != FlagStatus.OPEN or not self.has_capability(request, "review"):
            return []
        return [("approve", FLAG_OPERATIONS["approve"]), ("reject", FLAG_OPERATIONS["reject"])]

    def decision_apply(self, request: HttpRequest, flag: Flag, operation: str, *, note: str):
        return self._decide_one(request, flag, approve=operation == "approve", note=note)

    def decision_next(self, after: Flag | None) -> Flag | None:
        """The next open flag in the queue's order (held first, then by weight, oldest first)."""
        queryset = Flag.objects.filter(status=FlagStatus.OPEN).order_by(*self.ordering, "id")
        if after is not None:
            queryset = queryset.exclude(pk=after.pk)
        return queryset.first()


class RuleForm(forms.ModelForm):
    target_kinds = forms.MultipleChoiceField(
        label=capfirst(_("target kinds")),
        choices=SCANNED_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Rule
        # A description or a pattern is read whole, not through a 20-character box.
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "pattern": forms.TextInput(attrs={"size": 80}),
        }
        fields = (
            "name",
            "description",
            "detector",
            "pattern",
            "language",
            "target_kinds",
            "weight",
            "action",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A built-in rule is stored in English (its text is a message id): the field shows what
        # staff read elsewhere in their language; renaming it makes it a rule of one's own.
        for name, shown in (
            ("name", self.instance.label),
            ("description", self.instance.explanation),
        ):
            stored = getattr(self.instance, name)
            if name in self.fields and stored and shown != stored:  # absent when view-only
                self.fields[name].help_text = gettext(
                    "Built-in text, shown in your language as: %(text)s"
                ) % {"text": shown}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        problems = safety.rule_problems(
            detector=data.get("detector") or "",
            pattern=data.get("pattern") or "",
            action=data.get("action") or "",
            target_kinds=list(data.get("target_kinds") or []),
        )
        for field, errors in problems.items():
            for error in errors:
                self.add_error(field, error)
        return data


@admin.register(Rule)
class RuleAdmin(PolicyAdmin):
    """The rule set; precision = rejected / decided flags the rule fired on."""

    form = RuleForm
    # Narrow enough for 1440 px beside the navigation: the language under the name, the weight
    # under the action; precision "75% (3/4)" holds the confirmed and decided counts.
    list_display = (
        "name_and_language",
        "signal",
        "kinds",
        "action_and_weight",
        "is_active",
        "precision",
    )
    list_filter = ("action", "is_active")
    search_fields = ("name", "description", "pattern")
    readonly_fields = ("shown_name", "shown_description")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rule]:
        return safety.rule_precision_annotate(super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj: Rule | None = None) -> list[Any]:
        fields: list[Any] = list(RuleForm.Meta.fields)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: a built-in rule's texts in the reader's language (an editor has them
            # under the stored English, RuleForm).
            shown = {"name": "shown_name", "description": "shown_description"}
            fields = [shown.get(name, name) for name in fields]
        return fields

    @admin.display(description=_("name"))
    def shown_name(self, rule: Rule) -> str:
        return rule.label

    @admin.display(description=_("description"))
    def shown_description(self, rule: Rule) -> str:
        return rule.explanation

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        safety.rules_invalidate()

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        super().delete_model(request, obj)
        safety.rules_invalidate()

    @admin.display(description=_("name"), ordering="name")
    def name_and_language(self, rule: Rule) -> SafeString:
        return format_html("{}<br><small>{}</small>", rule.label, rule.get_language_display())

    @admin.display(description=_("detector or pattern"))
    def signal(self, rule: Rule) -> SafeString:
        # A pattern is one long word: it may break anywhere rather than widen the table.
        return format_html(
            '<code style="overflow-wrap: anywhere">{}</code>', rule.detector or rule.pattern
        )

    @admin.display(description=_("target kinds"))
    def kinds(self, rule: Rule) -> str:
        labels = dict(SCANNED_KIND_CHOICES)
        return ", ".join(str(labels.get(kind, kind)) for kind in rule.target_kinds)

    @admin.display(description=_("action"), ordering="action")
    def action_and_weight(self, rule: Rule) -> SafeString:
        return format_html(
            "{}<br><small>{}: {}</small>", rule.get_action_display(), _("weight"), rule.weight
        )

    # `confirmed` and `dismissed` are annotations of get_queryset (0 on a rule read without).
    @admin.display(description=_("precision"), ordering="confirmed")
    def precision(self, rule: Rule) -> str:
        """Confirmed (rejected) of the decided flags the rule fired on: "75% (3/4)"."""
        confirmed: int = getattr(rule, "confirmed", 0)
        decided = confirmed + getattr(rule, "dismissed", 0)
        if not decided:
            return "—"
        return f"{100 * confirmed / decided:.0f}% ({confirmed}/{decided})"


@admin.register(TrustFacts)
class TrustFactsAdmin(PolicyAdmin):
    # The four counters share a cell (narrow enough for 1440 px beside the navigation).
    list_display = ("user", "level", "verified_company", "paid_until", "counts")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    ordering = (F("updated_at").desc(),)
    readonly_fields = (
        "user",
        "level",
        "verified_company",
        "paid_until",
        "accepted_responses",
        "completed_castings",
        "upheld_reports",
        "dismissed_reports",
        "updated_at",
    )

    @admin.display(description=_("counts"))
    def counts(self, facts: TrustFacts) -> SafeString:
        counts = (
            (_("accepted responses"), facts.accepted_responses),
            (_("completed castings"), facts.completed_castings),
            (_("upheld reports against it"), facts.upheld_reports),
            (_("its reports dismissed"), facts.dismissed_reports),
        )
        return format_html_join(mark_safe("<br>"), "{}: {}", counts)

    @admin.display(description=_("trust level"))
    def level(self, facts: TrustFacts) -> str:
        return str(safety.TRUST_LEVEL_LABELS[safety.trust_level(user=facts.user, facts=facts)])
