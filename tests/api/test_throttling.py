"""api.throttling.*: per-account call limits in a fixed window, root admins exempt."""
from cloudsim.core.throttle import ApiLimiter


async def throttle(cloud, max_calls: int, interval: int = 10):
    """Turn throttling on as an operator would: change the settings, then restart (settings are read at start)."""
    for name, value in (("api.throttling.enabled", "true"), ("api.throttling.max", str(max_calls)),
                        ("api.throttling.interval", str(interval))):
        await cloud.admin.ok("updateConfiguration", name=name, value=value)
    cloud.app.limiter = ApiLimiter.from_settings(cloud.app.clock, cloud.app.settings)


async def test_off_by_default(cloud):
    user = await cloud.user()
    for _ in range(30):
        assert (await user.call("listCapabilities")).status == 200
    reply = await user.call("getApiLimit")
    assert reply.status == 432
    assert reply["errortext"] == "This api is only available when api.throttling.enabled = true."


async def test_limit_per_account_window(cloud):
    await throttle(cloud, max_calls=3, interval=10)
    user = await cloud.user()
    first = await user.ok("getApiLimit")
    assert first["apilimit"]["apiIssued"] == 1 and first["apilimit"]["apiAllowed"] == 2
    assert first["apilimit"]["account"] == user.account["name"]
    assert (await user.call("listCapabilities")).status == 200
    assert (await user.call("listCapabilities")).status == 200
    refused = await user.call("listCapabilities")
    assert refused.status == 429 and refused.errorcode == 429
    assert refused.name == "listcapabilitiesresponse"
    assert refused["errortext"].startswith("The given user has reached his/her account api limit, please retry after [")
    # A wrong signature still counts and is refused as over the limit, before the signature is checked.
    user.secret = "wrong"
    assert (await user.call("listCapabilities")).status == 429
    # Another account has its own window; root admins are never limited.
    other = await cloud.user()
    assert (await other.call("listCapabilities")).status == 200
    for _ in range(5):
        assert (await cloud.admin.call("listCapabilities")).status == 200
    caps = await cloud.admin.ok("listCapabilities")
    assert caps["capability"]["apilimitmax"] == 3 and caps["capability"]["apilimitinterval"] == 10


async def test_window_expires_and_reset(cloud):
    await throttle(cloud, max_calls=1, interval=60)
    user = await cloud.user()
    assert (await user.call("listCapabilities")).status == 200
    assert (await user.call("listCapabilities")).status == 429
    cloud.app.clock.advance(61)
    assert (await user.call("listCapabilities")).status == 200
    assert (await user.call("listCapabilities")).status == 429
    denied = await user.call("resetApiLimit")
    assert denied.status in (429, 432)
    await cloud.admin.ok("resetApiLimit", account=user.account["id"])
    assert (await user.call("listCapabilities")).status == 200
