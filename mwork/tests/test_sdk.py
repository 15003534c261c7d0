"""Client SDKs from the committed schema (docs/CLIENTS.md).

- `docs/openapi.json` is what the code serves (`make schema` rewrites it): client teams diff it.
- openapi-python-client generates a Python SDK from it with no warning and no hand patch, every
  module imports, and the SDK drives the core flows against a live server: register, login,
  me, profiles, a casting, apply, accept, notifications, plans, chat over REST, a photo upload.
  The clients raise on any status the schema does not document.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings


def generated_schema() -> dict:
    """The schema `make schema` writes to docs/openapi.json (English, like `--lang en`)."""
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


pytestmark = pytest.mark.slow

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"
PACKAGE = "mwork_sdk"


def _comparable(schema: dict) -> dict:
    # `servers` follows API_PUBLIC_URL, which a deployment may set differently.
    return {key: value for key, value in schema.items() if key != "servers"}


def test_committed_schema_is_current():
    served = json.loads(json.dumps(generated_schema()))
    committed = json.loads(COMMITTED.read_text())

    assert _comparable(committed) == _comparable(served), (
        "docs/openapi.json is stale: run make schema (and commit docs/openapi.json)"
    )


@pytest.fixture(scope="module")
def sdk(tmp_path_factory):
    """The Python SDK generated from docs/openapi.json, imported as `mwork_sdk`."""
    root = tmp_path_factory.mktemp("sdk")
    config = root / "config.json"
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    generated = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(COMMITTED),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "warning" not in output.lower(), output  # zero generator warnings
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        modules = [
            importlib.import_module(m.name)
            for m in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")
        ]
        assert len(modules) > 100
        yield package
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def _ok(response, status: int = 200):
    """The call answered `status` with its documented success envelope."""
    assert response.status_code == status, response.content
    assert response.parsed is not None
    assert type(response.parsed).__name__ != "ApiErrorEnvelope", response.content
    return response.parsed.data


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_generated_python_sdk_drives_the_core_flows(sdk, live_server, settings):
    settings.RATELIMIT_ENABLE = False  # one address signs up and logs in several users
    m = importlib.import_module(f"{PACKAGE}.models")
    client_module = importlib.import_module(f"{PACKAGE}.client")
    types = importlib.import_module(f"{PACKAGE}.types")
    anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def sign_up(email: str, role: str):
        register = _api("auth.auth_register_create").sync_detailed(
            client=anonymous,
            body=m.UserRegisterInputRequest(
                email=email, password="Kazakh-steppe-42", role=m.UserRegisterInputRoleEnum(role)
            ),
        )
        assert _ok(register, 201).user.email == email
        login = _api("auth.auth_login_create").sync_detailed(
            client=anonymous,
            body=m.UserLoginInputRequest(email=email, password="Kazakh-steppe-42"),
        )
        token = _ok(login).access_token
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=token, raise_on_unexpected_status=True
        )

    model = sign_up("aida@sdk.mwork.kz", "model")
    employer = sign_up("studio@sdk.mwork.kz", "employer")

    me = _ok(_api("auth.auth_me_retrieve").sync_detailed(client=model))
    assert me.user.role == m.RoleEnum.MODEL

    # profiles
    profile = _ok(
        _api("profiles.profiles_models_create").sync_detailed(
            client=model,
            body=m.ModelProfileCreateInputRequest(
                name="Aida", age=22, gender=m.GenderEnum.FEMALE, city="Almaty", height=175
            ),
        ),
        201,
    ).model
    _ok(
        _api("profiles.profiles_employers_create").sync_detailed(
            client=employer,
            body=m.EmployerProfileCreateInputRequest(company_name="Steppe Studio", website=""),
        ),
        201,
    )
    mine = _ok(_api("profiles.profiles_me_retrieve").sync_detailed(client=model))
    assert isinstance(mine, m.ProfileMeModel) and mine.profile.id == profile.id
    theirs = _ok(_api("profiles.profiles_me_retrieve").sync_detailed(client=employer))
    assert isinstance(theirs, m.ProfileMeEmployer)

    # a photo (multipart)
    photo = _ok(
        _api("photos.photos_create").sync_detailed(
            client=model,
            body=m.MediaPhotoUploadInputRequest(
                file=types.File(
                    payload=io.BytesIO(_jpeg()), file_name="a.jpg", mime_type="image/jpeg"
                )
            ),
        ),
        201,
    ).photo
    assert photo.id

    # a casting with nested requirements, applied to and accepted
    casting = _ok(
        _api("castings.castings_create").sync_detailed(
            client=employer,
            body=m.CastingInputRequest(
                title="Spring lookbook",
                description="Two days in Almaty.",
                category=m.CategoryEnum.FASHION,
                city="Almaty",
                shoot_date=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
                requirements=m.CastingRequirementsInputRequest(
                    gender=m.GenderEnum.FEMALE, min_age=18
                ),
                status=m.CastingInputStatusEnum.ACTIVE,
            ),
        ),
        201,
    ).casting
    listed = _ok(
        _api("castings.castings_list").sync_detailed(
            client=anonymous, ordering=m.CastingsListOrdering.CREATED_AT_DESC, limit=100
        )
    )
    assert casting.id in {c.id for c in listed.castings}

    applied = _ok(
        _api("castings.castings_responses_create").sync_detailed(
            casting.id,
            client=model,
            body=m.ResponseSubmitInputRequest(
                message="Hello", portfolio_links=["https://a.example/1", "https://a.example/2"]
            ),
        ),
        201,
    ).response
    assert applied.portfolio_links == ["https://a.example/1", "https://a.example/2"]
    accepted = _ok(
        _api("responses.responses_status_update").sync_detailed(
            applied.id,
            client=employer,
            body=m.ResponseStatusInputRequest(status=m.ResponseStatusInputStatusEnum.ACCEPTED),
        )
    ).response
    assert accepted.status == m.ResponseStatusEnum.ACCEPTED

    notifications = _ok(_api("notifications.notifications_list").sync_detailed(client=model))
    assert notifications.notifications

    plans = _ok(_api("subscriptions.subscriptions_plans_list").sync_detailed(client=anonymous))
    assert plans.plans

    # chat over REST (the employer's plan includes chat)
    from accounts.models import User
    from billing.services import subscription_grant

    subscription_grant(user=User.objects.get(email="studio@sdk.mwork.kz"), plan_name="PRO")
    room_answer = _api("chat.chat_rooms_create").sync_detailed(
        client=employer,
        body=m.ChatRoomCreateInputRequest(participant_id=me.user.id, casting_id=casting.id),
    )
    room = _ok(room_answer, 201).room
    sent = _ok(
        _api("chat.chat_rooms_messages_create").sync_detailed(
            room.id, client=employer, body=m.ChatMessageSendInputRequest(content="Welcome!")
        ),
        201,
    )
    assert sent.message.content == "Welcome!"
    history = _ok(_api("chat.chat_rooms_messages_list").sync_detailed(room.id, client=model))
    assert [message.content for message in history.messages] == ["Welcome!"]

    # an error comes back as the typed ApiError, with machine codes per field
    refused = _api("auth.auth_register_create").sync_detailed(
        client=anonymous,
        body=m.UserRegisterInputRequest(
            email="short@sdk.mwork.kz", password="12345678", role=m.UserRegisterInputRoleEnum.MODEL
        ),
    )
    assert refused.status_code == 400
    assert "password_entirely_numeric" in refused.parsed.error.details_codes["password"]


def _openapi_generator_jar() -> Path | None:
    """openapi-generator's jar as the `openapi-generator-cli` wheel ships it (no download)."""
    try:
        import openapi_generator_cli
    except ImportError:
        return None
    jar = Path(openapi_generator_cli.__file__).parent / "openapi-generator.jar"
    return jar if jar.exists() else None


def test_openapi_generator_validates_and_generates_clients(tmp_path):
    java, jar = shutil.which("java"), _openapi_generator_jar()
    if java is None or jar is None:
        pytest.skip("openapi-generator needs Java 17+ and the openapi-generator-cli wheel")

    def run(*arguments: str) -> str:
        done = subprocess.run(  # noqa: S603 - the installed JDK and jar, our arguments
            [java, "-jar", str(jar), *arguments],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        return output

    assert "No validation issues detected" in run("validate", "-i", str(COMMITTED))
    # One JVM generates every client (`batch`): Java's start-up is most of the cost.
    generators = (
        ("python", {"packageName": "mwork_gen"}),
        ("typescript-fetch", {}),
        ("swift5", {}),
        ("kotlin", {}),
    )
    configs = []
    for generator, extra in generators:
        config = tmp_path / f"{generator}.json"
        config.write_text(
            json.dumps(
                {
                    "generatorName": generator,
                    "inputSpec": str(COMMITTED),
                    "outputDir": str(tmp_path / generator),
                    "additionalProperties": extra,
                }
            )
        )
        configs.append(str(config))
    output = run("batch", "--fail-fast", *configs)
    assert f"{len(generators)} generators successfully" in output, output[-3000:]
    assert (tmp_path / "typescript-fetch" / "apis" / "AuthApi.ts").exists()
    # No `ModelError` renaming (the error component is ApiError) and no enum without a case.
    assert not list(tmp_path.glob("**/ModelError*"))
    swift_enums = list((tmp_path / "swift5").glob("**/Models/*Enum.swift"))
    kotlin_enums = list((tmp_path / "kotlin").glob("**/models/*Enum.kt"))
    assert swift_enums and kotlin_enums
    assert [p.name for p in swift_enums if "    case " not in p.read_text()] == []
    assert [p.name for p in kotlin_enums if "@Json(name = " not in p.read_text()] == []

    # The python client imports (pydantic models of every component) and takes a blank URL.
    sys.path.insert(0, str(tmp_path / "python"))
    try:
        package = importlib.import_module("mwork_gen")
        for module in pkgutil.walk_packages(package.__path__, "mwork_gen."):
            importlib.import_module(module.name)
        models = importlib.import_module("mwork_gen.models")
        employer = models.EmployerProfileCreateInputRequest(company_name="Studio", website="")
        assert employer.to_dict()["website"] == ""
    finally:
        sys.path.remove(str(tmp_path / "python"))
        for name in [n for n in sys.modules if n == "mwork_gen" or n.startswith("mwork_gen.")]:
            del sys.modules[name]
