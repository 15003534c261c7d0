import pytest

from notifications.catalogue import render

NAME = "Айгерим Сәрсенбаева"


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        (
            "ru",
            "Новый отклик на ваш кастинг",
            f"{NAME} откликнулся(-ась) на кастинг «Съёмка для журнала»",
        ),
        (
            "kk",
            "Кастингіңізге жаңа өтінім",
            f"{NAME} «Съёмка для журнала» кастингіне өтінім берді",
        ),
        ("en", "New Response to Your Casting", f"{NAME} applied to Съёмка для журнала"),
    ],
)
def test_new_response_renders_in_each_language_with_the_cyrillic_name_intact(
    language, title, message
):
    data = {"applicant_name": NAME, "casting_title": "Съёмка для журнала", "casting_id": "c"}

    assert render(type="new_response", data=data, language=language) == (title, message)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ("Новое сообщение от Данияр Ким", "Привет!")),
        ("kk", ("Данияр Ким жаңа хабарлама жіберді", "Привет!")),
        ("en", ("New message from Данияр Ким", "Привет!")),
    ],
)
def test_new_message_title_names_the_sender(language, expected):
    data = {"sender_name": "Данияр Ким", "preview": "Привет!", "room_id": "r"}

    assert render(type="new_message", data=data, language=language) == expected


@pytest.mark.parametrize(
    ("language", "status_word"),
    [("ru", "принят"), ("kk", "қабылданды"), ("en", "accepted")],
)
def test_status_words_are_translated(language, status_word):
    _, message = render(
        type="response_status_change",
        data={"casting_title": "Lookbook", "status": "accepted"},
        language=language,
    )

    assert message.endswith(status_word)


@pytest.mark.parametrize("type", ["new_casting", "casting_reminder", "subscription_expiring"])
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_every_type_renders_in_every_language(type, language):
    data = {
        "casting_title": "Lookbook",
        "city": "Астана",
        "shoot_date": "2026-03-01",
        "plan": "PRO",
        "expires_at": "2026-03-01T10:00:00Z",
    }

    title, message = render(type=type, data=data, language=language)

    assert title and message
    assert "{" not in title + message


def test_payment_amount_is_formatted_in_tenge():
    title, message = render(
        type="payment_succeeded",
        data={"order_id": "o", "amount": 150000, "purpose": "subscription", "plan": "BUSINESS"},
        language="en",
    )

    assert (title, message) == (
        "Payment Successful",
        "Paid 150\u00a0000\u00a0₸: BUSINESS subscription",
    )


def test_payment_for_a_package():
    _, message = render(
        type="payment_succeeded",
        data={"amount": 2000, "purpose": "package", "package": "10 responses"},
        language="ru",
    )

    assert message == "Оплачено 2\u00a0000\u00a0₸: пакет 10 responses"


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_missing_keys_fall_back_to_neutral_words(language):
    title, message = render(type="new_response", data={}, language=language)

    assert title
    assert "{" not in message
    assert "MWork" in message


def test_unknown_language_falls_back_to_russian():
    title, _ = render(type="new_casting", data={"casting_title": "X"}, language="de")

    assert title == "Новый кастинг для вас"


def test_unknown_type_gets_a_generic_title():
    assert render(type="something_new", data={}, language="en") == ("MWork notification", "")


def test_placeholders_in_data_are_not_expanded():
    _, message = render(
        type="new_response",
        data={"applicant_name": "{casting_title.__class__}", "casting_title": "T"},
        language="en",
    )

    assert message == "{casting_title.__class__} applied to T"


def test_long_chat_previews_are_shortened():
    _, message = render(type="new_message", data={"preview": "я" * 500}, language="ru")

    assert len(message) == 140
    assert message.endswith("…")


def test_payment_for_a_response_package_as_billing_sends_it():
    _, message = render(
        type="payment_succeeded",
        data={"order_id": "o", "amount": 3000, "purpose": "response_package", "package": "10"},
        language="en",
    )

    assert message == "Paid 3\u00a0000\u00a0₸: 10 response package"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Съёмка по кастингу «Lookbook» — 02.03.2026 01:30"),
        ("en", "The shoot for Lookbook is on 02.03.2026 01:30"),
    ],
)
def test_shoot_moments_are_shown_in_almaty_time(language, expected):
    # 20:30 UTC on 1 March is 01:30 on 2 March in Almaty (UTC+5).
    data = {"casting_title": "Lookbook", "shoot_date": "2026-03-01T20:30:00Z"}

    assert render(type="casting_reminder", data=data, language=language)[1] == expected


def test_expiry_shows_the_local_date_only():
    _, message = render(
        type="subscription_expiring",
        data={"plan": "PRO", "expires_at": "2026-03-01T20:30:00Z"},
        language="en",
    )

    assert "until 02.03.2026." in message
