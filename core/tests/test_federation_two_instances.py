"""Two sieuapp servers, each with its own database: A is the OpenID Provider (standing for
VNeID), B lets its citizens sign in with A. A browser (``requests`` with one cookie jar) goes
through B's start, A's sign-in and consent pages, and B's callback, as a person would.

A is reached as ``localhost`` and B as ``127.0.0.1``: cookies do not tell ports apart, so two
servers on one host name would share (and overwrite) each other's session cookie."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.db import make_engine
from sieuapp.core.identity.federation.models import FederatedIdentity
from sieuapp.core.identity.models import User
from sieuapp.core.identity.oidc import clients
from sieuapp.core.tenancy.models import Organization, Tenant
from sieuapp.core.testing import Platform
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from .pages_helpers import PASSWORD, with_passwords
from .support import Server, child_env, database_url, free_port, sieuapp_command

WAIT_SECONDS = 90.0
PROVIDER_ID = "hue-id"
TIMEOUT = 30


# -- a browser ---------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._open)
        elif self._open is not None and tag in {"input", "button"} and a.get("name"):
            if tag == "button" or a.get("type") == "submit":
                self._open.buttons.setdefault(a["name"], []).append(a.get("value", ""))
            else:
                self._open.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms(page: requests.Response) -> list[Form]:
    parser = _Forms()
    parser.feed(page.text)
    return parser.forms


def form_to(page: requests.Response, action: str) -> Form:
    found = [f for f in forms(page) if urlsplit(f.action).path == action]
    assert found, f"no form posting to {action} in {page.url}:\n{page.text}"
    return found[0]


def submit(
    browser: requests.Session, page: requests.Response, action: str, **values: str
) -> requests.Response:
    """Post the form to ``action`` found in ``page``, its fields plus ``values``."""
    form = form_to(page, action)
    return browser.post(
        urljoin(page.url, form.action),
        data={**form.fields, **values},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    assert response.status_code in {302, 303}, (response.status_code, response.text)
    return browser.get(
        urljoin(response.url, response.headers["Location"]),
        allow_redirects=False,
        timeout=TIMEOUT,
    )


# -- the two instances -------------------------------------------------------------------------


@dataclass
class Instances:
    a: Server
    b: Server
    a_base: str
    b_base: str
    a_engine: Engine
    b_engine: Engine
    a_citizen: str
    client_id: str
    a_env: dict[str, str]
    a_log: Path
    tmp: Path

    def count_links(self) -> int:
        with Session(self.b_engine) as session:
            return session.scalar(select(func.count()).select_from(FederatedIdentity)) or 0

    def b_actions(self) -> list[str]:
        with Session(self.b_engine) as session:
            return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))

    def start_a(self) -> None:
        port = urlsplit(self.a_base).port
        assert port is not None
        self.a = Server(
            "A", sieuapp_command("serve", "--port", str(port)), self.a_env, self.tmp, self.a_log,
            port,
        )  # fmt: skip
        self.a.wait_until(self.a.answers_healthz, "A answering /healthz", WAIT_SECONDS)


def _seeded(path: Path, url: str) -> Platform:
    platform = Platform.create(instance_path=path, plugins=[], database_url=url)
    return with_passwords(platform)


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instances]:
    tmp = tmp_path_factory.mktemp("federation")
    port_a, port_b = free_port(), free_port()
    a_base, b_base = f"http://localhost:{port_a}", f"http://127.0.0.1:{port_b}"
    url_a = database_url(tmp / "a.sqlite3", "fed_a")
    url_b = database_url(tmp / "b.sqlite3", "fed_b")

    a = _seeded(tmp / "seed-a", url_a)
    with a.context() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == a.tenant_slug))
        org_id = session.scalar(select(Organization.id).where(Organization.code == "mai-linh-hue"))
        # B is a partner of A: a back-end client whose redirect URI is B's callback.
        client, secret = clients.create_partner_client(
            session,
            tenant_id,
            org_id,
            name="Instance B",
            grant_types=["authorization_code"],
            redirect_uris=[f"{b_base}/auth/federation/{PROVIDER_ID}/callback"],
            scope="openid profile phone",
            actor=clients.Actor(None, "test"),
        )
        client_id = client.client_id
    a_citizen = a.users["citizen"].id
    a.close()
    _seeded(tmp / "seed-b", url_b).close()

    providers = [
        {
            "id": PROVIDER_ID,
            "name": {"vi": "Tài khoản Huế", "en": "Huế account"},
            "issuer": a_base,
            "client_id": client_id,
            "client_secret": secret,
            "scopes": ["openid", "profile", "phone"],
            "assurance_level": 1,
            "acr_levels": {"urn:sieuapp:loa:0": 0, "urn:sieuapp:loa:1": 1, "urn:sieuapp:loa:2": 2},
        },
        # Nothing listens there: a provider that is down.
        {
            "id": "offline",
            "issuer": f"http://localhost:{free_port()}",
            "client_id": "x",
            "client_secret": "y",
        },
    ]
    common = {"SIEUAPP_TASK_BACKEND": "inline", "SIEUAPP_MFA_ROLES": ""}
    a_env = child_env(
        SIEUAPP_DATABASE_URL=url_a,
        SIEUAPP_INSTANCE_PATH=str(tmp / "a"),
        SIEUAPP_SECRET_KEY="instance-a-" + "k" * 32,
        **common,
    )
    b_env = child_env(
        SIEUAPP_DATABASE_URL=url_b,
        SIEUAPP_INSTANCE_PATH=str(tmp / "b"),
        SIEUAPP_SECRET_KEY="instance-b-" + "k" * 32,
        SIEUAPP_FEDERATION_PROVIDERS=json.dumps(providers),
        SIEUAPP_FEDERATION_HTTP_TIMEOUT="10",
        **common,
    )
    a_engine, b_engine = make_engine(url_a), make_engine(url_b)
    b = Server(
        "B", sieuapp_command("serve", "--port", str(port_b)), b_env, tmp, tmp / "b.log", port_b
    )
    found = Instances(
        a=Server(
            "A", sieuapp_command("serve", "--port", str(port_a)), a_env, tmp, tmp / "a.log", port_a
        ),
        b=b,
        a_base=a_base,
        b_base=b_base,
        a_engine=a_engine,
        b_engine=b_engine,
        a_citizen=a_citizen,
        client_id=client_id,
        a_env=a_env,
        a_log=tmp / "a.log",
        tmp=tmp,
    )
    try:
        for server in (found.a, b):
            server.wait_until(server.answers_healthz, f"{server.name} answering", WAIT_SECONDS)
        found.a.wait_until(
            lambda: requests.get(f"{a_base}/.well-known/openid-configuration", timeout=10).ok,
            "A's discovery",
            WAIT_SECONDS,
        )
        yield found
        for server in (found.a, b):
            assert secret not in server.output(), f"{server.name} logged the client secret"
            # Access-log lines carry paths only: codes and state stay out of the logs.
            assert "code=" not in server.output(), f"{server.name} logged an authorization code"
    finally:
        found.a.stop()
        b.stop()
        a_engine.dispose()
        b_engine.dispose()


def start_at_b(instances: Instances, browser: requests.Session, next_url: str = "/account"):
    """B's start: the answer is a redirect to A's authorization endpoint."""
    started = browser.get(
        f"{instances.b_base}/auth/federation/{PROVIDER_ID}",
        params={"next": next_url},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert started.status_code == 303, started.text
    assert started.headers["Location"].startswith(f"{instances.a_base}/oauth/authorize?")
    return started


def through_a(instances: Instances, browser: requests.Session, authorize_url: str) -> str:
    """At A: sign in if asked, allow on the consent page if asked; returns the redirect to B."""
    response = browser.get(authorize_url, allow_redirects=False, timeout=TIMEOUT)
    for _ in range(6):
        location = response.headers.get("Location", "")
        if response.status_code in {302, 303} and location.startswith(instances.b_base):
            return location
        if response.status_code in {302, 303}:
            response = follow(browser, response)
        elif "/auth/login" in [urlsplit(f.action).path for f in forms(response)]:
            response = submit(
                browser, response, "/auth/login", username="citizen", password=PASSWORD
            )
        elif "/oauth/authorize" in [urlsplit(f.action).path for f in forms(response)]:
            response = submit(browser, response, "/oauth/authorize", decision="allow")
        else:
            pytest.fail(f"unexpected page at A ({response.status_code}):\n{response.text}")
    pytest.fail("A never sent the browser back to B")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**query_of(url), **changes}
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def b_page(browser: requests.Session, url: str) -> requests.Response:
    return browser.get(url, allow_redirects=False, timeout=TIMEOUT)


def signed_in_at_b(instances: Instances, browser: requests.Session) -> bool:
    return b_page(browser, f"{instances.b_base}/account").status_code == 200


def forget_b(instances: Instances, browser: requests.Session) -> None:
    """Drop B's cookies, keep A's: a new visit to B by someone still signed in at A."""
    for cookie in list(browser.cookies):
        if cookie.domain in {"127.0.0.1", "127.0.0.1.local"}:
            browser.cookies.clear(cookie.domain, cookie.path, cookie.name)


# -- the happy path -------------------------------------------------------------------------


def test_a_citizen_of_a_signs_in_at_b_then_signs_in_again_through_the_link(instances):
    browser = requests.Session()
    assert not signed_in_at_b(instances, browser)
    started = start_at_b(instances, browser, next_url="/account")
    back = through_a(instances, browser, started.headers["Location"])
    assert query_of(back)["iss"] == instances.a_base  # RFC 9207, checked by B

    at_b = b_page(browser, back)
    assert at_b.status_code == 303 and at_b.headers["Location"] == "/auth/federation/link"
    choice = follow(browser, at_b)
    assert choice.status_code == 200
    assert "Tài khoản Huế" in choice.text and "Nguyễn Văn An" in choice.text
    made = submit(browser, choice, "/auth/federation/register", username="an-from-a")
    assert made.status_code == 303 and made.headers["Location"] == "/account"

    account = follow(browser, made)
    assert account.status_code == 200 and "Nguyễn Văn An" in account.text
    assert "Tài khoản Huế" in account.text  # among the linked accounts
    with Session(instances.b_engine) as session:
        (link,) = session.scalars(select(FederatedIdentity)).all()
        user = session.get(User, link.user_id)
        assert (link.provider, link.issuer) == (PROVIDER_ID, instances.a_base)
        assert link.subject == instances.a_citizen
        assert user.username == "an-from-a" and user.password_hash is None
        assert link.last_login_at is not None
        first_login = link.last_login_at
    actions = instances.b_actions()
    assert "federation.linked" in actions and actions[-1] == "auth.login"

    # Round two: B forgotten, A still remembers the citizen and the consent.
    forget_b(instances, browser)
    assert not signed_in_at_b(instances, browser)
    started = start_at_b(instances, browser, next_url="/account")
    back = through_a(instances, browser, started.headers["Location"])
    direct = b_page(browser, back)
    assert direct.status_code == 303 and direct.headers["Location"] == "/account"
    assert signed_in_at_b(instances, browser)
    with Session(instances.b_engine) as session:
        (link,) = session.scalars(select(FederatedIdentity)).all()
        assert link.last_login_at >= first_login
        logins = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.login").order_by(AuditEntry.id)
        ).all()
        assert logins[-1].after["amr"] == ["fed"] and logins[-1].actor_id == link.user_id


# -- unhappy paths: a clear page, nothing changed ---------------------------------------------


def assert_refused(instances: Instances, browser, response, status: int, words: str, before):
    assert response.status_code == status, response.text
    assert words in response.text
    assert instances.b_actions() == before
    assert not signed_in_at_b(instances, browser)


def test_a_tampered_state_is_refused(instances):
    browser = requests.Session()
    before = instances.b_actions()
    started = start_at_b(instances, browser)
    back = through_a(instances, browser, started.headers["Location"])
    tampered = with_query(back, state=query_of(back)["state"][::-1])
    refused = b_page(browser, tampered + "&lang=en")
    assert_refused(instances, browser, refused, 400, "does not match your request", before)
    assert "bad_state: state does not match" in instances.b.output()


def test_a_nonce_that_is_not_the_flows_is_refused(instances):
    browser = requests.Session()
    before = instances.b_actions()
    started = start_at_b(instances, browser)
    # A is asked for another nonce than the one B remembers: its id_token will carry that one.
    authorize = with_query(started.headers["Location"], nonce="not-the-nonce-b-sent")
    back = through_a(instances, browser, authorize)
    refused = b_page(browser, back)
    assert_refused(instances, browser, refused, 400, "Không xác minh được", before)
    assert "bad_id_token: nonce does not match" in instances.b.output()


def test_an_answer_naming_another_issuer_is_refused(instances):
    """RFC 9207 mix-up defence: A advertises ``iss``, so a response naming another is refused."""
    browser = requests.Session()
    before = instances.b_actions()
    started = start_at_b(instances, browser)
    back = through_a(instances, browser, started.headers["Location"])
    refused = b_page(browser, with_query(back, iss="http://localhost:1"))
    assert_refused(instances, browser, refused, 400, "không hợp lệ", before)
    assert "iss parameter names another issuer" in instances.b.output()


def test_a_code_for_another_client_is_refused(instances):
    """An id_token for another audience cannot be had from a correct provider: A refuses to
    exchange a code issued to another client, and B shows that, changing nothing."""
    with Session(instances.a_engine) as session, session.begin():
        tenant_id = session.scalar(select(Tenant.id))
        org_id = session.scalar(select(Organization.id).where(Organization.code == "mai-linh-hue"))
        other, _ = clients.create_partner_client(
            session, tenant_id, org_id, name="Another RP", grant_types=["authorization_code"],
            redirect_uris=[f"{instances.b_base}/auth/federation/{PROVIDER_ID}/callback"],
            scope="openid profile phone", actor=clients.Actor(None, "test"),
        )  # fmt: skip
        other_id = other.client_id
    browser = requests.Session()
    before = instances.b_actions()
    started = start_at_b(instances, browser)
    back = through_a(
        instances, browser, with_query(started.headers["Location"], client_id=other_id)
    )
    refused = b_page(browser, back)
    assert_refused(instances, browser, refused, 400, "không chấp nhận", before)
    assert "token_refused: invalid_grant" in instances.b.output()


def test_access_denied_at_a_is_shown_at_b(instances):
    browser = requests.Session()
    before = instances.b_actions()
    started = start_at_b(instances, browser)
    # Sign in at A by hand this time, and deny on the consent page.
    response = browser.get(
        with_query(started.headers["Location"], prompt="consent"), allow_redirects=False
    )
    while response.status_code in {302, 303}:
        response = follow(browser, response)
    response = submit(browser, response, "/auth/login", username="citizen", password=PASSWORD)
    while response.status_code in {302, 303} and not response.headers["Location"].startswith(
        instances.b_base
    ):
        response = follow(browser, response)
    assert re.search(r'name="decision"', response.text), response.text
    denied = submit(browser, response, "/oauth/authorize", decision="deny")
    back = denied.headers["Location"]
    assert query_of(back)["error"] == "access_denied"
    refused = b_page(browser, back + "&lang=en")
    assert_refused(instances, browser, refused, 400, "You did not allow sharing", before)


def test_a_provider_that_is_down(instances):
    browser = requests.Session()
    before = instances.b_actions()
    never = b_page(browser, f"{instances.b_base}/auth/federation/offline")
    assert_refused(instances, browser, never, 502, "không phản hồi", before)

    # A goes down between the consent and the callback: B cannot exchange the code.
    started = start_at_b(instances, browser)
    back = through_a(instances, browser, started.headers["Location"])
    instances.a.stop()
    try:
        refused = b_page(browser, back)
        assert_refused(instances, browser, refused, 502, "không phản hồi", before)
        assert "hue-id unavailable: token endpoint: ConnectionError" in instances.b.output()
    finally:
        instances.start_a()
