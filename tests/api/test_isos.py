"""ISOs are really downloaded: progress, readiness, checksum and format checks, clean failures."""
import asyncio
import hashlib
import io

import pytest
from aiohttp import web

from tests.api.test_infra_zones import build


def make_iso(size_kb: int = 400) -> bytes:
    import pycdlib
    iso = pycdlib.PyCdlib()
    iso.new(joliet=3, vol_ident="CLOUDSIM")
    payload = b"cloudsim test payload\n" * (size_kb * 1024 // 22)
    iso.add_fp(io.BytesIO(payload), len(payload), "/README.TXT;1", joliet_path="/README.TXT")
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()


ISO = make_iso()


@pytest.fixture
async def files():
    """A local web server: the ISO, a slow ISO, a file that is not an ISO, and 404s."""
    gate = asyncio.Event()

    async def iso(_request):
        return web.Response(body=ISO)

    async def slow(request):
        resp = web.StreamResponse(headers={"Content-Length": str(len(ISO))})
        await resp.prepare(request)
        half = len(ISO) // 2
        await resp.write(ISO[:half])
        await gate.wait()               # hold the second half until the test has seen progress
        await resp.write(ISO[half:])
        await resp.write_eof()
        return resp

    async def text(_request):
        return web.Response(body=b"not an iso at all\n" * 4000)

    app = web.Application()
    app.router.add_get("/good.iso", iso)
    app.router.add_get("/slow.iso", slow)
    app.router.add_get("/notiso.iso", text)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", gate
    gate.set()
    await runner.cleanup()


async def wait_iso(api, iso_id, until, timeout=30):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        body = await api.ok("listIsos", id=iso_id, isofilter="self")
        iso = body["iso"][0]
        if until(iso):
            return iso
        assert loop.time() < deadline, iso
        await asyncio.sleep(0.1)


async def register(cloud, api, url, **extra):
    zone, _, _ = await build(cloud) if not hasattr(cloud, "_zone") else (cloud._zone, None, None)
    cloud._zone = zone
    ostype = (await api.ok("listOsTypes", description="Other (64-bit)"))["ostype"][0]["id"]
    body = await api.ok("registerIso", name=extra.pop("name", "disk"), displaytext="a disk", url=url,
                        zoneid=zone["id"], ostypeid=ostype, **extra)
    return body["iso"][0]


async def test_download_becomes_ready(cloud, files):
    base, _ = files
    user = await cloud.user()
    iso = await register(cloud, user, f"{base}/good.iso", checksum=hashlib.md5(ISO).hexdigest())
    assert iso["isready"] is False and iso["format"] == "ISO"
    ready = await wait_iso(user, iso["id"], lambda i: i["isready"])
    assert ready["status"] == "Download Complete" and ready["size"] == len(ISO)
    stored = list((cloud.app.config.data_dir / "secondary" / "iso").rglob("*"))
    assert [p.name for p in stored if p.is_file()] == ["good.iso"]
    # Ready ISOs are what executable filters list; other accounts do not see a private one.
    assert [i["id"] for i in (await user.ok("listIsos", isofilter="executable"))["iso"]] == [iso["id"]]
    other = await cloud.user()
    assert await other.ok("listIsos", isofilter="executable") == {}


async def test_progress_is_visible_while_downloading(cloud, files):
    base, gate = files
    user = await cloud.user()
    iso = await register(cloud, user, f"{base}/slow.iso", checksum="{SHA-256}" + hashlib.sha256(ISO).hexdigest())
    midway = await wait_iso(user, iso["id"], lambda i: i["status"].endswith("% Downloaded")
                            and i["status"] != "0% Downloaded")
    assert midway["isready"] is False and 0 < int(midway["status"].split("%")[0]) < 100
    assert await user.ok("listIsos", isofilter="executable") == {}
    gate.set()
    ready = await wait_iso(user, iso["id"], lambda i: i["isready"])
    assert ready["status"] == "Download Complete"


@pytest.mark.parametrize("path,checksum,words", [
    ("/missing.iso", None, "404"),
    ("/good.iso", "0" * 32, "checksum"),
    ("/notiso.iso", None, "ISO 9660"),
])
async def test_failed_downloads_leave_nothing(cloud, files, path, checksum, words):
    base, _ = files
    user = await cloud.user()
    extra = {"checksum": checksum} if checksum else {}
    iso = await register(cloud, user, base + path, **extra)
    failed = await wait_iso(user, iso["id"], lambda i: i["status"].startswith("Failed"))
    assert words in failed["status"] and failed["isready"] is False
    assert not [p for p in (cloud.app.config.data_dir / "secondary").rglob("*") if p.is_file()]


async def test_unreachable_url_and_bad_values(cloud, files):
    user = await cloud.user()
    iso = await register(cloud, user, "http://127.0.0.1:9/nothing.iso", name="nowhere")
    failed = await wait_iso(user, iso["id"], lambda i: i["status"].startswith("Failed"))
    assert "unable to reach" in failed["status"]
    zone = cloud._zone
    ostype = (await user.ok("listOsTypes", description="Other (64-bit)"))["ostype"][0]["id"]
    bad = await user.call("registerIso", name="x", displaytext="x", url="ftp://host/x.iso", zoneid=zone["id"],
                          ostypeid=ostype)
    assert bad.status == 431
    featured = await user.call("registerIso", name="y", displaytext="y", url="http://h/y.iso", zoneid=zone["id"],
                               ostypeid=ostype, isfeatured="true")
    assert featured.status == 531


async def test_update_and_delete(cloud, files):
    base, _ = files
    user = await cloud.user()
    iso = await register(cloud, user, f"{base}/good.iso")
    await wait_iso(user, iso["id"], lambda i: i["isready"])
    updated = await user.ok("updateIso", id=iso["id"], displaytext="renamed", bootable="false")
    assert updated["iso"]["displaytext"] == "renamed" and updated["iso"]["bootable"] is False
    other = await cloud.user()
    assert (await other.call("deleteIso", id=iso["id"])).status == 531
    job = await user.run("deleteIso", id=iso["id"])
    assert job["jobstatus"] == 1 and job["jobresult"]["success"] is True
    assert await user.ok("listIsos", isofilter="self") == {}
    assert not [p for p in (cloud.app.config.data_dir / "secondary").rglob("*") if p.is_file()]


async def test_copy_and_extract(cloud, files):
    base, _ = files
    user = await cloud.user()
    iso = await register(cloud, user, f"{base}/good.iso", isextractable="true")
    await wait_iso(user, iso["id"], lambda i: i["isready"])
    # A second zone to copy into.
    zone2 = (await cloud.admin.ok("createZone", name="z2", networktype="Basic", dns1="8.8.8.8",
                                  internaldns1="10.0.0.2"))["zone"]
    same = await user.call("copyIso", id=iso["id"], destzoneid=cloud._zone["id"])
    assert same.status == 431
    job = await user.run("copyIso", id=iso["id"], destzoneid=zone2["id"])
    assert job["jobstatus"] == 1 and job["jobresult"]["iso"]["zoneid"] == zone2["id"]
    listed = (await user.ok("listIsos", id=iso["id"], isofilter="self"))["iso"]
    assert sorted(i["zonename"] for i in listed) == ["z1", "z2"] and all(i["isready"] for i in listed)

    job = await user.run("extractIso", id=iso["id"], mode="HTTP_DOWNLOAD", zoneid=cloud._zone["id"])
    extract = job["jobresult"]["iso"]
    assert extract["state"] == "DOWNLOAD_URL_CREATED" and extract["extractMode"] == "HTTP_DOWNLOAD"
    async with cloud.http.get(extract["url"]) as resp:
        assert resp.status == 200 and await resp.read() == ISO
    cloud.app.clock.advance(14401)           # extract.url.expiration.interval
    async with cloud.http.get(extract["url"]) as resp:
        assert resp.status == 404
    assert (await user.call("extractIso", id=iso["id"], mode="FTP_UPLOAD")).status == 431


async def test_extract_refused_when_not_extractable_or_not_ready(cloud, files):
    base, gate = files
    user = await cloud.user()
    iso = await register(cloud, user, f"{base}/good.iso", name="keep")
    await wait_iso(user, iso["id"], lambda i: i["isready"])
    refused = await user.call("extractIso", id=iso["id"], mode="HTTP_DOWNLOAD")
    assert refused.status == 431 and "not allowed to be extracted" in refused["errortext"]
    slow = await register(cloud, user, f"{base}/slow.iso", name="slow", isextractable="true")
    pending = await user.call("extractIso", id=slow["id"], mode="HTTP_DOWNLOAD")
    assert pending.status == 431 and "not ready" in pending["errortext"]
    gate.set()


def _tls_files(tmp_path):
    """A private CA and a certificate it signs for 127.0.0.1, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloudsim test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "server.pem").write_bytes(cert.public_bytes(pem))
    (tmp_path / "server.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"


async def test_https_download_verifies_the_server(pg_dsn, template_dsn, tmp_path):
    import ssl

    import aiohttp

    from tests.conftest import Cloud, fresh_database, start_cloud
    ca, cert, key = _tls_files(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    web_app = web.Application()
    async def good(_request):
        return web.Response(body=ISO)

    web_app.router.add_get("/good.iso", good)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/good.iso"
    try:
        for trusted in (False, True):
            dsn = await fresh_database(pg_dsn)
            data = tmp_path / f"cloud-{trusted}"
            data.mkdir()
            overrides = {("security", "download_ca_file"): str(ca)} if trusted else {}
            app, api_url, keys = await start_cloud(dsn, data, overrides)
            try:
                async with aiohttp.ClientSession() as http:
                    cloud = Cloud(app, api_url, http, keys)
                    user = await cloud.user()
                    iso = await register(cloud, user, url, checksum="{SHA-256}" + hashlib.sha256(ISO).hexdigest())
                    if trusted:
                        done = await wait_iso(user, iso["id"], lambda i: i["isready"])
                        assert done["status"] == "Download Complete" and done["size"] == len(ISO)
                    else:
                        # A server whose certificate no trusted CA signed is refused, nothing kept.
                        failed = await wait_iso(user, iso["id"], lambda i: "Failed" in i.get("status", ""))
                        assert "certificate" in failed["status"] and failed["isready"] is False
                        assert not any(data.rglob("good.iso*"))
            finally:
                await app.stop()
    finally:
        await runner.cleanup()
