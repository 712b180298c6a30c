"""SSH key pairs over HTTP: create, register, list, delete; what real SSH tools make of them;
who may see and delete whose key pair; the integration-port flow of the seed guide.
"""
from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import quote

import paramiko
import pytest
from lxml import etree


def ssh_keygen(*args: str) -> str:
    return subprocess.run(["ssh-keygen", *args], check=True, capture_output=True, text=True).stdout


def md5_fingerprint(pubfile: Path) -> str:
    """`ssh-keygen -E md5 -l` prints '2048 MD5:aa:bb:… comment (RSA)'; keep the hex part."""
    return ssh_keygen("-E", "md5", "-l", "-f", str(pubfile)).split()[1].removeprefix("MD5:")


def make_key(tmp_path: Path, kind: str, bits: str | None = None, comment: str = "someone@example") -> Path:
    target = tmp_path / f"id_{kind}_{bits or 'default'}"
    args = ["-q", "-t", kind, "-N", "", "-C", comment, "-f", str(target)]
    if bits:
        args[1:1] = ["-b", bits]
    ssh_keygen(*args)
    return target.with_suffix(".pub")


async def root_domain_id(cloud) -> str:
    domains = await cloud.admin.ok("listDomains", name="ROOT")
    return domains["domain"][0]["id"]


# ------------------------------------------------------------------------- createSSHKeyPair
async def test_create_returns_private_key_once(cloud, tmp_path):
    reply = await cloud.admin.call("createSSHKeyPair", name="mykey")
    assert reply.status == 200, reply
    assert reply.name == "createsshkeypairresponse"
    pair = reply["keypair"]
    assert list(pair)[:2] == ["privatekey", "id"]
    assert pair["name"] == "mykey"
    assert pair["account"] == "admin" and pair["domain"] == "ROOT"
    assert pair["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert pair["privatekey"].rstrip().endswith("-----END RSA PRIVATE KEY-----")

    listed = await cloud.admin.ok("listSSHKeyPairs", name="mykey")
    assert listed["count"] == 1
    assert "privatekey" not in listed["sshkeypair"][0]
    assert listed["sshkeypair"][0]["fingerprint"] == pair["fingerprint"]
    assert listed["sshkeypair"][0]["id"] == pair["id"]


async def test_created_key_works_with_ssh_tools(cloud, tmp_path):
    pair = (await cloud.admin.ok("createSSHKeyPair", name="tools"))["keypair"]
    private = tmp_path / "tools"
    private.write_text(pair["privatekey"])
    private.chmod(0o600)
    # ssh-keygen derives the public key from the private key and fingerprints it like CloudStack.
    (tmp_path / "tools.pub").write_text(ssh_keygen("-y", "-f", str(private)))
    assert md5_fingerprint(tmp_path / "tools.pub") == pair["fingerprint"]
    assert ssh_keygen("-l", "-f", str(tmp_path / "tools.pub")).startswith("2048 SHA256:")
    # paramiko (what Ansible and Fabric use to log in) loads the key as it is returned.
    key = paramiko.RSAKey.from_private_key(io.StringIO(pair["privatekey"]))
    assert key.get_bits() == 2048
    assert ":".join(f"{b:02x}" for b in key.get_fingerprint()) == pair["fingerprint"]


async def test_key_length_follows_the_setting(cloud):
    await cloud.admin.ok("updateConfiguration", name="ssh.key.length", value="3072")
    pair = (await cloud.admin.ok("createSSHKeyPair", name="long"))["keypair"]
    assert paramiko.RSAKey.from_private_key(io.StringIO(pair["privatekey"])).get_bits() == 3072


async def test_create_duplicate_name(cloud):
    await cloud.admin.ok("createSSHKeyPair", name="twice")
    reply = await cloud.admin.call("createSSHKeyPair", name="twice")
    assert reply.status == 431
    assert reply["cserrorcode"] == 4350
    assert reply["errortext"] == "A key pair with name 'twice' already exists."


async def test_create_needs_a_name(cloud):
    reply = await cloud.admin.call("createSSHKeyPair")
    assert reply.status == 431
    assert reply["errortext"] == "Unable to execute API command createsshkeypair due to missing parameter name"


async def test_create_xml(cloud):
    reply = await cloud.admin.call("createSSHKeyPair", name="xmlkey", response="xml")
    assert reply.status == 200
    assert reply.xml.tag == "createsshkeypairresponse"
    assert reply.xml.findtext("keypair/name") == "xmlkey"
    assert reply.xml.findtext("keypair/privatekey").startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert len(reply.xml.findtext("keypair/fingerprint").split(":")) == 16


# ------------------------------------------------------------------------- registerSSHKeyPair
@pytest.mark.parametrize("kind,bits", [("rsa", "2048"), ("ed25519", None), ("ecdsa", "256"), ("ecdsa", "384"),
                                       ("ecdsa", "521")])
async def test_register_ssh_keygen_keys(cloud, tmp_path, kind, bits):
    pub = make_key(tmp_path, kind, bits)
    reply = await cloud.admin.call("registerSSHKeyPair", method="POST", name=f"k-{kind}-{bits}",
                                   publickey=pub.read_text())
    assert reply.status == 200, reply
    assert reply.name == "registersshkeypairresponse"
    pair = reply["keypair"]
    assert "privatekey" not in pair
    assert pair["fingerprint"] == md5_fingerprint(pub)
    listed = await cloud.admin.ok("listSSHKeyPairs", fingerprint=pair["fingerprint"])
    assert [p["name"] for p in listed["sshkeypair"]] == [f"k-{kind}-{bits}"]


async def test_register_accepts_a_key_without_comment_and_base64_encoded(cloud, tmp_path):
    import base64
    pub = make_key(tmp_path, "ed25519")
    kind, blob, _comment = pub.read_text().split()
    first = await cloud.admin.ok("registerSSHKeyPair", name="nocomment", publickey=f"{kind} {blob}")
    assert first["keypair"]["fingerprint"] == md5_fingerprint(pub)
    other = make_key(tmp_path, "rsa", "2048")
    encoded = base64.b64encode(other.read_bytes()).decode()
    second = await cloud.admin.ok("registerSSHKeyPair", name="encoded", publickey=encoded)
    assert second["keypair"]["fingerprint"] == md5_fingerprint(other)


@pytest.mark.parametrize("garbage", ["not a key", "ssh-rsa", "ssh-rsa !!!notbase64!!!", "ssh-foo AAAAB3NzaC1yc2E=",
                                     "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7", "hello"])
async def test_register_rejects_garbage(cloud, garbage):
    reply = await cloud.admin.call("registerSSHKeyPair", name="bad", publickey=garbage)
    assert reply.status == 431
    assert reply["cserrorcode"] == 4350
    assert reply["errortext"] == "Public key is invalid"


async def test_register_duplicates(cloud, tmp_path):
    pub = make_key(tmp_path, "ed25519").read_text()
    await cloud.admin.ok("registerSSHKeyPair", name="mine", publickey=pub)
    same_name = await cloud.admin.call("registerSSHKeyPair", name="mine", publickey="garbage")
    assert same_name.status == 431
    assert same_name["errortext"] == "A key pair with name 'mine' already exists for this account."
    same_key = await cloud.admin.call("registerSSHKeyPair", method="POST", name="again", publickey=pub)
    assert same_key.status == 431
    assert same_key["errortext"] == f"A key pair with key '{pub}' already exists for this account."


async def test_register_records_events(cloud, tmp_path):
    pub = make_key(tmp_path, "ed25519").read_text()
    await cloud.admin.ok("registerSSHKeyPair", name="evented", publickey=pub)
    await cloud.admin.call("registerSSHKeyPair", name="evented", publickey=pub)
    events = (await cloud.admin.ok("listEvents", type="REGISTER.SSH.KEYPAIR"))["event"]
    seen = sorted((e["state"], e["level"], e["description"]) for e in events)
    assert seen == [("Completed", "ERROR", "Error while registering ssh keypair"),
                    ("Completed", "INFO", "Successfully completed registering ssh keypair"),
                    ("Started", "INFO", "Registering ssh keypair"), ("Started", "INFO", "Registering ssh keypair")]
    # Like CloudStack, generating or deleting a key pair records no event.
    await cloud.admin.ok("createSSHKeyPair", name="quiet")
    await cloud.admin.ok("deleteSSHKeyPair", name="quiet")
    everything = (await cloud.admin.ok("listEvents", listall="true", pagesize=-1)).get("event", [])
    assert {e["type"] for e in everything if "SSH" in e["type"]} == {"REGISTER.SSH.KEYPAIR"}


# ------------------------------------------------------------------------- listSSHKeyPairs
async def test_list_filters(cloud, tmp_path):
    a = (await cloud.admin.ok("createSSHKeyPair", name="alpha"))["keypair"]
    b = (await cloud.admin.ok("registerSSHKeyPair", name="beta",
                              publickey=make_key(tmp_path, "ed25519").read_text()))["keypair"]
    everything = await cloud.admin.ok("listSSHKeyPairs")
    assert everything["count"] == 2
    assert [p["name"] for p in everything["sshkeypair"]] == ["beta", "alpha"]    # newest first
    assert [p["name"] for p in (await cloud.admin.ok("listSSHKeyPairs", name="ALPHA"))["sshkeypair"]] == ["alpha"]
    assert [p["name"] for p in (await cloud.admin.ok("listSSHKeyPairs", id=b["id"]))["sshkeypair"]] == ["beta"]
    assert [p["name"] for p in (await cloud.admin.ok("listSSHKeyPairs", keyword="lph"))["sshkeypair"]] == ["alpha"]
    by_fp = await cloud.admin.ok("listSSHKeyPairs", keyword=a["fingerprint"][:8])
    assert "alpha" in [p["name"] for p in by_fp["sshkeypair"]]
    assert await cloud.admin.ok("listSSHKeyPairs", name="nothing") == {}
    page = await cloud.admin.ok("listSSHKeyPairs", page=2, pagesize=1)
    assert page["count"] == 2 and [p["name"] for p in page["sshkeypair"]] == ["alpha"]
    unknown = await cloud.admin.call("listSSHKeyPairs", id="8a0f6b8e-0000-4000-8000-000000000000")
    assert unknown.status == 431
    assert "Invalid parameter id value=8a0f6b8e-0000-4000-8000-000000000000" in unknown["errortext"]


# ------------------------------------------------------------------------- deleteSSHKeyPair
async def test_delete(cloud):
    await cloud.admin.ok("createSSHKeyPair", name="gone")
    assert await cloud.admin.ok("deleteSSHKeyPair", name="gone") == {"success": True}
    assert await cloud.admin.ok("listSSHKeyPairs", name="gone") == {}
    reply = await cloud.admin.call("deleteSSHKeyPair", name="gone")
    assert reply.status == 431
    assert reply["cserrorcode"] == 4350
    assert reply["errortext"] == "A key pair with name 'gone' does not exist for account admin in specified domain id"
    assert reply["uuidList"] == [{"uuid": await root_domain_id(cloud), "uuidProperty": "domainId"}]


async def test_delete_then_reuse_the_name(cloud):
    await cloud.admin.ok("createSSHKeyPair", name="again")
    await cloud.admin.ok("deleteSSHKeyPair", name="again")
    assert (await cloud.admin.ok("createSSHKeyPair", name="again"))["keypair"]["name"] == "again"


# ------------------------------------------------------------------------- account isolation
async def test_users_see_only_their_own_key_pairs(cloud):
    alice, bob = await cloud.user(), await cloud.user()
    await alice.ok("createSSHKeyPair", name="shared-name")
    await bob.ok("createSSHKeyPair", name="shared-name")        # names are per account
    mine = await alice.ok("listSSHKeyPairs")
    assert [(p["name"], p["account"]) for p in mine["sshkeypair"]] == [("shared-name", alice.account["name"])]
    assert (await alice.ok("listSSHKeyPairs", listall="true"))["count"] == 1
    everyone = await cloud.admin.ok("listSSHKeyPairs", listall="true")
    assert sorted(p["account"] for p in everyone["sshkeypair"]) == sorted([alice.account["name"],
                                                                            bob.account["name"]])
    assert await cloud.admin.ok("listSSHKeyPairs") == {}        # without listall: the admin's own


async def test_a_user_cannot_reach_another_accounts_key_pair(cloud):
    alice, bob = await cloud.user(), await cloud.user()
    pair = (await alice.ok("createSSHKeyPair", name="private"))["keypair"]
    assert await bob.ok("listSSHKeyPairs", id=pair["id"]) == {}
    listing = await bob.call("listSSHKeyPairs", account=alice.account["name"], domainid=pair["domainid"])
    assert listing.status == 531
    reply = await bob.call("deleteSSHKeyPair", name="private")
    assert reply.status == 431
    assert reply["errortext"] == (f"A key pair with name 'private' does not exist for account "
                                  f"{bob.account['name']} in specified domain id")
    denied = await bob.call("deleteSSHKeyPair", name="private", account=alice.account["name"],
                            domainid=pair["domainid"])
    assert denied.status == 531
    assert denied["cserrorcode"] == 4365
    assert denied["errortext"].startswith(f"Can't create/list resources for account {alice.account['name']}")
    created = await bob.call("createSSHKeyPair", name="forher", account=alice.account["name"],
                             domainid=pair["domainid"])
    assert created.status == 531
    assert (await alice.ok("listSSHKeyPairs"))["count"] == 1


async def test_an_admin_acts_for_an_account(cloud, tmp_path):
    alice = await cloud.user()
    owner = dict(account=alice.account["name"], domainid=alice.account["domainid"])
    made = (await cloud.admin.ok("createSSHKeyPair", name="given", **owner))["keypair"]
    assert made["account"] == alice.account["name"]
    await cloud.admin.ok("registerSSHKeyPair", name="registered", publickey=make_key(tmp_path, "ed25519").read_text(),
                         **owner)
    assert sorted(p["name"] for p in (await alice.ok("listSSHKeyPairs"))["sshkeypair"]) == ["given", "registered"]
    for_her = await cloud.admin.ok("listSSHKeyPairs", **owner)
    assert for_her["count"] == 2
    assert await cloud.admin.ok("deleteSSHKeyPair", name="given", **owner) == {"success": True}
    assert [p["name"] for p in (await alice.ok("listSSHKeyPairs"))["sshkeypair"]] == ["registered"]


async def test_owner_parameters_must_fit_together(cloud):
    alice = await cloud.user()
    no_domain = await cloud.admin.call("createSSHKeyPair", name="x", account=alice.account["name"])
    assert no_domain.status == 431
    assert no_domain["errortext"] == "Account must be specified with domainId parameter"
    nobody = await cloud.admin.call("createSSHKeyPair", name="x", account="nosuchaccount",
                                    domainid=alice.account["domainid"])
    assert nobody.status == 431
    assert nobody["errortext"] == "Unable to find account by name nosuchaccount in domain with specified id"
    delete_no_domain = await cloud.admin.call("deleteSSHKeyPair", name="x", account=alice.account["name"])
    assert delete_no_domain["errortext"] == "AccountName and domainId must be specified together"


async def test_a_domain_admin_acts_only_inside_its_domain(cloud):
    sub = (await cloud.admin.ok("createDomain", name="sub"))["domain"]
    dadmin = await cloud.user("DomainAdmin", domainid=sub["id"])
    inside = await cloud.user(domainid=sub["id"])
    outside = await cloud.user()
    await dadmin.ok("createSSHKeyPair", name="k", account=inside.account["name"], domainid=sub["id"])
    assert (await inside.ok("listSSHKeyPairs"))["count"] == 1
    reply = await dadmin.call("createSSHKeyPair", name="k", account=outside.account["name"],
                              domainid=outside.account["domainid"])
    assert reply.status == 531


# ------------------------------------------------------------------------- the seed guide's curl flow
@pytest.fixture
async def integration(cloud):
    port = await cloud.app.listen("127.0.0.1", 0, integration=True)
    return f"http://127.0.0.1:{port}/"


async def test_seed_curl_flow_on_the_integration_port(cloud, integration, tmp_path):
    domainid = await root_domain_id(cloud)
    url = f"{integration}?command=createSSHKeyPair&name=keypair-doc&account=admin&domainid={domainid}"
    async with cloud.http.get(url) as resp:
        assert resp.status == 200
        text = await resp.text()
    doc = etree.fromstring(text.encode())
    assert doc.tag == "createsshkeypairresponse"
    assert doc.findtext("keypair/name") == "keypair-doc"
    private = doc.findtext("keypair/privatekey")
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----")
    keyfile = tmp_path / "keypair-doc"
    keyfile.write_text(private)
    keyfile.chmod(0o600)
    (tmp_path / "keypair-doc.pub").write_text(ssh_keygen("-y", "-f", str(keyfile)))
    assert md5_fingerprint(tmp_path / "keypair-doc.pub") == doc.findtext("keypair/fingerprint")
    owned = await cloud.admin.ok("listSSHKeyPairs", name="keypair-doc")
    assert owned["sshkeypair"][0]["account"] == "admin"


async def test_integration_port_needs_an_owner(cloud, integration):
    async with cloud.http.get(f"{integration}?command=createSSHKeyPair&name=k&response=json") as resp:
        assert resp.status == 431
        body = await resp.json(content_type=None)
    assert body["createsshkeypairresponse"]["errortext"] == "Account and domainId are needed for resource creation"
    quoted = quote("keypair doc")
    async with cloud.http.get(f"{integration}?command=listSSHKeyPairs&name={quoted}&response=json") as resp:
        assert resp.status == 200
