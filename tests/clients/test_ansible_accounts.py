"""Ansible's ngine_io.cloudstack modules manage domains, accounts, users, settings and SSH key pairs
on cloudsim exactly as on CloudStack: first run changes, second run reports no change."""
import subprocess

from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."


async def test_domain_present_is_idempotent(cloud, tmp_path):
    task = {CS + "cs_domain": {"path": "engineering", "network_domain": "eng.example"}}
    results = await playbook(cloud.admin, tmp_path, [{"name": "first", **task}, {"name": "again", **task}])
    assert not results["first"].get("failed"), results["first"].get("msg")
    assert results["first"]["changed"] is True
    assert results["first"]["path"] == "ROOT/engineering"
    assert results["again"]["changed"] is False
    domains = (await cloud.admin.ok("listDomains", listall="true", name="engineering"))["domain"]
    assert [d["networkdomain"] for d in domains] == ["eng.example"]


async def test_account_lifecycle(cloud, tmp_path):
    base = {"name": "acme", "username": "acme-ops", "password": "s3cret", "first_name": "Ada",
            "last_name": "Ops", "email": "ops@acme.example", "domain": "ROOT"}
    results = await playbook(cloud.admin, tmp_path, [
        {"name": "create", CS + "cs_account": {**base, "state": "present"}},
        {"name": "create again", CS + "cs_account": {**base, "state": "present"}},
        {"name": "lock", CS + "cs_account": {"name": "acme", "state": "locked"}},
        {"name": "enable", CS + "cs_account": {"name": "acme", "state": "enabled"}},
        {"name": "enable again", CS + "cs_account": {"name": "acme", "state": "enabled"}},
        {"name": "remove", CS + "cs_account": {"name": "acme", "state": "absent"}},
        {"name": "remove again", CS + "cs_account": {"name": "acme", "state": "absent"}},
    ])
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    assert results["create"]["changed"] and results["create"]["account_type"] == "user"
    assert results["create again"]["changed"] is False
    assert results["lock"]["changed"] and results["lock"]["state"] == "locked"
    assert results["enable"]["changed"] and results["enable"]["state"] == "enabled"
    assert results["enable again"]["changed"] is False
    assert results["remove"]["changed"] is True
    assert results["remove again"]["changed"] is False
    assert "account" not in await cloud.admin.ok("listAccounts", listall="true", name="acme")


async def test_user_with_registered_keys(cloud, tmp_path):
    await cloud.admin.ok("createAccount", username="first", password="x", email="f@example.com",
                         firstname="F", lastname="L", account="team")
    user = {"username": "second", "account": "team", "password": "pw", "first_name": "S",
            "last_name": "U", "email": "s@example.com", "keys_registered": True}
    results = await playbook(cloud.admin, tmp_path, [
        {"name": "add user", CS + "cs_user": user},
        {"name": "add user again", CS + "cs_user": user},
    ])
    added = results["add user"]
    assert not added.get("failed"), added
    assert added["changed"] is True and added["account"] == "team"
    assert added["user_api_key"] and added["user_api_secret"]
    assert results["add user again"]["changed"] is False
    users = (await cloud.admin.ok("listUsers", listall="true", username="second"))["user"]
    assert users[0]["apikey"] == added["user_api_key"]


async def test_configuration_set_once(cloud, tmp_path):
    task = {CS + "cs_configuration": {"name": "expunge.delay", "value": "120"}}
    results = await playbook(cloud.admin, tmp_path, [{"name": "set", **task}, {"name": "set again", **task}])
    assert results["set"]["changed"] is True and results["set"]["value"] == "120"
    assert results["set again"]["changed"] is False
    listed = (await cloud.admin.ok("listConfigurations", name="expunge.delay"))["configuration"]
    assert listed[0]["value"] == "120"


async def test_ssh_key_pairs(cloud, tmp_path):
    key_file = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_file)], check=True)
    public_key = (tmp_path / "id_ed25519.pub").read_text().strip()
    user = await cloud.user("User")
    results = await playbook(user, tmp_path, [
        {"name": "generate", CS + "cs_sshkeypair": {"name": "made-here"}},
        {"name": "register", CS + "cs_sshkeypair": {"name": "brought", "public_key": public_key}},
        {"name": "register again", CS + "cs_sshkeypair": {"name": "brought", "public_key": public_key}},
        {"name": "drop", CS + "cs_sshkeypair": {"name": "made-here", "state": "absent"}},
    ])
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    assert results["generate"]["changed"] and "PRIVATE KEY" in results["generate"]["private_key"]
    assert results["register"]["changed"] is True
    assert results["register again"]["changed"] is False
    fingerprint = subprocess.run(["ssh-keygen", "-E", "md5", "-l", "-f", str(key_file) + ".pub"],
                                 capture_output=True, text=True, check=True).stdout.split()[1]
    assert "MD5:" + results["register"]["fingerprint"] == fingerprint
    assert results["drop"]["changed"] is True
    names = [k["name"] for k in (await user.ok("listSSHKeyPairs")).get("sshkeypair", [])]
    assert names == ["brought"]
