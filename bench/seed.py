"""Benchmark data at national scale: `python -m bench.seed --scale N` builds it.

Scale 1 is the whole Kazakh market in one database: 100,000 model profiles, 10,000 employers
(a fifth of them agencies), 30,000 castings, 300,000 responses, 20,000 chat rooms with 500,000
messages. Distributions follow the market: most people and castings are in Almaty and Astana,
a few castings draw most applicants (log-normal), a few rooms hold most messages.

Every row is generated from one seeded RNG, so two runs at the same scale produce the same
data. Bench users are recognised by their e-mail domain (`@bench.mwork.kz`): a second run at
the same scale finds the data complete and does nothing; at another scale (or after an
interrupted run) it deletes the bench rows and builds them again.

On PostgreSQL rows are streamed with `COPY ... FROM STDIN` (psycopg 3 `cursor.copy`), a table
at a time, then the tables are vacuumed and analysed; elsewhere (SQLite, for small smoke
scales) they go through `bulk_create`.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

BENCH_EMAIL_DOMAIN = "bench.mwork.kz"
BENCH_PASSWORD = "Bench-Passw0rd!"  # noqa: S105 - synthetic benchmark users only
BASE_COUNTS = {
    "models": 100_000,
    "employers": 10_000,
    "castings": 30_000,
    "responses": 300_000,
    "rooms": 20_000,
    "messages": 500_000,
}
# (city, share of people and castings): the two big cities hold most of the market.
CITIES = [
    ("Almaty", 0.38),
    ("Astana", 0.24),
    ("Shymkent", 0.08),
    ("Karaganda", 0.05),
    ("Aktobe", 0.04),
    ("Atyrau", 0.04),
    ("Pavlodar", 0.03),
    ("Oskemen", 0.03),
    ("Taraz", 0.03),
    ("Kostanay", 0.02),
    ("Aktau", 0.02),
    ("Kyzylorda", 0.02),
    ("Semey", 0.01),
    ("Turkistan", 0.01),
]
CATEGORIES = [("fashion", 0.35), ("commercial", 0.35), ("editorial", 0.15), ("runway", 0.15)]
FEMALE_FIRST = [
    "Aigerim", "Aruzhan", "Dana", "Madina", "Saule", "Kamila", "Aliya", "Zhanna", "Asel",
    "Dinara", "Gulnara", "Anel", "Togzhan", "Ayaulym", "Inkar", "Sofia", "Anna", "Elena",
    "Alina", "Viktoria", "Amina", "Tomiris", "Zarina", "Milana",
]  # fmt: skip
MALE_FIRST = [
    "Nurlan", "Arman", "Daniyar", "Yerlan", "Timur", "Alikhan", "Sanzhar", "Askar", "Bauyrzhan",
    "Dias", "Aidar", "Ruslan", "Maksat", "Alexei", "Dmitry", "Ilyas", "Azamat", "Miras",
]  # fmt: skip
SURNAMES = [
    "Nurzhanov", "Abenov", "Seitkali", "Zhaksylykov", "Omarov", "Tulegenov", "Kassymov",
    "Akhmetov", "Ibraimov", "Suleimenov", "Bekova", "Iskakov", "Mukanov", "Sadykov", "Ivanov",
    "Kim", "Tsoi", "Baimukhamedov", "Yesenov", "Zhunusov", "Karimov", "Utegenov", "Serikbayev",
    "Dzhaksybekov", "Kuanyshev", "Orazbayev", "Temirkhanov", "Smagulov", "Petrov", "Aliev",
]  # fmt: skip
COMPANY_WORDS = [
    "Steppe", "Altyn", "Nomad", "Silk", "Aurora", "Baiterek", "Tengri", "Sunkar", "Koktem",
    "Jetisu", "Orda", "Shanyrak", "Astra", "Alatau", "Kumis", "Saryarka",
]  # fmt: skip
COMPANY_KINDS = ["Studio", "Media", "Models", "Fashion House", "Agency", "Production", "Group"]
TITLE_WORDS = {
    "fashion": ["Lookbook shoot", "Spring collection", "Boutique campaign", "Street style"],
    "commercial": ["TV commercial", "Bank advert", "Mobile operator ad", "Coffee brand spot"],
    "editorial": ["Magazine editorial", "Cover story", "Beauty editorial", "Art project"],
    "runway": ["Fashion week show", "Designer runway", "Bridal show", "Showroom presentation"],
}
HAIR = ["black", "brown", "blonde", "red", "dark brown"]
EYES = ["brown", "green", "blue", "grey", "hazel"]
MESSAGE_TEXTS = [
    "Hello! Are you available on the shoot date?",
    "Yes, I am free that day.",
    "Great, please send your latest photos.",
    "Sent them just now, thank you!",
    "What is the dress code?",
    "Casual, we provide the outfits.",
    "See you at 10:00 at the studio.",
    "Could we move it to 11:00?",
    "Sure, 11:00 works.",
    "Thanks for coming, the photos will be ready next week.",
]


@dataclass(frozen=True)
class Counts:
    models: int
    employers: int
    castings: int
    responses: int
    rooms: int
    messages: int

    @classmethod
    def for_scale(cls, scale: float) -> Counts:
        counts = {name: max(round(base * scale), 1) for name, base in BASE_COUNTS.items()}
        counts["employers"] = max(counts["employers"], 2)
        counts["models"] = max(counts["models"], 4)
        # a model applies to a casting at most once
        counts["responses"] = min(counts["responses"], counts["castings"] * counts["models"])
        return cls(**counts)


def bench_email(kind: str, index: int) -> str:
    return f"{kind}{index}@{BENCH_EMAIL_DOMAIN}"


# ------------------------------------------------------------------------------------------
# Writing rows
# ------------------------------------------------------------------------------------------
class TableWriter:
    """Rows are dicts keyed by attribute name (`user_id`, not `user`); unset fields take the
    model default (evaluated once per table), `auto_now*` fields take `now`."""

    def __init__(self, *, now: datetime, log: Callable[[str], None]):
        self.now = now
        self.log = log
        self.postgres = connection.vendor == "postgresql"

    def _fields(self, model: type[models.Model]) -> list[models.Field]:
        return [
            f
            for f in model._meta.concrete_fields
            # kept by a database trigger on PostgreSQL (profiles) or generated there (castings)
            if f.attname != "search_vector"
            # serial keys come from their sequence
            and not isinstance(f, models.AutoField)
        ]

    def _defaults(self, fields: list[models.Field]) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults[field.attname] = self.now
            elif field.has_default():
                defaults[field.attname] = field.get_default()
            else:
                defaults[field.attname] = None
        return defaults

    def write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        started = time.monotonic()
        fields = self._fields(model)
        defaults = self._defaults(fields)
        count = self._copy(model, fields, defaults, rows) if self.postgres else 0
        if not self.postgres:
            count = self._bulk_create(model, defaults, rows)
        self.log(f"  {model._meta.db_table}: {count:,} rows in {time.monotonic() - started:.1f} s")
        return count

    def _copy(self, model, fields, defaults, rows) -> int:
        from psycopg.types.json import Jsonb

        json_columns = {f.attname for f in fields if isinstance(f, models.JSONField)}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        names = [f.attname for f in fields]
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with raw.copy(sql) as copy:
                for row in rows:
                    values = []
                    for name in names:
                        value = row.get(name, defaults[name])
                        if name in json_columns:
                            value = Jsonb(value)
                        values.append(value)
                    copy.write_row(values)
                    count += 1
        return count

    def _bulk_create(self, model, defaults, rows) -> int:
        batch: list[models.Model] = []
        count = 0
        for row in rows:
            batch.append(model(**{**defaults, **row}))
            if len(batch) >= 2000:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
            count += len(batch)
        return count


# ------------------------------------------------------------------------------------------
# Deleting bench rows (generic: follows every reverse foreign key, like CASCADE would)
# ------------------------------------------------------------------------------------------
def _reverse_relations(model: type[models.Model]) -> list[Any]:
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if (f.one_to_many or f.one_to_one) and f.auto_created and not f.concrete
    ]


def _delete_where(model: type[models.Model], where: str, params: list[Any], depth=0) -> int:
    """DELETE rows of `model` matching `where` (SQL over its own table), children first."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column or model._meta.pk.attname)
    selected = f"SELECT {pk} FROM {table} WHERE {where}"  # noqa: S608 - names from _meta
    for relation in _reverse_relations(model):
        child = relation.related_model
        fk_column = connection.ops.quote_name(relation.field.column)
        target = connection.ops.quote_name(relation.field.target_field.column)
        if target != pk:
            selected_target = f"SELECT {target} FROM {table} WHERE {where}"  # noqa: S608
        else:
            selected_target = selected
        condition = f"{fk_column} IN ({selected_target})"
        if relation.on_delete in (models.SET_NULL,):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {connection.ops.quote_name(child._meta.db_table)} "  # noqa: S608
                    f"SET {fk_column} = NULL WHERE {condition}",
                    params,
                )
            continue
        if child is model and depth > 0:
            continue
        _delete_where(child, condition, params, depth + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
        return cursor.rowcount


def delete_bench_rows(log: Callable[[str], None]) -> None:
    user_model = apps.get_model("accounts", "User")
    started = time.monotonic()
    with transaction.atomic():
        deleted = _delete_where(user_model, "email LIKE %s", [f"%@{BENCH_EMAIL_DOMAIN}"])
    log(f"  removed {deleted:,} bench users and their rows in {time.monotonic() - started:.1f} s")


# ------------------------------------------------------------------------------------------
# The data
# ------------------------------------------------------------------------------------------
def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> Callable[[], str]:
    names = [name for name, _ in table]
    cumulative = []
    total = 0.0
    for _, weight in table:
        total += weight
        cumulative.append(total)

    def pick() -> str:
        return rng.choices(names, cum_weights=cumulative, k=1)[0]

    return pick


def _spread(rng: random.Random, total: int, buckets: int, sigma: float) -> list[int]:
    """`total` split over `buckets` with a log-normal skew (a few buckets get most)."""
    weights = [rng.lognormvariate(0, sigma) for _ in range(buckets)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(buckets), total - sum(counts)):
        counts[i] += 1
    return counts


class BenchData:
    def __init__(self, *, counts: Counts, seed: int, now: datetime):
        self.counts = counts
        self.rng = random.Random(seed)
        self.now = now
        self.pick_city = _weighted(self.rng, CITIES)
        self.pick_category = _weighted(self.rng, CATEGORIES)
        self.password = make_password(BENCH_PASSWORD, salt="benchsalt")
        self.model_user_ids = [self.uuid() for _ in range(counts.models)]
        self.profile_ids = [self.uuid() for _ in range(counts.models)]
        self.employer_user_ids = [self.uuid() for _ in range(counts.employers)]
        self.casting_ids = [self.uuid() for _ in range(counts.castings)]
        self.casting_status: list[str] = []
        self.casting_owner: list[int] = []
        self.profile_city: list[str] = []
        # Paying users: 15 % of models, 60 % of employers (chat needs PRO or BUSINESS).
        self.paying_models = sorted(
            self.rng.sample(range(counts.models), max(int(counts.models * 0.15), 2))
        )
        self.paying_employers = sorted(
            self.rng.sample(range(counts.employers), max(int(counts.employers * 0.6), 1))
        )

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, days_back: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(0, days_back * 86400))

    # -- users and profiles -----------------------------------------------------------------
    def users(self) -> Iterator[dict[str, Any]]:
        for index, user_id in enumerate(self.model_user_ids):
            yield self._user(user_id, bench_email("model", index), "model", index)
        for index, user_id in enumerate(self.employer_user_ids):
            role = "agency" if index % 5 == 0 else "employer"
            yield self._user(user_id, bench_email(role, index), role, index)

    def _user(self, user_id, email, role, index) -> dict[str, Any]:
        return {
            "id": user_id,
            "email": email,
            "password": self.password,
            "role": role,
            "email_verified": True,
            "language": ("ru", "kk", "en")[index % 3],
            "created_at": self.moment(3 * 365),
        }

    def model_profiles(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for index, profile_id in enumerate(self.profile_ids):
            female = rng.random() < 0.72
            first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            surname = rng.choice(SURNAMES)
            if female and surname.endswith(("ov", "ev", "in")):
                surname += "a"
            city = self.pick_city()
            self.profile_city.append(city)
            categories = sorted({self.pick_category() for _ in range(rng.randint(1, 3))})
            has_photo = rng.random() < 0.8
            reviews = int(rng.expovariate(0.5)) if rng.random() < 0.3 else 0
            promoted = rng.random() < 0.01
            yield {
                "id": profile_id,
                "user_id": self.model_user_ids[index],
                "name": f"{first} {surname}",
                "bio": f"{first} from {city}. {rng.choice(TITLE_WORDS[categories[0]])} work.",
                "age": min(max(int(rng.gauss(24, 5)), 18), 60),
                "gender": "female" if female else "male",
                "height": int(rng.gauss(172 if female else 183, 6)) if rng.random() < 0.9 else None,
                "weight": min(max(int(rng.gauss(55 if female else 75, 6)), 40), 120),
                "shoe_size": rng.randint(35, 39) if female else rng.randint(40, 46),
                "clothing_size": rng.choice(["XS", "S", "M", "L"]),
                "hair_color": rng.choice(HAIR),
                "eye_color": rng.choice(EYES),
                "city": city,
                "languages": ["Kazakh", "Russian"] + (["English"] if rng.random() < 0.4 else []),
                "categories": categories,
                "experience": rng.choice(["beginner", "intermediate", "experienced", ""]),
                "can_travel": rng.random() < 0.5,
                "is_hidden": rng.random() < 0.01,
                "promoted_until": self.now + timedelta(days=rng.randint(1, 30))
                if promoted
                else None,
                "rating": round(rng.uniform(3.5, 5.0), 2) if reviews else 0,
                "reviews_count": reviews,
                "completeness": rng.randint(40, 100),
                "main_photo": f"photos/{profile_id}/main.jpg" if has_photo else "",
                "main_thumbnail": f"photos/{profile_id}/main_thumb.jpg" if has_photo else "",
                "created_at": self.moment(2 * 365),
            }

    def photos(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for profile_id in self.profile_ids:
            for order in range(rng.choice((0, 1, 2, 3, 4, 6))):
                yield {
                    "id": self.uuid(),
                    "profile_id": profile_id,
                    "image": f"photos/{profile_id}/{order}.jpg",
                    "thumbnail": f"photos/{profile_id}/{order}_thumb.jpg",
                    "is_main": order == 0,
                    "order": order,
                    "width": 1200,
                    "height": 1600,
                    "created_at": self.now,
                }

    def employer_profiles(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for index, user_id in enumerate(self.employer_user_ids):
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {index}"
            yield {
                "id": self.uuid(),
                "user_id": user_id,
                "company_name": name,
                "description": f"{name}: photo and video production.",
                "city": self.pick_city(),
                "avatar": f"avatars/{user_id}.jpg" if rng.random() < 0.7 else "",
                "is_verified": rng.random() < 0.3,
                "created_at": self.moment(3 * 365),
            }

    def subscriptions(self, plan_ids: dict[str, int]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        paying = [self.model_user_ids[i] for i in self.paying_models] + [
            self.employer_user_ids[i] for i in self.paying_employers
        ]
        for user_id in paying:
            started = self.moment(300)
            yield {
                "id": self.uuid(),
                "user_id": user_id,
                "plan_id": plan_ids["BUSINESS" if rng.random() < 0.4 else "PRO"],
                "billing_period": "monthly",
                "status": "active",
                "started_at": started,
                "expires_at": self.now + timedelta(days=rng.randint(5, 360)),
                "created_at": started,
            }

    # -- castings and responses ------------------------------------------------------------
    def castings(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        owners = _spread(rng, self.counts.castings, self.counts.employers, sigma=1.0)
        owner_of = [i for i, n in enumerate(owners) for _ in range(n)]
        rng.shuffle(owner_of)
        for index, casting_id in enumerate(self.casting_ids):
            category = self.pick_category()
            roll = rng.random()
            status = (
                "active"
                if roll < 0.6
                else "completed"
                if roll < 0.9
                else "cancelled"
                if roll < 0.95
                else "draft"
            )
            created = self.moment(365)
            shoot = (
                self.now + timedelta(days=rng.uniform(1, 90))
                if status in ("active", "draft")
                else created + timedelta(days=rng.uniform(1, 30))
            )
            duration = rng.choice((1, 1, 1, 2, 3))
            pay_min = rng.choice((None, 20_000, 30_000, 50_000, 80_000))
            pay_max = (pay_min or 20_000) + rng.choice((0, 10_000, 20_000, 50_000))
            min_age = rng.choice((None, 18, 20))
            self.casting_status.append(status)
            self.casting_owner.append(owner_of[index])
            yield {
                "id": casting_id,
                "owner_id": self.employer_user_ids[owner_of[index]],
                "title": f"{rng.choice(TITLE_WORDS[category])} #{index}",
                "description": f"We are looking for models for a {category} project. "
                "Professional team, catering and transfer provided.",
                "category": category,
                "city": self.pick_city(),
                "address": "",
                "shoot_date": shoot,
                "duration_days": duration,
                "ends_at": shoot + timedelta(days=duration),
                "pay_min": pay_min,
                "pay_max": pay_max if rng.random() < 0.9 else None,
                "required_gender": rng.choice((None, None, "female", "male")),
                "min_age": min_age,
                "max_age": rng.choice((None, 30, 35)),
                "min_height": rng.choice((None, None, 165, 170)),
                "max_height": None,
                "required_experience": rng.choice((None, None, "intermediate", "experienced")),
                "status": status,
                "published_at": created if status != "draft" else None,
                "created_at": created,
                "updated_at": created,
            }

    def responses(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        open_castings = [i for i, s in enumerate(self.casting_status) if s != "draft"]
        per_casting = _spread(rng, self.counts.responses, len(open_castings), sigma=1.2)
        models_count = self.counts.models
        self.room_pairs: list[tuple[int, int, int]] = []  # (casting, model, employer)
        paying_models = set(self.paying_models)
        paying_employers = set(self.paying_employers)
        for casting_index, wanted in zip(open_castings, per_casting, strict=True):
            wanted = min(wanted, models_count)
            owner = self.casting_owner[casting_index]
            for model_index in rng.sample(range(models_count), wanted):
                roll = rng.random()
                status = (
                    "pending"
                    if roll < 0.6
                    else "accepted"
                    if roll < 0.75
                    else "rejected"
                    if roll < 0.95
                    else "withdrawn"
                )
                if model_index in paying_models and owner in paying_employers:
                    self.room_pairs.append((casting_index, model_index, owner))
                applied = self.moment(200)
                yield {
                    "id": self.uuid(),
                    "casting_id": self.casting_ids[casting_index],
                    "model_profile_id": self.profile_ids[model_index],
                    "message": "Hello! I would like to take part.",
                    "status": status,
                    "applied_at": applied,
                    "status_changed_at": applied if status != "pending" else None,
                }

    # -- chat ------------------------------------------------------------------------------
    def chat(self) -> tuple[list[dict], list[dict], Iterator[dict[str, Any]]]:
        """Rooms between paying employers and paying models who applied to their castings
        (topped up with unrelated paying pairs at small scales), memberships, messages."""
        rng = self.rng
        pairs: list[tuple[int | None, int, int]] = []
        seen: set[tuple[int, int, int | None]] = set()
        casting: int | None
        for casting, model, employer in self.room_pairs:
            key = (model, employer, casting)
            if key not in seen:
                seen.add(key)
                pairs.append((casting, model, employer))
        rng.shuffle(pairs)
        pairs = pairs[: self.counts.rooms]
        while len(pairs) < self.counts.rooms:
            model = rng.choice(self.paying_models)
            employer = rng.choice(self.paying_employers)
            if (model, employer, None) not in seen:
                seen.add((model, employer, None))
                pairs.append((None, model, employer))
        per_room = _spread(rng, self.counts.messages, len(pairs), sigma=1.3)
        rooms: list[dict] = []
        memberships: list[dict] = []
        plans: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, int, datetime]] = []
        for (casting, model, employer), n_messages in zip(pairs, per_room, strict=True):
            room_id = self.uuid()
            model_user = self.model_user_ids[model]
            employer_user = self.employer_user_ids[employer]
            casting_id = self.casting_ids[casting] if casting is not None else None
            first, second = sorted((str(model_user), str(employer_user)))
            created = self.moment(180)
            last = created + timedelta(minutes=10 * n_messages)
            last = min(last, self.now)
            rooms.append(
                {
                    "id": room_id,
                    "casting_id": casting_id,
                    "pair_key": f"{first}:{second}:{casting_id or '-'}",
                    "created_at": created,
                    "last_message_at": last,
                }
            )
            for user_id in (employer_user, model_user):
                # most rooms are read up to the end; a third has the last few messages unread
                read_at = last if rng.random() < 0.66 else created
                memberships.append(
                    {
                        "room_id": room_id,
                        "user_id": user_id,
                        "last_read_at": read_at,
                        "created_at": created,
                    }
                )
            plans.append((room_id, employer_user, model_user, n_messages, created))

        def messages() -> Iterator[dict[str, Any]]:
            for room_id, employer_user, model_user, n_messages, created in plans:
                if not n_messages:
                    continue
                step = (min(created + timedelta(minutes=10 * n_messages), self.now) - created) / (
                    n_messages
                )
                for i in range(n_messages):
                    yield {
                        "id": self.uuid(),
                        "room_id": room_id,
                        "sender_id": employer_user if i % 2 == 0 else model_user,
                        "content": MESSAGE_TEXTS[i % len(MESSAGE_TEXTS)],
                        "created_at": created + step * (i + 1),
                    }

        return rooms, memberships, messages()


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------
def _bench_state(counts: Counts) -> tuple[int, int, int]:
    user_model = apps.get_model("accounts", "User")
    message_model = apps.get_model("chat", "Message")
    users = user_model.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").count()
    castings = (
        apps.get_model("castings", "Casting")
        .objects.filter(owner__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        .count()
    )
    messages = message_model.objects.filter(
        sender__email__endswith=f"@{BENCH_EMAIL_DOMAIN}"
    ).count()
    return users, castings, messages


def seed_bench(
    *, scale: float, seed: int = 2026, force: bool = False, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Build the benchmark data at `scale` (idempotent); returns the row counts."""
    counts = Counts.for_scale(scale)
    expected = (counts.models + counts.employers, counts.castings, counts.messages)
    started = time.monotonic()
    if not force and _bench_state(counts) == expected:
        log(f"bench data at scale {scale} already present: nothing to do")
        return dict(counts.__dict__)
    if any(_bench_state(counts)):
        log("removing the previous bench data")
        delete_bench_rows(log)

    now = datetime.now(tz=UTC).replace(microsecond=0)
    data = BenchData(counts=counts, seed=seed, now=now)
    writer = TableWriter(now=now, log=log)
    model = apps.get_model
    plan_ids = dict(model("billing", "Plan").objects.values_list("name", "id"))
    if "BUSINESS" not in plan_ids or "PRO" not in plan_ids:
        from billing.catalogue import plan_get

        plan_ids = {
            name: plan.id for name in ("FREE", "PRO", "BUSINESS") if (plan := plan_get(name))
        }
    log(f"seeding scale {scale}: {counts}")
    with transaction.atomic():
        writer.write(model("accounts", "User"), data.users())
        writer.write(model("profiles", "ModelProfile"), data.model_profiles())
        writer.write(model("profiles", "EmployerProfile"), data.employer_profiles())
        writer.write(model("media", "Photo"), data.photos())
        writer.write(model("billing", "Subscription"), data.subscriptions(plan_ids))
        writer.write(model("castings", "Casting"), data.castings())
        writer.write(model("castings", "Response"), data.responses())
        rooms, memberships, messages = data.chat()
        writer.write(model("chat", "Room"), rooms)
        writer.write(model("chat", "Membership"), memberships)
        writer.write(model("chat", "Message"), messages)
    if connection.vendor == "postgresql":
        # What autovacuum leaves behind a bulk load in production (it may be off on a dev
        # machine, as here): statistics, the visibility map that index-only scans need, and
        # GIN pending lists merged into their indexes. Outside a transaction (autocommit).
        analyse_started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        log(f"  VACUUM (ANALYZE) in {time.monotonic() - analyse_started:.1f} s")
    log(f"done in {time.monotonic() - started:.1f} s")
    return dict(counts.__dict__)


def scale_label(scale: float) -> str:
    return f"{scale:g}" if not math.isclose(scale, round(scale)) else str(round(scale))


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.seed --scale N`: seed the database of DATABASE_URL (the app's settings)."""
    import argparse
    import os

    import django

    parser = argparse.ArgumentParser(
        prog="python -m bench.seed",
        description="Seed benchmark data (COPY on PostgreSQL); idempotent at a given scale.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale")
    parser.add_argument("--seed", type=int, default=2026, help="RNG seed (same data)")
    parser.add_argument(
        "--force", action="store_true", help="rebuild even when the data is complete"
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10].")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.settings")
    django.setup()
    counts = seed_bench(scale=args.scale, seed=args.seed, force=args.force)
    print(f"bench data ready: {counts}")


if __name__ == "__main__":
    main()
