"""`derive serve` in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

The seed forum post is pasted into the page: MathJax (served by derive itself) typesets every formula
without an error, the answer's wrong formula is marked failing and a right one holding. A hostile post is
escaped or refused, and the server keeps serving.  Set DERIVE_README_SCREENSHOT=docs/serve.png to also
write the README's screenshot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SEED = Path(__file__).resolve().parents[1] / "derive" / "post" / "seeds" / "000_3a8642f5cabd059b.txt"


def _need(path: str) -> None:
    if not Path(path).exists() and shutil.which(Path(path).name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{path} is required in CI (.ci/run installs chromium and chromium-driver)")
        pytest.skip(f"{path} is not installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "derive", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("derive serve: http://127.0.0.1:"), line + (
            process.stderr.read() if process.stderr else ""
        )
        yield line.split()[2]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    _need(CHROMIUM)
    _need(CHROMEDRIVER)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1600",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(240)
    try:
        yield driver
    finally:
        driver.quit()


def _check_in_page(driver: Any, url: str, text: str, mode: str = "post") -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    area = driver.find_element(By.ID, "text")
    driver.execute_script("arguments[0].value = arguments[1];", area, text)
    driver.find_element(By.CSS_SELECTOR, f"input[name=mode][value={mode}]").click()
    before = driver.find_element(By.TAG_NAME, "body")
    driver.find_element(By.ID, "submit").click()
    wait = WebDriverWait(driver, 240, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(expected_conditions.staleness_of(before))  # the result page replaced the form page
    wait.until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-mathjax") not in (None, "pending")
    )
    return driver.find_element(By.TAG_NAME, "body")


def test_the_seed_answer_is_checked_and_typeset_in_the_browser(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    body = _check_in_page(browser, server, SEED.read_text(encoding="utf-8"))
    assert body.get_attribute("data-mathjax") == "done"
    assert body.get_attribute("data-mathjax-errors") == "0"
    typeset = browser.find_elements(By.CSS_SELECTOR, "span.math.typeset svg")
    assert len(typeset) > 40
    answer = browser.find_element(By.CSS_SELECTOR, "#post .item[data-line='72']")
    assert answer.get_attribute("data-status") == "fails"
    card = browser.find_element(By.ID, f"card-{answer.get_attribute('data-number')}")
    assert "1.35858" in card.text and "first wrong step" in card.text
    derivative = browser.find_element(
        By.CSS_SELECTOR, "#post .item[data-line='53']"
    )  # da_j/dz_j = a_j(1-a_j)
    assert derivative.get_attribute("data-status") == "holds"
    question_softmax = browser.find_element(By.CSS_SELECTOR, "#post .item[data-line='23']")
    assert question_softmax.get_attribute("data-status") == "fails"
    assert "fail" in browser.find_element(By.ID, "summary").text
    browser.save_screenshot(str(tmp_path / "seed-000.png"))
    assert (tmp_path / "seed-000.png").stat().st_size > 10_000
    readme_image = os.environ.get("DERIVE_README_SCREENSHOT")
    if readme_image:
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", answer)
        browser.save_screenshot(readme_image)


HOSTILE = (
    "# A hostile post\n\n"
    "<script>document.title = 'pwned';</script>\n\n"
    '<img src="x" onerror="document.title = \'pwned\'">\n\n'
    "Include a file: $$\\frac{\\partial L}{\\partial z} = \\input{/etc/passwd}$$ and a link "
    "$\\href{javascript:alert(1)}{x} = 1$.\n\n"
    "$$\\frac{\\partial L}{\\partial z_j} = a_j - y_j</span><script>document.title='pwned'</script>$$\n"
)


def _post_status(url: str, body: bytes) -> int | str:
    """The status of a POST, or "closed" when the server refuses the body by closing the connection (it
    answers 413 at once, and the connection may be reset while the client is still sending)."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)
    except (urllib.error.URLError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        assert isinstance(reason, (ConnectionError, BrokenPipeError)), error
        return "closed"


def test_a_hostile_post_is_escaped_and_the_server_keeps_serving(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    body = _check_in_page(browser, server, HOSTILE)
    assert browser.title == "derive: check a post"
    source = browser.page_source
    assert "&lt;script&gt;document.title = 'pwned';&lt;/script&gt;" in source
    assert browser.execute_script("return document.querySelectorAll('img, iframe, object').length") == 0
    assert body.get_attribute("data-mathjax") == "done"
    cards = {
        card.get_attribute("data-number"): card.text
        for card in browser.find_elements(By.CSS_SELECTOR, ".card")
    }
    assert any("\\input" in text and "not read" in text for text in cards.values()), cards

    huge = urllib.parse.urlencode({"mode": "post", "text": "$x$ " * 250_000}).encode()
    assert len(huge) > 1_000_000
    assert _post_status(server + "check", huge) in (413, "closed")

    body = _check_in_page(browser, server, r"\frac{\partial H}{\partial z_j} = a_j - y_j", mode="claim")
    assert body.get_attribute("data-mathjax-errors") == "0"
    assert browser.find_element(By.CSS_SELECTOR, ".card").get_attribute("data-status") == "holds_if"
