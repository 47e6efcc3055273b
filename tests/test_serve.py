"""The web app of `derive serve` without a browser (Starlette's test client): limits, escaping, offline
MathJax, the command line it runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from derive.web.app import MAX_BODY, SECURITY_HEADERS, FormError, Settings, command_for, create_app

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_the_page_loads_mathjax_from_the_server_itself(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/mathjax/tex-svg.js"' in page.text
    assert "http://" not in page.text.split("<body")[0] and "https://" not in page.text
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    mathjax = client.get("/mathjax/tex-svg.js")
    assert mathjax.status_code == 200 and len(mathjax.content) > 1_000_000


def test_the_user_text_is_escaped_never_markup(client: TestClient) -> None:
    post = "<script>alert(1)</script>\n\n$$\\frac{\\partial H}{\\partial z_j} = a_j - y_j$$ <b>bold</b>\n"
    page = client.post("/check", content=_form(text=post), headers=FORM)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "<b>bold</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'data-status="holds_if"' in page.text


def test_a_request_over_the_limit_is_refused_and_the_server_keeps_serving(client: TestClient) -> None:
    too_big = client.post("/check", content=_form(text="x" * (MAX_BODY + 10)), headers=FORM)
    assert too_big.status_code == 413
    assert client.get("/").status_code == 200


def test_a_post_over_the_post_limit_is_one_line(client: TestClient) -> None:
    page = client.post("/check", content=_form(text="$x=1$ " + "a" * 250_000), headers=FORM)
    assert page.status_code in (413, 422)


def test_only_the_page_form_is_accepted(client: TestClient) -> None:
    assert client.post("/check", json={"text": "x"}).status_code == 415
    assert client.post("/check", content=_form(text="  "), headers=FORM).status_code == 400


def test_another_host_name_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_options_become_single_arguments_that_cannot_turn_into_flags() -> None:
    form = {"text": ["x"], "mode": ["claim"], "let": ["--help\nP_j=y_j"], "at": ["x=[1,2]"], "timeout": ["5"]}
    command, text, mode = command_for(form, Settings(python="python"))
    assert mode == "claim" and text == "x"
    assert command[:6] == ["python", "-m", "derive", "check", "--format", "json"]
    assert "--let=--help" in command and "--let=P_j=y_j" in command and "--at=x=[1,2]" in command
    assert "--timeout=5" in command


def test_notation_and_batch_loss_are_passed_with_their_flags() -> None:
    form = {"text": ["x"], "mode": ["claim"], "notation": ["X logits, y one-hot"], "batch_loss": ["sum"]}
    command, _, _ = command_for(form, Settings(python="python"))
    assert "--notation=X logits, y one-hot" in command and "--batch-loss=sum" in command


def test_a_bad_mode_is_refused() -> None:
    with pytest.raises(FormError):
        command_for({"text": ["x"], "mode": ["shell"]}, Settings())


def _form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"mode": "post", **fields}).encode()


def test_serve_without_the_extra_says_in_one_line_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from derive.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the serve extra were not installed
    out, err = io.StringIO(), io.StringIO()
    assert main(["serve", "--port", "0"], out, err) == 2
    hint = "derive serve needs the serve extra: python -m pip install 'derive[serve]'"
    assert err.getvalue() == f"derive: {hint}\n"
