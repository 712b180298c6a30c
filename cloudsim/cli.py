"""`cloudsim serve | keys | sign` (argparse)."""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import logging
import signal
import sys
from urllib.parse import quote

from . import config as config_mod

log = logging.getLogger("cloudsim")


def _config(args) -> config_mod.Config:
    cfg = config_mod.load(args.config)
    if getattr(args, "data_dir", None):
        cfg.set("server", "data_dir", args.data_dir)
    return cfg


def _banner(cfg, port: int, integration: int | None, fresh: bool, default_password: bool) -> str:
    host = cfg.get("server", "host")
    lines = [f"cloudsim is serving the CloudStack API on http://{host}:{port}/client/api"]
    if integration:
        lines.append(f"integration port (no authentication): http://{cfg.get('server', 'integration_host')}:"
                     f"{integration}/client/api")
    lines.append(f"admin API keys: cloudsim keys --data-dir {cfg.data_dir}")
    if fresh:
        lines.append("first start: created the ROOT domain and the admin account")
    if default_password:
        lines.append("WARNING: user 'admin' still has the default password 'password'; change it before "
                     "exposing this server")
    return "\n".join(lines)


async def _serve(args) -> int:
    from .app import App
    from .core import accounts

    cfg = _config(args)
    if args.host:
        cfg.set("server", "host", args.host)
    if args.port is not None:
        cfg.set("server", "port", args.port)
    if args.integration_port is not None:
        cfg.set("server", "integration_port", args.integration_port)
    if args.no_demo:
        cfg.set("demo", "enabled", False)
    logging.basicConfig(level=str(cfg.get("log", "level")).upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    app = App(cfg)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.start()
        port = await app.listen(str(cfg.get("server", "host")), int(cfg.get("server", "port")))
        integration = app.integration_port()
        if integration:
            integration = await app.listen(str(cfg.get("server", "integration_host")), integration, integration=True)
        print(_banner(cfg, port, integration, app.bootstrapped, await accounts.admin_password_unchanged(app.db)),
              flush=True)
        await stop.wait()
    finally:
        await app.stop()
    print("cloudsim stopped", flush=True)
    return 0


async def _keys(args) -> int:
    from .app import App
    from .core import accounts

    app = App(_config(args))
    try:
        await app.start_storage()
        keys = await accounts.keys_of(app.db, app.box, args.user, args.domain)
    finally:
        await app.stop()
    if keys is None:
        print(f"user {args.user} has no API keys", file=sys.stderr)
        return 1
    print(f"apikey={keys[0]}\nsecretkey={keys[1]}")
    return 0


async def _sign(args) -> int:
    from .api.signature import sign

    params: dict[str, str] = {}
    for item in args.params:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"expected key=value, got {item!r}", file=sys.stderr)
            return 2
        params[key] = value
    if "command" not in params:
        print("command=<name> is required", file=sys.stderr)
        return 2
    api_key, secret = args.apikey, args.secretkey
    if not (api_key and secret):
        from .app import App
        from .core import accounts
        app = App(_config(args))
        try:
            await app.start_storage()
            keys = await accounts.keys_of(app.db, app.box, args.user, "/")
        finally:
            await app.stop()
        if keys is None:
            print(f"user {args.user} has no API keys", file=sys.stderr)
            return 1
        api_key, secret = keys
    params.setdefault("response", "json")
    params["apiKey"] = api_key
    if args.expires is not None:
        when = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=args.expires)
        params["signatureVersion"] = "3"
        params["expires"] = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
    params["signature"] = sign(params, secret)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    print(f"{args.url}?{query}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cloudsim", description="A CloudStack-compatible management server.")
    sub = top.add_subparsers(dest="verb", required=True)

    def common(p):
        p.add_argument("--config", help="configuration file (INI); default: none, CLOUDSIM_CONFIG")
        p.add_argument("--data-dir", help="data directory (default ./.cloudsim or CLOUDSIM_DATA_DIR)")

    serve = sub.add_parser("serve", help="run the management server")
    common(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="API port (default 8080)")
    serve.add_argument("--integration-port", type=int,
                       help="unauthenticated integration port (default off)")
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo zone on first start")

    keys = sub.add_parser("keys", help="print a user's API key and secret key")
    common(keys)
    keys.add_argument("--user", default="admin")
    keys.add_argument("--domain", default="/", help="domain path of the user (default /)")

    signer = sub.add_parser("sign", help="print a signed URL for curl")
    common(signer)
    signer.add_argument("--url", default="http://127.0.0.1:8080/client/api")
    signer.add_argument("--user", default="admin")
    signer.add_argument("--apikey", help="sign with these keys instead of reading the data directory")
    signer.add_argument("--secretkey")
    signer.add_argument("--expires", type=int, help="seconds until the URL expires (signature version 3)")
    signer.add_argument("params", nargs="+", help="command=NAME and key=value parameters")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    runner = {"serve": _serve, "keys": _keys, "sign": _sign}[args.verb]
    try:
        return asyncio.run(runner(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
