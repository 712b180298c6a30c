"""The `cs` client (what exoscale/cs users and many scripts run) manages SSH key pairs unchanged."""
from __future__ import annotations

import asyncio
import subprocess

import pytest
from cs import CloudStack, CloudStackApiException


def client(cloud, api=None, method: str = "get") -> CloudStack:
    api = api or cloud.admin
    return CloudStack(endpoint=cloud.url, key=api.api_key, secret=api.secret, method=method)


def public_key(tmp_path) -> str:
    target = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cs@test", "-f", str(target)], check=True)
    return (tmp_path / "id_ed25519.pub").read_text()


async def test_create_register_list_delete(cloud, tmp_path):
    def story():
        cs = client(cloud)
        made = cs.createSSHKeyPair(name="from-cs")["keypair"]
        assert made["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----")
        posted = client(cloud, method="post")
        registered = posted.registerSSHKeyPair(name="registered-by-cs", publickey=public_key(tmp_path))["keypair"]
        listed = cs.listSSHKeyPairs()
        names = sorted(p["name"] for p in listed["sshkeypair"])
        by_name = cs.listSSHKeyPairs(name="from-cs")["sshkeypair"][0]
        by_fp = cs.listSSHKeyPairs(fingerprint=registered["fingerprint"])["sshkeypair"][0]
        deleted = [cs.deleteSSHKeyPair(name=n)["success"] for n in names]
        return made, names, by_name, by_fp, deleted, cs.listSSHKeyPairs()

    made, names, by_name, by_fp, deleted, after = await asyncio.to_thread(story)
    assert names == ["from-cs", "registered-by-cs"]
    assert by_name["fingerprint"] == made["fingerprint"]
    assert by_fp["name"] == "registered-by-cs"
    assert deleted == [True, True]
    assert after == {}


async def test_errors_reach_the_caller(cloud):
    user = await cloud.user()

    def story():
        cs = client(cloud, user)
        with pytest.raises(CloudStackApiException) as info:
            cs.deleteSSHKeyPair(name="missing")
        return info.value

    error = await asyncio.to_thread(story)
    assert error.error["errorcode"] == 431
    assert error.error["errortext"].startswith("A key pair with name 'missing' does not exist for account")
