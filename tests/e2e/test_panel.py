# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Project > Containers in a real browser, on the minicloud's Horizon.

Headless Chromium (Debian's chromium and chromium-driver) driven by
Selenium: a user logs in through the minicloud's Keystone, launches the
memcached example from the panel, sees it become ready, scales it to two
members and deletes it. The screenshots README.rst shows are taken on
the way (doc/images/).
"""

import re
import time
import uuid

import pytest
from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common import by
from selenium.webdriver.support import ui

from tools.minicloud import helpers

SCREENSHOTS = helpers.REPO / 'doc' / 'images'
PANEL = helpers.HORIZON_URL + 'project/cvm_containers/'
# Horizon's pages are slow on a busy 2-core machine; Heat is not quick
# either: a stack takes about 30 s to become ready on the minicloud.
PAGE_SECONDS = 120
STACK_SECONDS = 300

CSS = by.By.CSS_SELECTOR


@pytest.fixture(scope='module')
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    # This machine's network is closed: without these Chromium keeps
    # trying to reach Google's hosts.
    for flag in ('--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-quic', '--no-first-run',
                 '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--window-size=1400,1000'):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=service.Service('/usr/bin/chromedriver'))
    driver.set_page_load_timeout(PAGE_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def wait_until(driver, condition, seconds=PAGE_SECONDS, reload=False):
    """Wait for condition(driver); reload the page between tries if asked."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition(driver)
        if result:
            return result
        assert time.monotonic() < deadline, 'gave up after %d s' % seconds
        time.sleep(3)
        if reload:
            driver.refresh()


def log_in(driver, username, password):
    # Whoever the browser was logged in as (the module shares it), its
    # session goes first: a logged-in user's login page is a redirect.
    driver.get(helpers.HORIZON_URL + 'auth/login/')
    driver.delete_all_cookies()
    driver.get(helpers.HORIZON_URL + 'auth/login/')
    driver.find_element(by.By.ID, 'id_username').send_keys(username)
    driver.find_element(by.By.ID, 'id_password').send_keys(password)
    driver.find_element(CSS, 'button[type=submit]').click()
    ui.WebDriverWait(driver, PAGE_SECONDS).until(
        lambda d: '/auth/login' not in d.current_url)


def row_of(driver, stack_name):
    """The containers table's row of the stack's container, or None."""
    for row in driver.find_elements(CSS, '#containers tbody tr'):
        if stack_name in row.text:
            return row
    return None


def screenshot(driver, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))


def submit(driver, then=None):
    """Submit the form; with ``then``, expect to land there, not errors."""
    driver.find_element(CSS, 'input.btn-primary[type=submit]').click()
    if then is None:
        return
    errors = '.alert-danger, .has-error .help-block'
    wait_until(driver, lambda d: d.current_url == then
               or d.find_elements(CSS, errors))
    assert driver.current_url == then, ' / '.join(
        e.text for e in driver.find_elements(CSS, errors))


def test_launch_scale_and_delete_from_the_panel(cloud, browser):
    stack_name = 'panel-%s' % uuid.uuid4().hex[:6]
    log_in(browser, 'demo', 'demo')

    # Project > Containers is in the navigation.
    browser.get(helpers.HORIZON_URL + 'project/')
    assert browser.find_elements(
        CSS, 'a[href="/project/cvm_containers/"]'), 'no Containers panel'

    # Launch: pick the memcached example, then the form of its parameters.
    browser.get(PANEL + 'launch/')
    ui.Select(browser.find_element(by.By.ID, 'id_template')) \
        .select_by_value('memcached')
    submit(browser)
    wait_until(browser, lambda d: d.find_elements(by.By.ID, 'id_stack_name'))
    screenshot(browser, 'panel-launch.png')
    browser.find_element(by.By.ID, 'id_stack_name').send_keys(stack_name)
    submit(browser, then=PANEL)

    # The list shows it, then "ready" once its guest has signalled.
    row = wait_until(
        browser, lambda d: (row_of(d, stack_name) is not None
                            and 'ready' in row_of(d, stack_name).text
                            and row_of(d, stack_name)),
        seconds=STACK_SECONDS, reload=True)
    assert re.search(r'10\.0\.\d+\.\d+:11211', row.text), row.text
    screenshot(browser, 'panel-list.png')

    # Scale to two members.
    detail = row.find_element(CSS, 'a[href^="/project/cvm_containers/"]')
    browser.get(detail.get_attribute('href') + 'scale/')
    desired = browser.find_element(by.By.ID, 'id_desired')
    desired.clear()
    desired.send_keys('2')
    submit(browser, then=PANEL)
    wait_until(browser, lambda d: (row_of(d, stack_name) is not None
                                   and 'ready' in row_of(d, stack_name).text
                                   and '2 / 2' in row_of(d, stack_name).text),
               seconds=STACK_SECONDS, reload=True)
    servers = cloud.json('stack', 'output', 'show', stack_name,
                         'servers')['output_value']
    assert len(servers) == 2

    # Delete, confirmed.
    # Horizon's themed checkbox hides the input behind its label.
    row_of(browser, stack_name).find_element(
        CSS, 'td.multi_select_column label').click()
    browser.find_element(by.By.ID, 'containers__action_delete').click()
    confirm = ui.WebDriverWait(browser, PAGE_SECONDS).until(
        lambda d: d.find_element(CSS, '.modal-footer .btn-danger'))
    confirm.click()
    wait_until(browser, lambda d: row_of(d, stack_name) is None,
               seconds=STACK_SECONDS, reload=True)
    wait_until(browser, lambda d: stack_name not in cloud.openstack(
        'stack', 'list').stdout, seconds=STACK_SECONDS)


def test_push_an_image_gives_the_users_own_commands(cloud, browser):
    """The list's "Push an Image" modal: the registry and the user's lines.

    What a user copies from it is what tests/functional/test_registry.py
    runs with the docker CLI.
    """
    log_in(browser, 'demo', 'demo')
    browser.get(PANEL)
    browser.find_element(by.By.ID, 'containers__action_push_image').click()
    modal = ui.WebDriverWait(browser, PAGE_SECONDS).until(
        lambda d: d.find_element(CSS, '.modal .cvm-push-image'))
    commands = [pre.text for pre in modal.find_elements(CSS, 'pre')]
    assert commands == [
        'docker login -u demo/demo %s' % helpers.CVM_REGISTRY,
        'docker tag <your image> %s/<repository>:<tag>'
        % helpers.CVM_REGISTRY,
        'docker push %s/<repository>:<tag>' % helpers.CVM_REGISTRY]
    screenshot(browser, 'panel-push.png')
