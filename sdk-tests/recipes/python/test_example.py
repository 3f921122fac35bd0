"""What the fixtures in conftest.py make easy: state, time and failures on purpose."""

import requests


def test_a_contact_round_trip(devrev):
    created = devrev("/rev-users.create", {"display_name": "Ada", "email": "ada@example.com"})
    got = devrev("/rev-users.get", {"id": created["rev_user"]["id"]})
    assert got["rev_user"]["email"] == "ada@example.com"


def test_each_test_starts_from_the_baseline(devrev):
    assert devrev("/rev-users.list")["rev_users"] == []


def test_time_moves_when_told(devrev):
    devrev("/_revdir/clock.set", {"mode": "frozen", "at": "2030-01-01T00:00:00Z"})
    u = devrev("/rev-users.create", {})["rev_user"]
    assert u["created_date"] == "2030-01-01T00:00:00.000Z"


def test_failures_on_purpose(devrev, devrev_org):
    devrev("/_revdir/faults.set", {"rules": [{"operation": "rev-users.list", "status": 503, "count": 1}]})
    r = requests.post(devrev_org["url"] + "/rev-users.list", json={},
                      headers={"Authorization": "Bearer " + devrev_org["token"]}, timeout=30)
    assert r.status_code == 503
    assert devrev("/rev-users.list")["rev_users"] == []  # the next one goes through
