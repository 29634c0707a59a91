"""The page of serve in a real headless Chromium (Selenium), against a real server process.

Marked ``browser``: it needs Debian's ``chromium`` and ``chromium-driver``
(``.ci/run`` installs them); ``pytest -m "not browser"`` runs the rest without.
"""
import shutil
import socket

import httpx
import pytest

from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from server_process import serve_process
from gluon_sentiment.data.text import tokenize

pytestmark = pytest.mark.browser

TEXT = 'The plot was <b>awful</b> and boring, but the actors were WONDERFUL and great!'
TOKEN = 'page-test-token'
SCREENSHOT = '/tmp/gluon_sentiment_page.png'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                  '--disable-background-networking', '--disable-component-update',
                  '--no-first-run', '--window-size=1000,1000']


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_url(multikernel_run):
    """A real ``python -m gluon_sentiment.serve`` with a bearer token, answering /health."""
    with serve_process(multikernel_run, _free_port(), '--api-key-env', 'PAGE_TOKEN',
                       env={'PAGE_TOKEN': TOKEN}) as url:
        yield url


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium through chromedriver, both from Debian's packages."""
    webdriver = pytest.importorskip('selenium.webdriver')
    chromium, driver_path = shutil.which('chromium'), shutil.which('chromedriver')
    if not (chromium and driver_path):
        pytest.fail('chromium and chromedriver are not installed: apt-get install chromium '
                    'chromium-driver, or deselect with -m "not browser"')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f'--user-data-dir={tmp_path / "profile"}']:
        options.add_argument(flag)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _classify(driver):
    from selenium.webdriver.common.by import By  # pylint: disable=import-outside-toplevel
    driver.find_element(By.ID, 'submit').click()


def _wait(driver, condition, what):
    from selenium.webdriver.support.ui import WebDriverWait  # pylint: disable=import-outside-toplevel
    return WebDriverWait(driver, 30).until(condition, message=f'page never showed {what}')


def test_page_classifies_and_highlights_in_a_browser(server_url, browser):
    from selenium.webdriver.common.by import By  # pylint: disable=import-outside-toplevel
    browser.get(server_url + '/')
    assert browser.title == 'gluon_sentiment'
    _wait(browser, lambda d: d.find_element(By.ID, 'model').text, 'the model name')
    browser.find_element(By.ID, 'text').send_keys(TEXT)
    _classify(browser)  # no token yet: the server says 401 and the page shows it
    error = _wait(browser, lambda d: d.find_element(By.ID, 'error').text, 'the 401')
    assert error.startswith('401') and 'bearer token' in error
    browser.find_element(By.ID, 'token').send_keys(TOKEN)
    _classify(browser)
    label = _wait(browser, lambda d: d.find_element(By.ID, 'label').text, 'a label')

    expected = httpx.post(f'{server_url}/predict', json={'texts': [TEXT]}, timeout=30,
                          headers={'Authorization': f'Bearer {TOKEN}'}).json()['predictions'][0]
    assert label == expected['label'] and browser.find_element(By.ID, 'error').text == ''
    shown = {row.get_attribute('data-label'):
             float(row.find_element(By.CLASS_NAME, 'probability').text)
             for row in browser.find_elements(By.CSS_SELECTOR, '#probabilities tr')}
    assert shown.keys() == expected['probabilities'].keys()
    for name, p in expected['probabilities'].items():
        assert abs(shown[name] - p) <= 5e-5  # shown with 4 decimals

    highlighted = browser.find_element(By.ID, 'highlighted')
    assert highlighted.get_attribute('textContent') == TEXT  # the markup shown as text
    assert not highlighted.find_elements(By.TAG_NAME, 'b')
    marks = highlighted.find_elements(By.TAG_NAME, 'mark')
    words = set(tokenize(TEXT))
    assert marks and all(tokenize(mark.text) and set(tokenize(mark.text)) <= words
                         for mark in marks)
    assert all(mark.get_attribute('title').split(': ')[0] for mark in marks)
    browser.save_screenshot(SCREENSHOT)
    problems = [entry['message'] for entry in browser.get_log('browser')
                if entry['level'] == 'SEVERE' and 'status of 401' not in entry['message']]
    assert problems == []  # no CSP violation, no script error
