# ruff: noqa: RUF001, RUF003 - Cyrillic and look-alike letters are the subject matter here
"""Scam and abuse detectors: pure functions over text, no database, no settings.

Every detector takes the ORIGINAL text and returns a list of `Hit`s whose `start`/`end` are
offsets into that original text (so the admin can highlight the exact characters the user
typed, zero-width characters and look-alike letters included). Matching itself happens on the
normalised text (see `normalize`); an index map carries spans back to the original.

Detectors return codes (their registry name), never messages: wording for users and staff
belongs to the caller.

Intended actions (the rule set that will refer to these by name decides; see docs/SAFETY.md):
- `hold` candidates (must stay silent on ordinary casting texts and chat messages; the corpus
  test in safety/tests/test_detectors.py enforces this): `payment_card`, `kz_iin`,
  `prepayment`, `id_document`.
- `flag` only: `messenger` (ordinary castings do say "пишите в WhatsApp") and `adult`
  (lingerie or art-nude shoots can be legitimate; staff should look, not a robot).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# Characters that render as nothing and are used to split words past a filter.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c"
    "\u206d\u206e\u206f\u3164\ufeff\uffa0"
)

# Look-alike letters (after case-folding) mapped to one script (Latin). The map is applied to
# both the text and the detector patterns, so a pattern written in Cyrillic still matches
# Cyrillic text, and mixed-script spellings ("предоплaта" with a Latin "a") match too.
_LOOKALIKE = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "һ": "h",
        "о": "o",
        "п": "n",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "ү": "y",
        "х": "x",
        "і": "i",
        "ı": "i",
        "ј": "j",
        "ѕ": "s",
        "ԛ": "q",
        "ԝ": "w",
        "α": "a",
        "ε": "e",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "κ": "k",
        "ν": "v",
    }
)


@dataclass(frozen=True)
class Hit:
    """One match: `start`/`end` index the ORIGINAL text; `excerpt` is that slice (masked for
    numbers that must not be copied around: cards and IINs keep only their last 4 digits)."""

    detector: str
    start: int
    end: int
    excerpt: str


def _fold_chars(text: str) -> tuple[str, list[int]]:
    """Case-fold, NFKC, drop invisible and combining characters, map look-alikes.
    Returns the folded text and, for each of its characters, the original index."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c in _INVISIBLE or unicodedata.category(c) in ("Mn", "Me", "Cf"):
                continue
            out.append(c.translate(_LOOKALIKE))
            index.append(i)
    return "".join(out), index


def _fold_pattern(pattern: str) -> str:
    """Fold the letter runs of a regex source (not escapes such as \\b, \\d, \\s, \\w)."""
    return re.sub(
        r"(?<!\\)[^\W\d_]+", lambda m: _fold_chars(m.group())[0].replace("\\", ""), pattern
    )


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(_fold_pattern(pattern))


def _sub(
    rx: re.Pattern[str], text: str, index: list[int], repl: Callable[[re.Match[str]], str]
) -> tuple[str, list[int]]:
    """re.sub that keeps the index map: replacement characters map to the match's first
    original index, the last one to its last (so spans still cover the whole match)."""
    out: list[str] = []
    new_index: list[int] = []
    pos = 0
    for m in rx.finditer(text):
        out.append(text[pos : m.start()])
        new_index.extend(index[pos : m.start()])
        r = repl(m)
        out.append(r)
        if r:
            first, last = index[m.start()], index[m.end() - 1]
            new_index.extend([first] * (len(r) - 1) + [last])
        pos = m.end()
    out.append(text[pos:])
    new_index.extend(index[pos:])
    return "".join(out), new_index


_SPACES = re.compile(r"\s+")
_REPEATED_PUNCT = re.compile(r"([^\w\s])\1+")
# "п р е д о п л а т а", "t-e-l-e-g-r-a-m": four or more single letters with separators.
_SPACED_LETTERS = re.compile(r"(?<!\w)(?:[^\W\d_][ .\-_*·•]+){3,}[^\W\d_](?!\w)")
# "t . me", "t me", "wa dot me", "telegram . me" -> "t.me"
_DOT_TRICK = _rx(r"\b(t|telegram|wa)\s?(?:[.,·•]|dot|\(dot\)|\[dot\]|точка)?\s?(me)\b")


@lru_cache(maxsize=256)  # detect_all runs every detector over the same text
def _normalize_with_index(text: str) -> tuple[str, tuple[int, ...]]:
    s, idx = _fold_chars(text)
    s, idx = _sub(_SPACES, s, idx, lambda m: " ")
    s, idx = _sub(_REPEATED_PUNCT, s, idx, lambda m: m.group(1))
    s, idx = _sub(_SPACED_LETTERS, s, idx, lambda m: re.sub(r"[^\w]", "", m.group()))
    s, idx = _sub(_DOT_TRICK, s, idx, lambda m: f"{m.group(1)}.{m.group(2)}")
    return s, tuple(idx)


def normalize(text: str) -> str:
    """The text every detector matches against: NFKC, case-folded, invisible characters
    removed, look-alike letters in one script, whitespace runs as one space, repeated
    punctuation as one mark, s p a c e d letters joined, "t . me"-style links as "t.me".
    (Cyrillic look-alikes become Latin, so the result is for matching, not for display.)"""
    return _normalize_with_index(text)[0]


def _mask(excerpt: str) -> str:
    digits = sum(c.isdigit() for c in excerpt)
    seen = 0
    out = []
    for c in excerpt:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


def _hits(
    name: str,
    text: str,
    rx: re.Pattern[str],
    accept: Callable[[re.Match[str]], bool] | None = None,
    mask: bool = False,
) -> list[Hit]:
    norm, idx = _normalize_with_index(text)
    hits = []
    for m in rx.finditer(norm):
        if m.start() == m.end() or (accept and not accept(m)):
            continue
        start, end = idx[m.start()], idx[m.end() - 1] + 1
        excerpt = text[start:end]
        hits.append(Hit(name, start, end, _mask(excerpt) if mask else excerpt))
    return hits


# --- checksums -----------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check over a string of digits."""
    if not digits.isdigit():
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_IIN_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def iin_check_digit(first11: str) -> int | None:
    """Kazakh IIN/BIN control digit of the first 11 digits, or None when the number cannot
    have one (both weighted sums give 10)."""
    nums = [int(c) for c in first11]
    check = sum(w * n for w, n in zip(_IIN_W1, nums, strict=True)) % 11
    if check == 10:
        check = sum(w * n for w, n in zip(_IIN_W2, nums, strict=True)) % 11
        if check == 10:
            return None
    return check


def iin_valid(digits: str) -> bool:
    """A personal IIN: 12 digits, YYMMDD birth date, century/sex digit 1-6, valid control digit.
    (Company BINs share the checksum but have 4-6 in the 5th place, so their "day" is >= 40
    and they are rejected here: a company number in a casting text is ordinary.)"""
    if len(digits) != 12 or not digits.isdigit():
        return False
    month, day, century = int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= century <= 6):
        return False
    return iin_check_digit(digits[:11]) == int(digits[11])


# --- detectors -----------------------------------------------------------------------------

# Digit groups separated by at most one space or dash; not glued to other digits.
_CARD_RX = re.compile(r"(?<!\d)(?<!\d[ \-])\d(?:[ \-]?\d){12,18}(?![ \-]?\d)")
_IIN_RX = re.compile(r"(?<!\d)(?<!\d[ \-])\d(?:[ \-]?\d){11}(?![ \-]?\d)")


def _digits(m: re.Match[str]) -> str:
    return re.sub(r"\D", "", m.group())


def detect_payment_card(text: str) -> list[Hit]:
    """Payment card numbers: 13-19 digits (spaces/dashes allowed), issuer digit 2-6, Luhn-valid."""
    return _hits(
        "payment_card",
        text,
        _CARD_RX,
        lambda m: _digits(m)[0] in "23456" and luhn_valid(_digits(m)),
        mask=True,
    )


def detect_kz_iin(text: str) -> list[Hit]:
    """Kazakh personal IIN: 12 digits with a birth date and a valid control digit."""
    return _hits("kz_iin", text, _IIN_RX, lambda m: iin_valid(_digits(m)), mask=True)


_MESSENGER_RX = _rx(
    r"\b(?:t|telegram|wa)\.me\b"
    r"|\b(?:whats\s?app|viber|telegram|wechat)\b"
    r"|\b(?:телеграм\w*|телеграмм\w*|телег[аеиуой]\b|тележк[аеиуой]\b"
    r"|вотсап\w*|ватсап\w*|уатсап\w*|вацап\w*|вотс\s?ап\w*|ват\s?сап\w*"
    r"|вайбер\w*|вибер\w*)"
    r"|\b(?:тг|tg)\s*[:\-]?\s*@\w{4,}"
)


def detect_messenger(text: str) -> list[Hit]:
    """Links to and mentions of off-platform messengers (t.me, wa.me, WhatsApp, Viber,
    Telegram in ru/kk/en spellings, "тг: @handle"). Meant for `flag`, not `hold`."""
    return _hits("messenger", text, _MESSENGER_RX)


_W = r"[^\W\d_]*"  # the rest of a word
_PREPAYMENT_RX = _rx(
    # ru
    rf"\bпредоплат{_W}"
    # nouns, imperatives and "need to pay"; not "оплатим"/"оплачиваем" (the employer paying)
    rf"|\b(?:оплат[аиуы]|оплатите|оплатить|плат[аыу]|заплатите|заплатить)\s(?:\w+\s)?"
    rf"(?:за\s(?:\w+\s)?)?"
    rf"(?:фотосесси{_W}|фото\s?сесси{_W}|портфолио|портфель|регистраци{_W}|кастинг{_W}"
    rf"|участи{_W}|анкет{_W}|просмотр{_W}|базу|внесени{_W})"
    rf"|\b(?:вступительн{_W}|регистрационн{_W}|организационн{_W}|страхов{_W})?\s?взнос{_W}"
    rf"|\bплатн{_W}\s(?:регистраци{_W}|участи{_W})"
    rf"|\b(?:переведите|перекиньте|скиньте|внесите)\s(?:\w+\s){{0,3}}?"
    rf"(?:на\s(?:карт{_W}|каспи|kaspi|сч[её]т|номер)|деньги|сумм{_W}|оплат{_W}|залог)"
    rf"|\bзалог{_W}\s(?:за|в\sразмере)"
    # kk
    rf"|\bалдын\s?ала\s(?:төле{_W}|ақы{_W})"
    rf"|\bтіркеу\s(?:ақы{_W}|үшін\sтөле{_W})"
    rf"|\bқатысу\sақы{_W}"
    rf"|\b(?:портфолио|фотосессия|тіркеу|кастинг|қатысу)\s(?:\w+\s)?үшін\s(?:\w+\s)?төле{_W}"
    rf"|\bжарна(?!м){_W}"  # "жарнама" is "advertisement"
    # en
    rf"|\b(?:registration|application|casting|membership|agency|portfolio|processing)"
    rf"\s(?:fee|charge)s?\b"
    rf"|\b(?:pay|paying|payment)\s(?:\w+\s){{0,2}}?for\s(?:\w+\s)?"
    rf"(?:portfolio|photo\s?shoot|registration|casting|audition|profile)\b"
    rf"|\b(?:prepayment|pre-payment|upfront\s(?:fee|payment))\b"
    # the noun, not the verb ("we deposit your fee" is the employer paying)
    rf"|\b(?:a|the|your|small|refundable|security|booking)\s(?:\w+\s)?deposit\b"
    rf"|\bdeposit\s(?:of|is|required|fee|payment|first)\b"
)


def detect_prepayment(text: str) -> list[Hit]:
    """Requests that the MODEL pay: prepayment, registration/portfolio/casting fees, deposits,
    "transfer to my card". Paying the model ("оплата 50 000 ₸ за смену") is not matched."""
    return _hits("prepayment", text, _PREPAYMENT_RX)


_ID_DOC = (
    rf"(?:паспорт{_W}|удостоверени{_W}\sличност{_W}|уд\.?\s?личност{_W}"
    rf"|жеке\sку[әа]л[іи]к{_W}|т[өо]лқұжат{_W}|id\s?card|id\sdocument|identity\scard"
    rf"|passport|national\sid)"
)
_PHOTO = rf"(?:фото{_W}|фотографи{_W}|скан{_W}|копи{_W}|сурет{_W}|көшірме{_W}|photo{_W}|scan{_W}|cop(?:y|ies)|picture{_W})"  # noqa: E501
_SEND = r"(?:пришлите|отправьте|скиньте|вышлите|приложите|укажите|напишите|жіберіңіз|жіберу|салыңыз|көрсетіңіз|send|upload|attach|provide)"  # noqa: E501
_ID_DOCUMENT_RX = _rx(
    rf"\b{_PHOTO}\s(?:\w+\s){{0,2}}?{_ID_DOC}"
    rf"|\b{_ID_DOC}\s(?:\w+\s){{0,1}}?{_PHOTO}"
    rf"|\b(?:паспортн{_W}\sданн{_W}|данн{_W}\sпаспорт{_W}|номер\sудостоверени{_W}"
    rf"|passport\s(?:number|details|data)|id\snumber)"
    rf"|\b{_SEND}\s(?:\w+\s){{0,2}}?(?:иин|iin|жсн)\b"
)


def detect_id_document(text: str) -> list[Hit]:
    """Requests for passport/ID photos, scans, numbers or the IIN. A bare mention ("bring your
    ID card for the building pass") is ordinary and not matched."""
    return _hits("id_document", text, _ID_DOCUMENT_RX)


_ADULT_RX = _rx(
    rf"\b(?:интим{_W}|эскорт{_W}|escort{_W}|порн{_W}|porn{_W}|onlyfans|only\sfans"
    rf"|эротик{_W}|эротическ{_W}|erotic{_W}|вебкам{_W}|webcam\smodel{_W}"
    rf"|sugar\s(?:daddy|baby)|спонсор\sдля|ню\s(?:съ[её]мк{_W}|фотосесси{_W})"
    rf"|nude\s(?:shoot{_W}|photo{_W}|model{_W}|art|content|video{_W})|naked|topless"
    rf"|обнаж[её]нн{_W}|жалаңаш{_W}|xxx"
    rf"|18\+\s(?:контент{_W}|content|видео|video|съ[её]мк{_W}))"
)


def detect_adult(text: str) -> list[Hit]:
    """Adult-content terms (a short list). Meant for `flag`, not `hold`."""
    return _hits("adult", text, _ADULT_RX)


DETECTORS: dict[str, Callable[[str], list[Hit]]] = {
    "payment_card": detect_payment_card,
    "kz_iin": detect_kz_iin,
    "messenger": detect_messenger,
    "prepayment": detect_prepayment,
    "id_document": detect_id_document,
    "adult": detect_adult,
}

# The detectors a rule may use with `hold`: silent on the ordinary-text corpus.
HOLD_SAFE = frozenset({"payment_card", "kz_iin", "prepayment", "id_document"})


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A staff-written rule pattern, folded like the detectors' own (Cyrillic or Latin letters
    match both). Raises `re.error` for an invalid expression."""
    return _rx(pattern)


def match_pattern(name: str, rx: re.Pattern[str], text: str) -> list[Hit]:
    """Hits of a compiled rule pattern on the normalised `text`, spans into the original."""
    return _hits(name, text, rx)


def detect_all(text: str, names: frozenset[str] | set[str] | None = None) -> list[Hit]:
    """Run the named detectors (all by default); hits ordered by position."""
    hits = [h for name, fn in DETECTORS.items() if names is None or name in names for h in fn(text)]
    return sorted(hits, key=lambda h: (h.start, h.detector))
