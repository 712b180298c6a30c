"""Session authentication (API-PROTOCOL.md 2.6): login over POST, cookies plus the sessionkey
parameter, idle timeout on the injectable clock, logout.
"""
from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

CREDENTIALS = "unable to verify user credentials"


class Session:
    """What a browser (or cmk) keeps after logging in."""

    def __init__(self, reply):
        self.reply = reply
        self.cookies = SimpleCookie()
        for header in reply.headers.getall("Set-Cookie", []):
            self.cookies.load(header)
        self.jsessionid = self.cookies["JSESSIONID"].value
        self.sessionkey = self.cookies["sessionkey"].value

    def jar(self, **override):
        jar = {"JSESSIONID": self.jsessionid, "sessionkey": self.sessionkey}
        jar.update(override)
        return {k: v for k, v in jar.items() if v is not None}


async def login(cloud, username="admin", password="password", fmt="json", **extra):
    params = {"command": "login", "username": username, "password": password, "response": fmt, **extra}
    return await cloud.anonymous.raw(params, "POST")


async def session_of(cloud, **kwargs) -> Session:
    reply = await login(cloud, **kwargs)
    assert reply.status == 200, reply
    return Session(reply)


async def session_call(cloud, session: Session, command: str, method="GET", cookies=None, key="same", **params):
    params = {"command": command, "response": "json", **params}
    if key == "same":
        params["sessionkey"] = session.sessionkey
    elif key is not None:
        params["sessionkey"] = key
    return await cloud.anonymous.raw(params, method, cookies=session.jar() if cookies is None else cookies)


# ------------------------------------------------------------------------- login
async def test_login_must_be_post(cloud):
    for fmt, ctype in (("json", "application/json"), ("xml", "text/xml")):
        reply = await cloud.anonymous.raw({"command": "login", "username": "admin", "password": "password",
                                           "response": fmt})
        assert reply.status == 405
        assert reply.text == "Please use HTTP POST to authenticate using this API"
        assert reply.headers["Content-Type"].startswith(ctype)


async def test_login_success_body_and_cookies(cloud):
    reply = await login(cloud)
    assert reply.status == 200
    assert reply.name == "loginresponse"
    body = reply.body
    assert body["username"] == "admin"
    assert body["account"] == "admin"
    assert body["type"] == "1"                       # a string, not a number
    assert body["timeout"] == 1800                   # a number
    assert body["registered"] == "false"
    assert body["is2faenabled"] == "false" and body["is2faverified"] == "true"
    assert body["issuerfor2fa"] == "CloudStack"
    assert body["firstname"] == "Admin" and body["lastname"] == "User"
    assert len(body["userid"]) == 36 and len(body["domainid"]) == 36
    assert len(body["managementserverid"]) == 36     # root admins only
    assert len(body["sessionkey"]) == 27
    session = Session(reply)
    assert session.sessionkey == body["sessionkey"]
    assert session.jsessionid.startswith("node0")
    assert session.cookies["JSESSIONID"]["path"] == "/client"
    assert session.cookies["sessionkey"]["httponly"]
    assert session.cookies["sessionkey"]["samesite"] == "Lax"


async def test_login_of_a_user_has_no_management_server_id(cloud):
    user = await cloud.user()
    reply = await login(cloud, user.account["user"][0]["username"], "secret")
    assert reply.status == 200
    assert reply["type"] == "0"
    assert "managementserverid" not in reply.body


async def test_login_in_a_subdomain_by_path_and_by_id(cloud):
    domain = (await cloud.admin.ok("createDomain", name="eng"))["domain"]
    user = await cloud.user(domainid=domain["id"])
    username = user.account["user"][0]["username"]
    for extra in ({"domain": "/eng"}, {"domain": "eng/"}, {"domainid": domain["id"]}, {"domainId": domain["id"]}):
        reply = await login(cloud, username, "secret", **extra)
        assert reply.status == 200, (extra, reply)
    reply = await login(cloud, username, "secret")
    assert reply.status == 531


async def test_login_failures(cloud):
    reply = await login(cloud, password="wrong")
    assert reply.status == 531
    assert reply.name == "loginresponse"
    assert reply.body == {"uuidList": [], "errorcode": 531, "errortext":
                          "Failed to authenticate user admin in domain 1; please provide valid credentials"}
    assert reply.headers["X-Description"] == reply["errortext"]
    assert "Set-Cookie" not in reply.headers
    assert (await login(cloud, username="nobody")).status == 531
    reply = await login(cloud, domain="/nosuch")
    assert reply.status == 531
    assert reply["errortext"] == "Unable to find the domain from the path /nosuch/"
    reply = await login(cloud, domainid="not-a-domain")
    assert reply.status == 401
    assert reply["errortext"] == "Invalid domain id entered, please enter a valid one"


async def test_login_failure_in_xml(cloud):
    reply = await login(cloud, password="wrong", fmt="xml")
    assert reply.status == 531
    assert reply.xml.tag == "loginresponse"
    assert reply.xml.get("cloud-stack-version") is None
    assert reply.xml.findtext("errorcode") == "531"


async def test_login_command_name_is_case_insensitive(cloud):
    reply = await cloud.anonymous.raw({"command": "LOGIN", "username": "admin", "password": "password",
                                       "response": "json"}, "POST")
    assert reply.status == 200


async def test_disabled_user_cannot_log_in(cloud):
    user = await cloud.user()
    await cloud.app.db.execute("UPDATE users SET state = 'disabled' WHERE uuid = $1::uuid",
                               user.account["user"][0]["id"])
    assert (await login(cloud, user.account["user"][0]["username"], "secret")).status == 531


# ------------------------------------------------------------------------- calls in a session
async def test_session_call_needs_cookie_and_parameter(cloud):
    session = await session_of(cloud)
    reply = await session_call(cloud, session, "listAccounts")
    assert reply.status == 200, reply
    assert reply["account"][0]["name"] == "admin"
    xml = await session_call(cloud, session, "listAccounts", response="xml")
    assert xml.xml.get("cloud-stack-version") == "4.20.1.0"
    # CookieAndParameter (the default): the parameter alone is not enough …
    reply = await session_call(cloud, session, "listAccounts", cookies=session.jar(sessionkey=None))
    assert reply.status == 401
    assert reply.body == {"uuidList": [], "errorcode": 401, "errortext": CREDENTIALS}
    # … and a failed check ends the session
    assert (await session_call(cloud, session, "listAccounts")).status == 401


async def test_session_call_without_the_parameter_is_refused(cloud):
    session = await session_of(cloud)
    reply = await session_call(cloud, session, "listAccounts", key=None)
    assert reply.status == 401
    assert reply["errortext"] == CREDENTIALS


async def test_session_call_with_a_wrong_key_is_refused(cloud):
    session = await session_of(cloud)
    reply = await session_call(cloud, session, "listAccounts", key="forged")
    assert reply.status == 401
    assert reply["errortext"] == CREDENTIALS


@pytest.mark.parametrize("where, cookie, param, ok", [
    ("CookieOrParameter", True, False, True), ("CookieOrParameter", False, True, True),
    ("CookieOrParameter", False, False, False), ("ParameterOnly", True, False, False),
    ("ParameterOnly", False, True, True), ("CookieAndParameter", True, True, True),
])
async def test_sessionkey_check_locations(cloud, where, cookie, param, ok):
    await cloud.admin.ok("updateConfiguration", name="api.sessionkey.check.locations", value=where)
    session = await session_of(cloud)
    cookies = session.jar() if cookie else session.jar(sessionkey=None)
    reply = await session_call(cloud, session, "listCapabilities", cookies=cookies, key="same" if param else None)
    assert (reply.status == 200) is ok, reply


async def test_session_over_post(cloud):
    session = await session_of(cloud)
    reply = await session_call(cloud, session, "createDomain", "POST", name="frompost")
    assert reply.status == 200, reply
    assert reply["domain"]["name"] == "frompost"


async def test_session_wins_over_a_signature(cloud):
    session = await session_of(cloud)
    params = cloud.admin.signed("listCapabilities", {"signature": "garbage", "sessionkey": session.sessionkey})
    reply = await cloud.anonymous.raw(params, cookies=session.jar())
    assert reply.status == 200


async def test_unknown_session_cookie_falls_back_to_the_signature(cloud):
    params = cloud.admin.signed("listCapabilities", {})
    reply = await cloud.anonymous.raw(params, cookies={"JSESSIONID": "node0unknown.node0"})
    assert reply.status == 200


async def test_unknown_command_in_a_session_is_432(cloud):
    session = await session_of(cloud)
    reply = await session_call(cloud, session, "listZonez")
    assert reply.status == 432
    assert reply.name == "errorresponse"
    assert reply.body == {"uuidList": [], "errorcode": 432, "cserrorcode": 9999,
                          "errortext": "Unknown API command: listZonez"}


async def test_session_without_command_is_400(cloud):
    session = await session_of(cloud)
    reply = await cloud.anonymous.raw({"response": "json", "sessionkey": session.sessionkey},
                                      cookies=session.jar())
    assert reply.status == 400
    assert reply.name == "null"
    assert reply.body == {"uuidList": [], "errorcode": 400, "errortext": "no command specified"}


async def test_user_session_gets_role_denials(cloud):
    user = await cloud.user()
    session = await session_of(cloud, username=user.account["user"][0]["username"], password="secret")
    reply = await session_call(cloud, session, "createDomain", name="nope")
    assert reply.status == 432
    assert reply["errortext"] == (f"The API [createDomain] does not exist or is not available for the account for "
                                  f"user id [{user.account['user'][0]['id']}].")


async def test_disabling_the_user_ends_its_sessions(cloud):
    user = await cloud.user()
    session = await session_of(cloud, username=user.account["user"][0]["username"], password="secret")
    assert (await session_call(cloud, session, "listCapabilities")).status == 200
    await cloud.app.db.execute("UPDATE users SET state = 'disabled' WHERE uuid = $1::uuid",
                               user.account["user"][0]["id"])
    reply = await session_call(cloud, session, "listCapabilities")
    assert reply.status == 401
    assert reply["errortext"] == CREDENTIALS


# ------------------------------------------------------------------------- idle timeout
async def test_idle_session_expires(cloud):
    session = await session_of(cloud)
    cloud.app.clock.advance(31 * 60)
    reply = await session_call(cloud, session, "listCapabilities")
    # the session is gone, so the request is judged as an (unsigned) API-key request
    assert reply.status == 401
    assert reply["errortext"] == "unable to verify user credentials and/or request signature"


async def test_activity_keeps_a_session_alive(cloud):
    session = await session_of(cloud)
    for _ in range(4):
        cloud.app.clock.advance(20 * 60)
        reply = await session_call(cloud, session, "listCapabilities")
        assert reply.status == 200, reply


async def test_session_timeout_follows_configuration(cloud):
    reply = await login(cloud)
    assert reply["timeout"] == 1800


# ------------------------------------------------------------------------- logout
async def test_logout_ends_the_session(cloud):
    session = await session_of(cloud)
    reply = await cloud.anonymous.raw({"command": "logout", "response": "json"}, cookies=session.jar())
    assert reply.status == 200
    assert reply.body == {"description": "success"}
    cleared = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie", []):
        cleared.load(header)
    assert cleared["JSESSIONID"].value == "" and cleared["JSESSIONID"]["max-age"] == "0"
    assert cleared["sessionkey"].value == "" and cleared["sessionkey"]["max-age"] == "0"
    reply = await session_call(cloud, session, "listCapabilities")
    assert reply.status == 401


async def test_logout_without_a_session_is_431(cloud):
    reply = await cloud.anonymous.raw({"command": "logout", "response": "json"})
    assert reply.status == 431
    assert reply.name == "logoutresponse"
    assert reply.body == {"uuidList": [], "errorcode": 431, "cserrorcode": 9999,
                          "errortext": "Session not found for the logout process."}
    reply = await cloud.anonymous.raw({"command": "logout", "response": "json"},
                                      cookies={"JSESSIONID": "node0gone.node0"})
    assert reply.status == 431


async def test_logout_in_xml(cloud):
    session = await session_of(cloud)
    reply = await cloud.anonymous.raw({"command": "logout"}, "POST", cookies=session.jar())
    assert reply.status == 200
    assert reply.xml.tag == "logoutresponse"
    assert reply.xml.findtext("description") == "success"
