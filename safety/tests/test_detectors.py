# ruff: noqa: RUF001 - Cyrillic and look-alike letters are the subject matter here
"""The scam detectors as pure functions: positives and negatives in ru/kk/en, evasions,
the checksums against an independent implementation, and the false-positive corpus.
No database: these run in milliseconds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from safety.detectors import (
    DETECTORS,
    HOLD_SAFE,
    Hit,
    detect_all,
    iin_valid,
    luhn_valid,
    normalize,
)

CORPUS = Path(__file__).parent.parent / "corpus"
ZW = "\u200b"


# --- independent checksum implementations (written from the definitions, not the module) ---


def ref_luhn_check_digit(payload: str) -> str:
    digits = [int(c) for c in payload]
    total = 0
    # Position 1 is the check digit to be appended, so payload digits from the right at
    # odd positions (counting the check digit as 0) are doubled.
    for pos, d in enumerate(reversed(digits), start=1):
        if pos % 2 == 1:
            d = d * 2
            d = d // 10 + d % 10
        total += d
    return str((10 - total % 10) % 10)


def ref_iin_check(first11: str) -> int | None:
    a = [int(c) for c in first11]
    s = sum((i + 1) * a[i] for i in range(11)) % 11
    if s == 10:
        w = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
        s = sum(w[i] * a[i] for i in range(11)) % 11
        if s == 10:
            return None
    return s


def make_card(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + ref_luhn_check_digit(body)


def make_iin(rng: random.Random) -> str:
    while True:
        yy = rng.randrange(100)
        first11 = (
            f"{yy:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(1, 6)}{rng.randrange(10000):04d}"
        )
        check = ref_iin_check(first11)
        if check is not None:
            return first11 + str(check)


RNG = random.Random(20)
CARDS = [make_card(p, n, RNG) for p, n in [("4", 16), ("5", 16), ("2200", 16), ("3", 15)] * 5]
IINS = [make_iin(RNG) for _ in range(20)]


def names(text: str) -> set[str]:
    return {h.detector for h in detect_all(text)}


# --- checksums ----------------------------------------------------------------------------


@pytest.mark.parametrize("card", CARDS)
def test_luhn_accepts_generated_cards_and_rejects_one_digit_off(card):
    assert luhn_valid(card)
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not luhn_valid(wrong)


def test_luhn_known_numbers():
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("4111 1111")


@pytest.mark.parametrize("iin", IINS)
def test_iin_accepts_generated_and_rejects_wrong_check_digit(iin):
    assert iin_valid(iin)
    for d in "0123456789":
        if d != iin[-1]:
            assert not iin_valid(iin[:-1] + d)


def prefix11(rng: random.Random, decade: str, century: str) -> str:
    """Eleven IIN digits with a real birth date (day 1x, month 0x) and the given century digit."""
    date = f"{decade}{rng.randint(0, 9)}0{rng.randint(1, 9)}1{rng.randint(1, 9)}"
    return f"{date}{century}{rng.randrange(10000):04d}"


def test_iin_second_pass_and_structure():
    # Find an 11-digit prefix whose first weighted sum is 10 (second pass decides).
    rng = random.Random(7)
    while True:
        first11 = prefix11(rng, "9", "3")
        if sum((i + 1) * int(c) for i, c in enumerate(first11)) % 11 == 10:
            check = ref_iin_check(first11)
            if check is not None:
                break
    assert iin_valid(first11 + str(check))
    # Both passes giving 10: no valid check digit exists.
    rng = random.Random(8)
    while True:
        first11 = prefix11(rng, "8", "2")
        if ref_iin_check(first11) is None:
            break
    assert not any(iin_valid(first11 + d) for d in "0123456789")
    base = IINS[0]
    assert not iin_valid(base[:2] + "13" + base[4:])  # month 13
    assert not iin_valid(base[:4] + "45" + base[6:])  # a BIN's "day"
    assert not iin_valid(base[:6] + "0" + base[7:])  # century digit 0
    assert not iin_valid(base[:11])


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("t . me/abc", "t.me/abc"),
        ("T me/abc", "t.me/abc"),
        ("wa dot me/7701", "wa.me/7701"),
        ("t\u200b.\u200dme", "t.me"),
        ("ТЕLЕGRАМ", "telegram"),  # mixed Cyrillic/Latin capitals
        ("t e l e g r a m", "telegram"),
        ("Hello!!!   world???", "hello! world?"),
        ("ｔ．ｍｅ", "t.me"),  # full-width
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_maps_cyrillic_and_latin_lookalikes_together():
    assert normalize("предоплата") == normalize("прeдoплaтa") == normalize("ПРЕДОПЛАТА")


def test_spans_point_into_the_original_text():
    text = f"Привет! Нужна пре{ZW}допл\u0430та 5000"
    (hit,) = [h for h in detect_all(text) if h.detector == "prepayment"]
    assert text[hit.start : hit.end] == hit.excerpt
    assert hit.excerpt.startswith("пре") and hit.excerpt.endswith("та")


# --- detectors: positives -----------------------------------------------------------------

POSITIVE = {
    "payment_card": [
        f"Переведите на карту {CARDS[0]}",
        f"Картаға аударыңыз: {CARDS[1][:4]} {CARDS[1][4:8]} {CARDS[1][8:12]} {CARDS[1][12:]}",
        f"Card: {CARDS[2][:4]}-{CARDS[2][4:8]}-{CARDS[2][8:12]}-{CARDS[2][12:]}",
        f"карта {ZW.join(CARDS[3])}",
    ],
    "kz_iin": [
        f"Мой ИИН {IINS[0]}",
        f"ЖСН: {IINS[1]}",
        f"IIN {IINS[2][:6]} {IINS[2][6:]}",
    ],
    "messenger": [
        "Пишите в телеграм",
        "Напиши мне в телегу",
        "Жду в вотсапе",
        "ватсап бар ма? жазыңыз",
        "WhatsApp мне",
        "t.me/casting_almaty",
        "t . me / casting",
        "t me/casting",
        "wa.me/77011234567",
        "ТЕLЕGRАМ",  # look-alikes
        "tele\u200bgram",
        "тг: @model_agency",
        "viber only",
        "Add me on whats app",
    ],
    "prepayment": [
        "Нужна предоплата 10 000 тг",
        "ПРЕДОПЛАТА обязательна",
        "п р е д о п л а т а",
        "Оплата за фотосессию 15 000 ₸",
        "Необходима оплата за портфолио",
        "оплата за регистрацию в базе",
        "Оплатите регистрацию на сайте",
        "Скиньте деньги на каспи",
        "Вступительный взнос 5000",
        "Переведите 5000 на карту Kaspi",
        "Алдын ала төлем 10 000 теңге",
        "Тіркеу ақысы 5000 ₸",
        "Портфолио үшін төлеу керек",
        "Кастингке қатысу ақысы бар",
        "Жарнаны картаға аударыңыз",
        "Registration fee: 20 USD",
        "You need to pay for your portfolio shoot first",
        "A small deposit secures your place",
        "Casting fee applies",
        "Deposit of 10 000 tenge is required",
        "Reg1stration fee".replace("1", "i"),
    ],
    "id_document": [
        "Пришлите фото паспорта",
        "Нужен скан удостоверения личности",
        "отправьте фото вашего паспорта",
        "укажите паспортные данные",
        "Жеке куәліктің суретін жіберіңіз",
        "төлқұжаттың көшірмесін жіберіңіз",
        "Send a photo of your passport",
        "Upload a scan of your ID card",
        "Пришлите ИИН",
        "Please provide your IIN",
        "ф\u043eто па\u0441порта",
    ],
    "adult": [
        "Интим не предлагать",
        "работа в эскорте",
        "OnlyFans model wanted",
        "nude shoot",
        "ню съёмка",
        "вебкам студия",
        "жалаңаш түсірілім",
        "18+ контент",
    ],
}


@pytest.mark.parametrize(
    ("detector", "text"), [(d, t) for d, texts in POSITIVE.items() for t in texts]
)
def test_detector_fires(detector, text):
    hits = DETECTORS[detector](text)
    assert hits, f"{detector} missed {text!r}"
    for h in hits:
        assert isinstance(h, Hit) and h.detector == detector
        assert 0 <= h.start < h.end <= len(text)


NEGATIVE = {
    "payment_card": [
        "Мой телефон +7 701 234 56 78",
        "Оплата 150 000 ₸ за 3 дня",
        f"карта {CARDS[0][:-1]}{(int(CARDS[0][-1]) + 1) % 10}",  # Luhn fails
        "1111 2222 3333 4444 5555 6666 7777",  # too long
        "Съёмка 12.03.2025 с 09:00 до 18:00",
    ],
    "kz_iin": [
        "Бин компании 180440012345",
        "Телефон 87011234567",
        f"{IINS[0][:-1]}{(int(IINS[0][-1]) + 1) % 10}",
        "Заказ № 123456789012",
    ],
    "messenger": [
        "Let me know when you're free",
        "Портфолио в профиле",
        "Мекенжайды жіберемін",
        "meet me at the studio",
    ],
    "prepayment": [
        "Оплата 50 000 ₸ за смену",
        "Мы оплачиваем такси",
        "Кастинг бесплатный",
        "Модельге төлем түсірілімнен кейін",
        "Жалақы уақытында төленеді",
        "Жарнамаға модель керек",
        "We pay for taxis both ways",
        "We deposit your fee within 3 days",
        "Оплатим модели 20 000 ₸ за фотосессию",
        "Оплачиваем съёмку в день съёмки",
        "The fee is paid in cash",
    ],
    "id_document": [
        "При себе иметь удостоверение личности",
        "Жеке куәлікті өзіңізбен алыңыз",
        "Please bring an ID card for the building pass",
        "Фото в полный рост и портрет",
    ],
    "adult": [
        "Съёмка нижнего белья не предполагается",
        "Нюдовый маникюр",
        "Bring nude underwear, a nude shade manicure",
        "Возраст 18+",
    ],
}


@pytest.mark.parametrize(
    ("detector", "text"), [(d, t) for d, texts in NEGATIVE.items() for t in texts]
)
def test_detector_stays_silent(detector, text):
    assert DETECTORS[detector](text) == [], f"{detector} fired on {text!r}"


def test_numbers_are_masked_in_excerpts():
    (card,) = DETECTORS["payment_card"](f"карта {CARDS[0]}")
    assert card.excerpt == "*" * 12 + CARDS[0][-4:]
    (iin,) = DETECTORS["kz_iin"](f"ИИН {IINS[0]}")
    assert iin.excerpt == "*" * 8 + IINS[0][-4:]


def test_registry_and_detect_all():
    assert set(DETECTORS) == {
        "payment_card",
        "kz_iin",
        "messenger",
        "prepayment",
        "id_document",
        "adult",
    }
    assert set(DETECTORS) >= HOLD_SAFE
    text = f"Предоплата на карту {CARDS[0]}, пишите в t.me/x"
    assert names(text) == {"prepayment", "payment_card", "messenger"}
    assert [h.start for h in detect_all(text)] == sorted(h.start for h in detect_all(text))
    assert {h.detector for h in detect_all(text, {"messenger"})} == {"messenger"}


# --- false-positive budget ----------------------------------------------------------------


def corpus_lines():
    for path in sorted(CORPUS.glob("ordinary_*.txt")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                yield f"{path.name}:{n}", line


def test_corpus_is_big_enough_and_in_three_languages():
    lines = list(corpus_lines())
    assert len(lines) >= 200
    assert {loc.split(":")[0] for loc, _ in lines} == {
        "ordinary_ru.txt",
        "ordinary_kk.txt",
        "ordinary_en.txt",
    }


def test_no_hold_detector_fires_on_ordinary_texts():
    fired = [(loc, h) for loc, line in corpus_lines() for h in detect_all(line, HOLD_SAFE)]
    assert fired == []
