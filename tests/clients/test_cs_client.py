"""The `cs` library and its `cs` command-line tool (exoscale/cs, what Ansible uses) against a live
cloudsim process, over GET and over POST.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cs import CloudStack, CloudStackApiException

CS_CLI = str(Path(sys.executable).parent / "cs")


def new_account_params() -> dict:
    name = f"cs{uuid.uuid4().hex[:8]}"
    return dict(username=name, password="s3cret", email=f"{name}@example.com", firstname="Cee", lastname="Ess")


@pytest.mark.parametrize("method", ["get", "post"])
def test_cs_library(live_server, method):
    admin = CloudStack(endpoint=live_server.url, key=live_server.api_key, secret=live_server.secret,
                       method=method)
    apis = admin.listApis()
    assert apis["count"] == len(apis["api"]) and "listCapabilities" in {a["name"] for a in apis["api"]}
    capability = admin.listCapabilities()["capability"]
    assert capability["cloudstackversion"] == "4.20.1.0"

    params = new_account_params()
    account = admin.createAccount(**params, accountdetails={"team": "blue green"})["account"]
    assert account["name"] == params["username"] and account["accountdetails"] == {"team": "blue green"}
    keys = admin.registerUserKeys(id=account["user"][0]["id"])["userkeys"]

    user = CloudStack(endpoint=live_server.url, key=keys["apikey"], secret=keys["secretkey"], method=method)
    mine = user.listAccounts(listall=True)
    assert [a["name"] for a in mine["account"]] == [params["username"]]
    with pytest.raises(CloudStackApiException) as denied:
        user.createAccount(**new_account_params())
    assert denied.value.error["errorcode"] == 432
    assert denied.value.response.status_code == 432

    # fetch_list pages with page/pagesize=500 until count rows are collected
    settings = admin.listConfigurations(fetch_list=True)
    assert len(settings) > 100 and all("name" in s for s in settings)


def test_cs_library_v2_signatures_and_awkward_values(live_server):
    admin = CloudStack(endpoint=live_server.url, key=live_server.api_key, secret=live_server.secret,
                       expiration=-1)                       # no signatureVersion/expires at all
    domain = admin.createDomain(name="tilde~and space*")["domain"]
    assert domain["name"] == "tilde~and space*"
    assert admin.listDomains(id=domain["id"])["domain"][0]["path"] == "ROOT/tilde~and space*"


def test_cs_library_wrong_secret(live_server):
    client = CloudStack(endpoint=live_server.url, key=live_server.api_key, secret="wrong")
    with pytest.raises(CloudStackApiException) as refused:
        client.listCapabilities()
    assert refused.value.response.status_code == 401
    assert refused.value.error == {"uuidList": [], "errorcode": 401,
                                   "errortext": "unable to verify user credentials and/or request signature"}


def run_cs(env: dict, *args: str) -> dict:
    done = subprocess.run([CS_CLI, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return json.loads(done.stdout)


@pytest.mark.parametrize("method", ["get", "post"])
def test_cs_command_line(live_server, method):
    env = live_server.client_env(CLOUDSTACK_METHOD=method, CLOUDSTACK_THEME="none")
    apis = run_cs(env, "listApis")
    assert apis["count"] == len(apis["api"])
    assert run_cs(env, "listCapabilities")["capability"]["cloudstackversion"] == "4.20.1.0"

    params = new_account_params()
    account = run_cs(env, "createAccount", *(f"{k}={v}" for k, v in params.items()))["account"]
    keys = run_cs(env, "registerUserKeys", f"id={account['user'][0]['id']}")["userkeys"]

    user_env = live_server.client_env(keys["apikey"], keys["secretkey"], CLOUDSTACK_METHOD=method,
                                      CLOUDSTACK_THEME="none")
    mine = run_cs(user_env, "listAccounts")
    assert [a["name"] for a in mine["account"]] == [params["username"]]
    denied = subprocess.run([CS_CLI, "createDomain", "name=nope"], env=user_env, capture_output=True, text=True,
                            timeout=120)
    assert denied.returncode != 0
    assert json.loads(denied.stdout) == {"errorresponse": {
        "uuidList": [], "errorcode": 432, "cserrorcode": 9999,
        "errortext": f"The API [createDomain] does not exist or is not available for the account for user id "
                     f"[{account['user'][0]['id']}]."}}


def test_cs_command_line_post_flag(live_server):
    env = live_server.client_env(CLOUDSTACK_THEME="none")
    body = run_cs(env, "--post", "createDomain", "name=posted")
    assert body["domain"]["name"] == "posted"
