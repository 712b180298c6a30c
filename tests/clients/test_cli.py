"""`cloudsim keys` and `cloudsim sign` as the README shows them, with curl fetching the signed URLs."""
from __future__ import annotations

import json
import subprocess
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.clients.conftest import run_cloudsim


def curl(url: str) -> tuple[int, str]:
    done = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", url], capture_output=True, text=True, timeout=60)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def test_keys_prints_the_admin_pair(live_server):
    done = run_cloudsim(["keys", "--data-dir", str(live_server.data_dir)], live_server.env)
    assert done.returncode == 0
    assert done.stdout == f"apikey={live_server.api_key}\nsecretkey={live_server.secret}\n"


def test_keys_of_a_user_without_keys(live_server):
    done = run_cloudsim(["keys", "--data-dir", str(live_server.data_dir), "--user", "nobody"], live_server.env)
    assert done.returncode == 1
    assert "user nobody has no API keys" in done.stderr


def test_sign_gives_a_url_curl_can_fetch(live_server):
    done = run_cloudsim(["sign", "--data-dir", str(live_server.data_dir), "--url", live_server.url,
                         "command=listCapabilities"], live_server.env)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert url.startswith(live_server.url + "?")
    status, body = curl(url)
    assert status == 200
    assert json.loads(body)["listcapabilitiesresponse"]["capability"]["cloudstackversion"] == "4.20.1.0"


def test_sign_with_expiry_gives_a_v3_url(live_server):
    done = run_cloudsim(["sign", "--data-dir", str(live_server.data_dir), "--url", live_server.url,
                         "--expires", "600", "command=listAccounts", "response=xml", "name=admin"], live_server.env)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    query = parse_qs(urlsplit(url).query)
    assert query["signatureVersion"] == ["3"] and query["expires"][0].endswith("+0000")
    status, body = curl(url)
    assert status == 200, body
    doc = etree.fromstring(body.encode())
    assert doc.tag == "listaccountsresponse" and doc.findtext("account/name") == "admin"


def test_sign_with_an_expiry_in_the_past_is_refused(live_server):
    done = run_cloudsim(["sign", "--apikey", live_server.api_key, "--secretkey", live_server.secret, "--url",
                         live_server.url, "--expires", "-60", "command=listCapabilities"], live_server.env)
    assert done.returncode == 0
    status, body = curl(done.stdout.strip())
    assert status == 401
    assert json.loads(body)["listcapabilitiesresponse"]["errortext"] == \
        "unable to verify user credentials and/or request signature"


def test_sign_with_given_keys_and_awkward_values(live_server):
    done = run_cloudsim(["sign", "--apikey", live_server.api_key, "--secretkey", live_server.secret, "--url",
                         live_server.url, "command=createDomain", "name=with space~tilde+plus"], live_server.env)
    assert done.returncode == 0
    status, body = curl(done.stdout.strip())
    assert status == 200, body
    assert json.loads(body)["createdomainresponse"]["domain"]["name"] == "with space~tilde+plus"


def test_sign_needs_a_command(live_server):
    done = run_cloudsim(["sign", "--apikey", "k", "--secretkey", "s", "name=x"], live_server.env)
    assert done.returncode == 2
    assert "command=<name> is required" in done.stderr
