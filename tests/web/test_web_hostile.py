"""The web under hostile input: ids past any integer column, bodies nested past the parser,
text that is not Unicode — each a 4xx with the usual error shape, never a 500."""

from __future__ import annotations

import io

import pytest

URLS = [
    "/consortia/{id}",
    "/consortia/{id}/alternatives?role=industry",
    "/consortia/{id}/export.json",
    "/consortia/{id}/brief",
    "/api/consortia/{id}",
    "/api/consortia/{id}/alternatives?role=industry",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("number", [2**31, 2**63, 10**30, 0])
def test_ids_beyond_a_database_integer_are_not_found(client, url: str, number: int) -> None:  # noqa: ANN001
    response = client.get(url.format(id=number))
    assert response.status_code == 404
    if url.startswith("/api"):
        assert response.get_json()["ok"] is False


@pytest.mark.parametrize("path", ["/api/consortia", "/api/consortia/1/notes"])
def test_a_body_nested_past_the_parser_is_a_400(writable_app, token: str, path: str) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "ok": False,
        "error": "The JSON body is nested too deeply: send an object a few levels deep.",
        "status": 400,
    }


def test_an_unpaired_surrogate_is_a_400_and_nothing_is_written(writable_app, token: str) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    saved = client.post(
        "/api/consortia", json={"theme": "独居高齢者の見守りと健康データ"}, headers=auth
    ).get_json()["proposal"]
    response = client.post(
        f"/api/consortia/{saved['id']}/notes",
        data='{"text": "\\ud800", "version": 1}',
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 400 and "unpaired surrogate" in response.get_json()["error"]
    assert client.get(f"/api/consortia/{saved['id']}").get_json()["proposal"]["notes"] == []


def test_import_of_a_lone_surrogate_is_a_422_with_the_line(writable_app, token: str) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    line = (
        '{"id": "st-900", "kind": "startup", "name": "x\\ud800", "prefecture": "北海道", '
        '"description": "d"}\n'
    )
    response = client.post(
        "/api/import",
        data=line.encode(),
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert problems[0]["line"] == 1 and problems[0]["field"] == "name"
    assert "/tmp" not in response.get_data(as_text=True)


def test_an_unreadable_upload_is_named_as_the_user_named_it(writable_app, token: str) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    response = client.post(
        "/api/import",
        data={"file": (io.BytesIO(b"\x00\x01binary"), "orgs.csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    reason = response.get_json()["problems"][0]["reason"]
    assert reason.startswith("orgs.csv looks like a binary file")
    body = response.get_data(as_text=True)
    assert "/tmp" not in body and "musubi-upload" not in body
