"""`musubi serve` (waitress, never Flask's development server) and `musubi demo --no-serve`."""

from __future__ import annotations

import sys

from support import Musubi


def test_demo_no_serve_builds_store_and_index(tmp_path) -> None:  # noqa: ANN001
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    result = musubi("demo", "--size", "300", "--no-serve")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "index.faiss").exists()
    assert "indexed" in result.output


def test_serve_runs_waitress_with_the_configured_threads(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import waitress

    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setenv("MUSUBI_WEB_THREADS", "7")
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    assert musubi("demo", "--size", "300", "--no-serve").exit_code == 0
    result = musubi("serve", "--port", "8765")
    assert result.exit_code == 0, result.output
    assert seen["threads"] == 7 and seen["port"] == 8765 and seen["host"] == "127.0.0.1"
    client = seen["app"].test_client()
    assert client.get("/api/match/procurement?text=見守り").get_json()["ok"] is True


def test_matcher_never_imports_flask() -> None:
    import subprocess

    code = "import matcher.cli.main, matcher.modes.procurement, sys; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serve_refuses_a_rate_limit_storage_it_cannot_use(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda app, **kw: None)
    monkeypatch.setenv("MUSUBI_RATE_LIMIT_STORAGE", "sql://nowhere")
    result = Musubi(tmp_path / "home", encoder="hashing")("serve")
    assert result.exit_code == 2
    assert "rate_limit_storage 'sql://nowhere'" in result.stderr and "redis://" in result.stderr
