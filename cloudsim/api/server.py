"""The front door: /client/api on the API port and on the integration port.

Order of checks follows CloudStack's servlet (API-PROTOCOL.md 1.8): parameters, login/logout,
session, API key and signature, control characters, command lookup, role, parameter binding,
then the handler. Every CloudStackError raised below is rendered here, once.
"""
from __future__ import annotations

import datetime as _dt
import logging
import re
import secrets

from aiohttp import web

from .. import CLOUDSTACK_VERSION
from ..core import access
from ..core.crypto import check_password
from ..errors import (BAD_REQUEST, INSUFFICIENT_CAPACITY_ERROR, INTERNAL_ERROR, METHOD_NOT_ALLOWED,
                      RESOURCE_UNAVAILABLE_ERROR, UNSUPPORTED_ACTION_ERROR, CloudStackError, param_error)
from ..store import accounts as store
from . import params as P
from . import render, signature
from .context import CallContext
from .registry import COMMANDS, Command, allowed, bind
from .views import Fields

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1;mode=block",
    "Content-Security-Policy": "default-src=none;script-src=self;connect-src=self;img-src=self;style-src=self",
}
_READ_ONLY = re.compile(r"^(get|list|query|find)\w+$")
_POST_EXEMPT = {"isaccountallowedtocreateofferingswithtags", "readyforshutdown", "cloudianisenabled",
                "quotabalance", "quotasummary", "quotatarifflist", "quotaisenabled", "quotastatement",
                "verifyoauthcodeandgetuser"}
_MASKED = {INTERNAL_ERROR, INSUFFICIENT_CAPACITY_ERROR, RESOURCE_UNAVAILABLE_ERROR}
MASKED_TEXT = "Internal error executing command, please contact your system administrator"


def _header_safe(text: str) -> str:
    clean = text.replace("\r", " ").replace("\n", " ")
    return clean.encode("latin-1", "replace").decode("latin-1")


class Reply:
    """Everything needed to write one HTTP answer."""

    def __init__(self, name: str, body: dict, fmt: str, status: int = 200, version: str | None = None,
                 description: str | None = None):
        self.name, self.body, self.fmt, self.status = name, body, fmt, status
        self.version, self.description = version, description
        self.cookies: list[tuple] = []
        self.raw: bytes | None = None

    def response(self, extra_headers: dict | None = None, reason: str | None = None) -> web.Response:
        if self.raw is not None:
            payload, ctype = self.raw, (render.JSON_TYPE if self.fmt == "json" else render.XML_TYPE)
        else:
            payload, ctype = render.render(self.name, self.body, self.fmt, self.version)
        headers = dict(SECURITY_HEADERS)
        headers["Content-Type"] = ctype
        if self.description is not None:
            headers["X-Description"] = _header_safe(self.description)
        if extra_headers:
            headers.update(extra_headers)
        resp = web.Response(body=payload, status=self.status, headers=headers, reason=reason)
        for args, kwargs in self.cookies:
            resp.set_cookie(*args, **kwargs)
        return resp


class ApiServer:
    def __init__(self, app):
        self.app = app

    # ----------------------------------------------------------------- request parsing
    async def _params(self, request: web.Request) -> dict[str, str]:
        merged: dict[str, str] = {}
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            body = await request.post()
            for key in body.keys():
                if key not in merged:           # the first occurrence in a body wins
                    value = body.get(key)
                    merged[key] = value if isinstance(value, str) else ""
        merged.update(P.parse_query(request.query_string))   # the query string wins over the body
        return merged

    @staticmethod
    def _credential(params: dict[str, str], name: str) -> str | None:
        for key, value in params.items():
            if key.lower() == name:
                return value
        return None

    def _error_name(self, params: dict, command: str | None, code: int) -> str:
        if not params or code == UNSUPPORTED_ACTION_ERROR:
            return "errorresponse"
        if command is None:
            return "null"
        cmd = COMMANDS.get(command)
        return cmd.response_name if cmd else "errorresponse"

    def _error(self, err: CloudStackError, params: dict, command: str | None, fmt: str,
               caller: access.Caller | None = None, version: str | None = None) -> Reply:
        # Only errors born of an exception are masked; ones the API layer raises itself (9999) are not.
        if caller is not None and not caller.is_root_admin and err.code in _MASKED and err.cserrorcode != 9999:
            err = CloudStackError(err.code, MASKED_TEXT, err.cserrorcode)
        return Reply(self._error_name(params, command, err.code), render.error_body(err), fmt, err.code,
                     version, err.text)

    def _version_for(self, authenticated: bool) -> str | None:
        if authenticated and self.app.settings.get_cached("expose.cloudstack.version.api.xml.response"):
            return CLOUDSTACK_VERSION
        return None

    # ----------------------------------------------------------------- the API port
    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "POST", "HEAD"):
            return web.Response(status=405, text="<html><body><h2>HTTP ERROR 405 Method Not Allowed</h2>"
                                "</body></html>", content_type="text/html")
        params = await self._params(request)
        command = params.get("command")
        fmt = "json" if params.get("response", "").lower() == "json" else "xml"
        if command is not None and command.lower() in ("login", "logout"):
            reply = await (self._login(request, params, fmt) if command.lower() == "login"
                           else self._logout(request, params, fmt))
            return reply.response()
        caller = None
        try:
            caller = await self._session_caller(request, params)
            if caller is None:
                caller = await self._api_key_caller(request, params, command)
            reply = await self._execute(request, params, command, fmt, caller, request.method)
        except CloudStackError as err:
            authenticated = caller is not None and err.code != 401
            reply = self._error(err, params, command, fmt, caller, self._version_for(authenticated))
        return self._respond(reply, params, command, fmt, caller)

    def _respond(self, reply: Reply, params: dict, command: str | None, fmt: str, caller,
                 extra_headers: dict | None = None, reason: str | None = None) -> web.Response:
        """Render; a result that cannot be rendered is CloudStack's 530, not aiohttp's bare 500."""
        try:
            return reply.response(extra_headers, reason)
        except Exception:
            log.exception("rendering the answer to %s failed", command)
            err = CloudStackError(INTERNAL_ERROR, f"Internal error executing API command {command}", 4250)
            return self._error(err, params, command, fmt, caller, reply.version).response(extra_headers)

    async def _session_caller(self, request: web.Request, params: dict) -> access.Caller | None:
        cookie = request.cookies.get("JSESSIONID")
        if not cookie:
            return None
        session_id = cookie.split(".", 1)[0]
        session = await store.get_session(self.app.db, session_id)
        if session is None:
            return None                         # unknown session: treated as an API-key request
        now = self.app.clock.now()
        if (now - session["last_access"]).total_seconds() > session["timeout_s"]:
            await store.delete_session(self.app.db, session_id)
            return None
        failure = CloudStackError(401, "unable to verify user credentials", None)
        where = self.app.settings.get_cached("api.sessionkey.check.locations")
        in_param, in_cookie = params.get("sessionkey"), request.cookies.get("sessionkey")
        key = session["session_key"]
        present = [v for v in (in_param, in_cookie) if v is not None]
        if where == "CookieAndParameter":
            ok = in_param == key and in_cookie == key
        elif where == "ParameterOnly":
            ok = in_param == key and (in_cookie is None or in_cookie == key)
        else:
            ok = bool(present) and all(v == key for v in present)
        if not ok:
            await store.delete_session(self.app.db, session_id)
            raise failure
        row = await store.caller_by_user_id(self.app.db, session["user_id"])
        if row is None or row["user_state"] != "enabled" or row["account_state"] != "enabled":
            await store.delete_session(self.app.db, session_id)
            raise failure
        if (now - session["last_access"]).total_seconds() > 30:
            await store.touch_session(self.app.db, session_id, now)
        self._enforce_post(request, params)
        if not params.get("command"):
            raise CloudStackError(BAD_REQUEST, "no command specified", None)
        caller = access.Caller.of(row)
        self.app.limiter.check(caller.account_id, caller.is_root_admin)
        return caller

    def _enforce_post(self, request: web.Request, params: dict) -> None:
        if request.method == "POST" or not self.app.settings.get_cached("enforce.post.requests.and.timestamps"):
            return
        command = params.get("command") or ""
        low = command.lower()
        if _READ_ONLY.match(low) or low in _POST_EXEMPT:
            return
        if low == "updateconfiguration":
            if params.get("name") == "enforce.post.requests.and.timestamps":
                return
            raise CloudStackError(BAD_REQUEST, f"Changes for configuration {params.get('name')} needs to be "
                                  "sent using POST request", None)
        raise CloudStackError(BAD_REQUEST, f"State changing command {command} needs to be sent using POST request",
                              None)

    async def _api_key_caller(self, request: web.Request, params: dict, command: str | None) -> access.Caller:
        failure = CloudStackError(401, "unable to verify user credentials and/or request signature", None)
        self._enforce_post(request, params)
        if command is None or command not in COMMANDS:
            raise failure
        sig = self._credential(params, "signature")
        api_key = self._credential(params, "apikey")
        if not sig or not api_key:
            raise failure
        enforce = self.app.settings.get_cached("enforce.post.requests.and.timestamps")
        version = self._credential(params, "signatureversion")
        if version == "3":
            expires = P.parse_zoned_datetime(self._credential(params, "expires") or "")
            now = self.app.clock.now()
            if expires is None or expires < now:
                raise failure
            if enforce and expires > now + _dt.timedelta(minutes=15):
                raise failure
        elif enforce:
            raise failure
        row = await store.caller_by_api_key(self.app.db, api_key)
        if row is None or row["user_state"] != "enabled" or row["account_state"] != "enabled":
            raise failure
        caller = access.Caller.of(row)
        cmd = COMMANDS[command]
        if not allowed(cmd, caller.role_type):
            raise CloudStackError(UNSUPPORTED_ACTION_ERROR, f"The API [{command}] does not exist or is not "
                                  f"available for the account for user id [{caller.user_uuid}].")
        # The rate limit counts before the signature is checked, as CloudStack's API checkers do.
        self.app.limiter.check(caller.account_id, caller.is_root_admin)
        secret = self.app.box.open(row["secret_key"]) if row["secret_key"] else None
        if not secret or not signature.verify(params, secret, sig):
            raise failure
        return caller

    # ----------------------------------------------------------------- dispatch
    async def _execute(self, request: web.Request | None, params: dict, command: str | None, fmt: str,
                       caller: access.Caller, method: str, authenticated: bool = True) -> Reply:
        version = self._version_for(authenticated)
        try:
            normalised = P.normalise({k: v for k, v in params.items()})
            P.check_control_characters(normalised)
            if not command:
                raise CloudStackError(UNSUPPORTED_ACTION_ERROR, "Invalid request, no command sent")
            cmd = COMMANDS.get(command)
            if cmd is None or not cmd.authenticated:
                raise CloudStackError(UNSUPPORTED_ACTION_ERROR, f"Unknown API command: {command}")
            if not allowed(cmd, caller.role_type):
                raise CloudStackError(UNSUPPORTED_ACTION_ERROR, f"The API [{command}] does not exist or is not "
                                      f"available for the account for user id [{caller.user_uuid}].")
            ctx = CallContext(self.app, caller, cmd, method, authenticated)
            ctx.extra["request"] = request
            kwargs = await bind(ctx, cmd, normalised)
            if cmd.is_async:
                result = await self.app.jobs.submit(ctx, cmd, normalised, kwargs)
            else:
                result = await cmd.handler(ctx, **kwargs)
            return Reply(cmd.response_name, render.body_of(result), fmt, 200, version)
        except CloudStackError as err:
            return self._error(err, params, command, fmt, caller, version)
        except Exception:
            log.exception("command %s failed", command)
            err = CloudStackError(INTERNAL_ERROR, f"Internal error executing API command {command}", 4250)
            return self._error(err, params, command, fmt, caller, version)

    # ----------------------------------------------------------------- login / logout
    async def _login(self, request: web.Request, params: dict, fmt: str) -> Reply:
        if request.method != "POST":
            reply = Reply("loginresponse", {}, fmt, METHOD_NOT_ALLOWED)
            reply.raw = b"Please use HTTP POST to authenticate using this API"
            return reply
        lowered = {k.lower(): v for k, v in params.items()}
        username, password = lowered.get("username"), lowered.get("password")
        try:
            if not username or password is None:
                missing = "username" if not username else "password"
                raise param_error(f"Unable to execute API command login due to missing parameter {missing}")
            domain = await self._login_domain(lowered)
            row = await store.caller_by_login(self.app.db, username, domain["id"])
            if row is None or not check_password(password, row["password"]) \
                    or row["user_state"] != "enabled" or row["account_state"] != "enabled" or row["account_id"] == 1:
                raise CloudStackError(531, f"Failed to authenticate user {username} in domain {domain['id']}; "
                                      "please provide valid credentials", None)
        except CloudStackError as err:
            return Reply("loginresponse", render.error_body(err), fmt, err.code, None, err.text)
        old = request.cookies.get("JSESSIONID")
        if old:
            await store.delete_session(self.app.db, old.split(".", 1)[0])
        session_id = "node0" + secrets.token_hex(13)
        session_key = secrets.token_urlsafe(20)
        timeout = int(self.app.config.get("server", "session_timeout")) * 60
        await store.create_session(self.app.db, session_id, session_key, row["user_id"], timeout,
                                   self.app.clock.now())
        caller = access.Caller.of(row)
        body = Fields(username=row["username"], userid=str(row["user_uuid"]), domainid=str(row["domain_uuid"]),
                      timeout=timeout, account=row["account_name"], firstname=row["firstname"],
                      lastname=row["lastname"], type=str(row["account_type"]), registered="false",
                      sessionkey=session_key, is2faenabled="false", is2faverified="true", issuerfor2fa="CloudStack")
        if caller.is_root_admin:
            body["managementserverid"] = self.app.ms_uuid
        body = Fields({k: v for k, v in body.items() if v is not None})
        reply = Reply("loginresponse", body, fmt)
        reply.cookies.append((("JSESSIONID", session_id + ".node0"), {"path": "/client", "httponly": True}))
        samesite = self.app.settings.get_cached("api.sessionkey.cookie.samesite")
        cookie_args = {"httponly": True}
        if samesite == "NoneAndSecure":
            cookie_args.update(samesite="None", secure=True)
        elif samesite in ("Lax", "Strict"):
            cookie_args["samesite"] = samesite
        reply.cookies.append((("sessionkey", session_key), cookie_args))
        return reply

    async def _login_domain(self, lowered: dict):
        domain_id = lowered.get("domainid")
        if domain_id:
            key = int(domain_id) if domain_id.isdigit() else (domain_id if P.is_uuid(domain_id) else None)
            domain = await store.get_domain(self.app.db, key) if key is not None else None
            if domain is None:
                raise CloudStackError(401, "Invalid domain id entered, please enter a valid one", None)
            return domain
        path = lowered.get("domain") or "/"
        if not path.startswith("/"):
            path = "/" + path
        if not path.endswith("/"):
            path += "/"
        domain = await store.domain_by_path(self.app.db, path)
        if domain is None:
            raise CloudStackError(531, f"Unable to find the domain from the path {path}", None)
        return domain

    async def _logout(self, request: web.Request, params: dict, fmt: str) -> Reply:
        cookie = request.cookies.get("JSESSIONID")
        session = await store.get_session(self.app.db, cookie.split(".", 1)[0]) if cookie else None
        if session is None:
            err = param_error("Session not found for the logout process.")
            return Reply("logoutresponse", render.error_body(err), fmt, err.code, None, err.text)
        await store.delete_session(self.app.db, session["id"])
        reply = Reply("logoutresponse", {"description": "success"}, fmt)
        for name in request.cookies:
            reply.cookies.append(((name, ""), {"max_age": 0}))
        return reply

    # ----------------------------------------------------------------- the integration port
    async def handle_integration(self, request: web.Request) -> web.StreamResponse:
        """No authentication; SYSTEM runs every command; only the query string counts (2.7)."""
        params = P.parse_query(request.query_string, first_wins=True)
        fmt = "xml"
        for key in list(params):
            if key.lower() == "response":
                fmt = "json" if params.pop(key) == "json" else "xml"
        command = params.get("command")
        headers = {"Connection": "close", "Server": "HttpComponents/1.1"}
        if command is not None and command.lower() in ("login", "logout"):
            reply = Reply("error", {}, fmt)
            reply.raw = (b'{ "error" : { "description" : "Internal Server Error" } }' if fmt == "json"
                         else b"<error>Internal Server Error</error>")
            return reply.response(headers)
        reply = await self._execute(request, params, command, fmt, self.app.system_caller, request.method,
                                    authenticated=False)
        reason = None
        if reply.status != 200:
            reason = _header_safe(reply.description or "error")
        return self._respond(reply, params, command, fmt, self.app.system_caller, headers, reason)


def routes(app_state, integration: bool = False) -> web.Application:
    server = ApiServer(app_state)
    application = web.Application(client_max_size=1024 * 1024)
    handler = server.handle_integration if integration else server.handle
    if integration:
        application.router.add_route("*", "/{tail:.*}", handler)
    else:
        application.router.add_route("*", "/client/api", handler)
        application.router.add_route("*", "/client/api/{tail:.*}", handler)

        async def root(_request):
            raise web.HTTPMovedPermanently("/client")
        application.router.add_get("/", root)
        from ..commands.iso import serve_extract

        async def extract(request):
            return await serve_extract(app_state, request)
        application.router.add_get("/client/extract/{token}/{name}", extract)
    return application
