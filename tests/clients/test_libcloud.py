"""Apache Libcloud's CloudStack driver against cloudsim: key pairs (what exists today).

Libcloud signs with lower-cased, sorted names and leaves `[`, `]` and `~` unescaped; it reads
exactly `<command>response` and the object names CloudStack uses.
"""
import asyncio
import subprocess

import pytest
from libcloud.compute.providers import Provider, get_driver


@pytest.fixture
async def driver(cloud):
    user = await cloud.user("User")
    cls = get_driver(Provider.CLOUDSTACK)
    return cls(key=user.api_key, secret=user.secret, url=cloud.url, secure=False), user


async def test_key_pairs(driver, tmp_path):
    drv, user = driver
    created = await asyncio.to_thread(drv.create_key_pair, "libcloud-made")
    assert created.name == "libcloud-made"
    assert created.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert created.fingerprint.count(":") == 15

    key_file = tmp_path / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key_file)], check=True)
    imported = await asyncio.to_thread(drv.import_key_pair_from_string, "brought~[1]",
                                       (tmp_path / "id_rsa.pub").read_text())
    assert imported.name == "brought~[1]"

    listed = await asyncio.to_thread(drv.list_key_pairs)
    assert sorted(k.name for k in listed) == ["brought~[1]", "libcloud-made"]
    fetched = await asyncio.to_thread(drv.get_key_pair, "libcloud-made")
    assert fetched.fingerprint == created.fingerprint

    # Libcloud compares the result with the string "true"; CloudStack answers a JSON boolean, so
    # against a real server this returns False although the key is gone — the same here.
    await asyncio.to_thread(drv.delete_key_pair, fetched)
    remaining = (await user.ok("listSSHKeyPairs")).get("sshkeypair", [])
    assert [k["name"] for k in remaining] == ["brought~[1]"]


async def test_wrong_secret_is_invalid_credentials(cloud):
    from libcloud.common.types import InvalidCredsError
    drv = get_driver(Provider.CLOUDSTACK)(key=cloud.admin.api_key, secret="wrong", url=cloud.url, secure=False)
    with pytest.raises(InvalidCredsError):
        await asyncio.to_thread(drv.list_key_pairs)


async def test_locations_images_and_sizes_of_the_demo_zone(pg_dsn, template_dsn, tmp_path):
    from tests.conftest import fresh_database, start_cloud

    dsn = await fresh_database(pg_dsn)
    app, url, keys = await start_cloud(dsn, tmp_path, {("demo", "enabled"): True})
    try:
        drv = get_driver(Provider.CLOUDSTACK)(key=keys[0], secret=keys[1], url=url, secure=False)
        locations = await asyncio.to_thread(drv.list_locations)
        assert [loc.name for loc in locations] == ["Sandbox-simulator"]
        images = await asyncio.to_thread(drv.list_images, locations[0])
        assert [i.name for i in images] == ["CentOS 5.6 (64-bit) no GUI (Simulator)"]
        assert images[0].extra["hypervisor"] == "Simulator"
        sizes = {s.name: s for s in await asyncio.to_thread(drv.list_sizes)}
        assert sizes["Small Instance"].ram == 512 and sizes["Medium Instance"].ram == 1024
    finally:
        await app.stop()

