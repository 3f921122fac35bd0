"""Drives revdir with devrev-python-sdk (PyPI `devrev-python-sdk`, import name `devrev`).

    DEVREV_BASE_URL=https://127.0.0.1:8443 DEVREV_API_TOKEN=... SSL_CERT_FILE=cert.pem python smoke.py

The SDK refuses any base URL that is not https:// (a pydantic validator on
`DevRevConfig.base_url`), so against a plain-http revdir it has to go through a
TLS-terminating proxy: `run.sh` starts `../proxy.py` with a throw-away
self-signed certificate and points SSL_CERT_FILE (honoured by httpx) at it. The
SDK itself is used unmodified.

This package is a community SDK (github.com/mgmonteleone/py-dev-rev), not one
published by DevRev. It always POSTs, and has no service for dev-orgs or
sys-users and no `tags`/`external_refs` parameters on rev-users; those calls go
through the SDK's own HTTP client (`client._http`, same auth, headers, retries
and error mapping) and are marked `[raw]`.

Every check prints `ok` or `FAIL`; the last line is `N passed, M failed`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from devrev import DevRevClient
from devrev.exceptions import DevRevError, NotFoundError, ValidationError
from devrev.models.tags import TagsCreateRequest

passed = 0
failed = 0
failures: list[str] = []


def check(name: str, cond: bool, detail: Any = None) -> bool:
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        failures.append(name)
        extra = "" if detail is None else f" :: {detail if isinstance(detail, str) else json.dumps(detail, default=str)}"
        print(f"FAIL {name}{extra}")
    return cond


def eq(name: str, actual: Any, expected: Any) -> bool:
    return check(name, actual == expected, f"got {actual!r}, want {expected!r}")


def step(name: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except DevRevError as e:
        check(f"{name} (raised)", False, f"{type(e).__name__} {e.status_code}: {json.dumps(e.response_body)}")
    except Exception as e:  # noqa: BLE001 - any exception is one failed step
        check(f"{name} (raised)", False, "".join(traceback.format_exception_only(e)).strip())
    return None


def expect_error(name: str, fn: Callable[[], Any]) -> DevRevError | None:
    try:
        r = fn()
    except DevRevError as e:
        return e
    check(f"{name}: fails", False, f"unexpectedly returned {r!r}")
    return None


def main() -> int:
    base = os.environ.get("DEVREV_BASE_URL", "")
    token = os.environ.get("DEVREV_API_TOKEN", "")
    if not base or not token:
        print("set DEVREV_BASE_URL and DEVREV_API_TOKEN", file=sys.stderr)
        return 2

    # Record the SDK's refusal of http:// (it is why run.sh puts a TLS proxy in front).
    try:
        DevRevClient(api_token=token, base_url="http://127.0.0.1:1")
        print("#    note: this SDK version accepts http:// base URLs")
    except Exception as e:  # noqa: BLE001
        first = str(e).splitlines()
        print(f"#    note: the SDK refuses http:// base URLs: {type(e).__name__}: {' / '.join(first[:3])}")

    client = DevRevClient()  # DEVREV_API_TOKEN / DEVREV_BASE_URL from the environment
    http = client._http  # the SDK's transport, for calls it has no typed method for
    run = f"{int(time.time() * 1000):x}{os.getpid():x}"
    print(f"# devrev-python-sdk against {base} (run {run})")

    def raw(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return http.post(path, data=body).json()

    ids: dict[str, Any] = {}

    def dev_orgs_get() -> None:
        d = raw("/dev-orgs.get", {})
        check("[raw] dev-orgs.get: dev_org.id", isinstance(d.get("dev_org", {}).get("id"), str), d)

    step("dev-orgs.get", dev_orgs_get)

    def dev_users_self() -> None:
        me = client.dev_users.self()
        check("dev_users.self: id", me.id.startswith("don:identity:"), me.id)
        check("dev_users.self: state parsed", me.state is not None, me)
        ids["self"] = me.id

    step("dev_users.self", dev_users_self)

    def tags_create() -> Any:
        t = client.tags.create(TagsCreateRequest(name=f"vip-{run}", description="smoke"))
        eq("tags.create: name", t.name, f"vip-{run}")
        return t

    tag = step("tags.create", tags_create)

    def accounts_create() -> Any:
        a = client.accounts.create(f"Acme {run}", external_refs=[f"acme-{run}"], domains=[f"acme-{run}.example"])
        eq("accounts.create: display_name", a.display_name, f"Acme {run}")
        check("accounts.create: owned_by parsed", bool(a.owned_by), a.owned_by)
        return a

    acct = step("accounts.create", accounts_create)

    def rev_orgs_create() -> Any:
        o = client.rev_orgs.create(f"Acme EU {run}", acct.id, external_ref=f"acme-eu-{run}")
        eq("rev_orgs.create: account", o.account.id if o.account else None, acct.id)
        return o

    org = step("rev_orgs.create", rev_orgs_create)

    users: list[Any] = []

    def rev_users_create() -> None:
        for i in range(3):
            u = client.rev_users.create(
                org.id,
                display_name=f"User {i}",
                email=f"user{i}-{run}@example.com",
                phone_numbers=[f"+1415555010{i}"],
                external_ref=f"crm-{run}-{i}",
            )
            eq(f"rev_users.create #{i}: email", u.email, f"user{i}-{run}@example.com")
            eq(f"rev_users.create #{i}: rev_org", u.rev_org.id if u.rev_org else None, org.id)
            users.append(u)

    step("rev_users.create", rev_users_create)
    u0, u1, u2 = (users + [None, None, None])[:3]

    def rev_users_get() -> None:
        u = client.rev_users.get(u0.id)
        eq("rev_users.get: id", u.id, u0.id)
        eq("rev_users.get: created_date parsed", u.created_date, u0.created_date)
        eq("rev_users.get by display_id", client.rev_users.get(u0.display_id).id, u0.id)

    step("rev_users.get", rev_users_get)

    def rev_users_update() -> None:
        u = client.rev_users.update(
            u0.id,
            display_name=f"Renamed {run}",
            email=f"renamed-{run}@example.com",
            phone_numbers=["+14155550199", "+442071838750"],
        )
        eq("rev_users.update: display_name", u.display_name, f"Renamed {run}")
        eq("rev_users.update: email", u.email, f"renamed-{run}@example.com")
        eq("rev_users.update: phone_numbers", u.phone_numbers, ["+14155550199", "+442071838750"])
        d = raw(
            "/rev-users.update",
            {
                "id": u0.id,
                "external_ref": f"crm-{run}-0-new",
                "external_refs": [f"crm-{run}-0-new", f"zendesk-{run}-0"],
                "tags": [{"id": tag.id}],
            },
        )["rev_user"]
        eq("[raw] rev-users.update: external_ref", d.get("external_ref"), f"crm-{run}-0-new")
        eq("[raw] rev-users.update: external_refs", sorted(d.get("external_refs", [])), sorted([f"crm-{run}-0-new", f"zendesk-{run}-0"]))
        eq("[raw] rev-users.update: tags", [t["tag"]["id"] for t in d.get("tags", [])], [tag.id])
        again = client.rev_users.get(u0.id)
        eq("rev_users.get after update: external_ref", again.external_ref, f"crm-{run}-0-new")

    step("rev_users.update", rev_users_update)

    def rev_users_list() -> None:
        r = client.rev_users.list(email=[u1.email, u2.email], limit=10)
        eq("rev_users.list email=[2]", sorted(u.id for u in r.rev_users), sorted([u1.id, u2.id]))
        r = client.rev_users.list(external_ref=[u2.external_ref])
        eq("rev_users.list external_ref=[1]", [u.id for u in r.rev_users], [u2.id])
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            page = client.rev_users.list(rev_org=[org.id], limit=1, cursor=cursor)
            pages += 1
            check(f"rev_users.list page {pages}: at most 1", len(page.rev_users) <= 1, len(page.rev_users))
            seen.extend(u.id for u in page.rev_users)
            cursor = page.next_cursor
            if pages == 1:
                check("rev_users.list page 1: next_cursor", bool(cursor), page.model_dump())
            if not cursor or pages >= 10:
                break
        eq("rev_users.list paging visits every user once", sorted(seen), sorted([u0.id, u1.id, u2.id]))
        check("rev_users.list paging ends", pages <= 4, pages)

    step("rev_users.list", rev_users_list)

    def rev_users_delete() -> None:
        client.rev_users.delete(u2.id)
        e = expect_error("rev_users.get after delete", lambda: client.rev_users.get(u2.id))
        if e is not None:
            check("rev_users.get after delete: NotFoundError", isinstance(e, NotFoundError), type(e).__name__)
            eq("rev_users.get after delete: type", (e.response_body or {}).get("type"), "not_found")

    step("rev_users.delete", rev_users_delete)

    def sys_users() -> None:
        d = raw("/sys-users.list", {})
        bots = d.get("sys_users", [])
        check("[raw] sys-users.list: at least one", len(bots) > 0, d)
        bot = bots[0]
        u = raw("/sys-users.update", {"id": bot["id"], "display_name": f"bot-{run}"})["sys_user"]
        eq("[raw] sys-users.update: display_name", u.get("display_name"), f"bot-{run}")
        raw("/sys-users.update", {"id": bot["id"], "display_name": bot.get("display_name")})

    step("sys-users", sys_users)

    def errors() -> None:
        # The SDK's circuit breaker counts 4xx answers as failures and opens after 5 in a
        # row, so a successful call separates the error cases.
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("rev_users.update invalid phone number", lambda: client.rev_users.update(u0.id, phone_numbers=["not a phone"])),
            ("rev_users.update invalid email", lambda: client.rev_users.update(u0.id, email="not-an-email")),
            ("[raw] rev-users.update display_name of the wrong JSON type", lambda: raw("/rev-users.update", {"id": u0.id, "display_name": 5})),
        ]
        for name, fn in cases:
            e = expect_error(name, fn)
            if e is not None:
                check(f"{name}: ValidationError", isinstance(e, ValidationError), type(e).__name__)
                eq(f"{name}: 400", e.status_code, 400)
                body = e.response_body or {}
                check(f"{name}: body has type", isinstance(body.get("type"), str), body)
                check(f"{name}: SDK message is the server's", e.message == body.get("message"), e.message)
            client.rev_users.get(u0.id)
        e = expect_error("rev_users.update unknown id", lambda: client.rev_users.update("REVU-999999", display_name="x"))
        if e is not None:
            check("rev_users.update unknown id: NotFoundError", isinstance(e, NotFoundError), type(e).__name__)

    step("errors", errors)

    client.close()
    if failures:
        print(f"# failed: {' | '.join(failures)}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
