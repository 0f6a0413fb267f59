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

"""Horizon of the minicloud: a user logs in through its Keystone.

The panel's own tests run in Horizon's harness (tests/horizon) and in a
browser (tests/e2e); this checks the dashboard the minicloud serves.
"""

import http.cookiejar
import re
import urllib.parse
import urllib.request

from tools.minicloud import helpers


def login(url, username, password):
    """An HTTP client logged in to Horizon through its login form."""
    jar = http.cookiejar.CookieJar()
    client = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar))
    with client.open(url + 'auth/login/', timeout=120) as response:
        page = response.read().decode()
    fields = dict(re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update(username=username, password=password)
    request = urllib.request.Request(
        url + 'auth/login/', data=urllib.parse.urlencode(fields).encode(),
        headers={'Referer': url + 'auth/login/'})
    with client.open(request, timeout=120) as response:
        assert response.url == url + 'project/', response.url
    return client


def test_demo_user_sees_its_project_in_horizon(cloud):
    url = helpers.HORIZON_URL
    client = login(url, 'demo', 'demo')
    with client.open(url + 'project/instances/', timeout=120) as response:
        page = response.read().decode()
    assert '<title>Instances - OpenStack Dashboard' in page
    assert 'demo' in page   # the project selector shows the demo project


def test_wrong_password_is_refused(cloud):
    url = helpers.HORIZON_URL
    try:
        login(url, 'demo', 'not-the-password')
    except AssertionError as error:
        assert 'auth/login' in str(error)
    else:
        raise AssertionError('Horizon let a wrong password in')
