"""Downloading registered ISOs into secondary storage (DATA_DIR/secondary/iso/<id>/).

registerIso records the image as not yet downloaded in each zone. A singleton duty (one server
process at a time) starts a download task for every such image: the file is streamed with
aiohttp's client to a `.part` file while the percentage is written to the zone rows ("37%
Downloaded"), then checked (size limit, checksum, ISO 9660 signature) and renamed; the zone rows
become ready ("Download Complete"). Any failure leaves an error status and no file behind. If the
process dies, the next duty holder starts the unfinished downloads again from the beginning.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import ssl
from pathlib import Path

import aiohttp

from .. import services
from ..jobs.duties import duty

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
ISO9660_MAGIC_OFFSETS = (0x8001, 0x8801, 0x9001)   # "CD001" of the first volume descriptors
PROGRESS_EVERY = 0.5                                 # seconds between progress writes


class DownloadFailed(Exception):
    pass


def storage_dir(app, image_id: int) -> Path:
    return app.config.data_dir / "secondary" / "iso" / str(image_id)


def parse_checksum(text: str | None):
    """`{SHA-256}hex`, `{MD5}hex` or plain MD5 hex, as CloudStack accepts; None for no check."""
    if not text:
        return None
    text = text.strip()
    algo = "md5"
    if text.startswith("{") and "}" in text:
        algo, _, text = text[1:].partition("}")
        algo = algo.lower().replace("-", "")
    if algo not in hashlib.algorithms_available:
        raise ValueError(f"unsupported checksum algorithm {algo}")
    return algo, text.lower()


def is_iso9660(path: Path) -> bool:
    with path.open("rb") as fh:
        for offset in ISO9660_MAGIC_OFFSETS:
            fh.seek(offset)
            if fh.read(5) == b"CD001":
                return True
    return False


async def _set_status(app, image_id: int, status: str, state: str, pct: int, ready: bool = False) -> None:
    await app.db.execute(
        "UPDATE template_zone SET status = $2, download_state = $3, download_pct = $4, ready = $5 "
        "WHERE template_id = $1 AND removed IS NULL", image_id, status, state, pct, ready)


def _tls(app) -> ssl.SSLContext:
    """HTTPS downloads verify the server against the system's CAs plus `[security] download_ca_file`
    (a PEM bundle: the private CA of an internal image server, as one would add to CloudStack's SSVM)."""
    context = ssl.create_default_context()
    extra = str(app.config.get("security", "download_ca_file") or "")
    if extra:
        context.load_verify_locations(cafile=extra)
    return context


async def download(app, image_id: int) -> None:
    image = await app.db.fetchrow("SELECT * FROM vm_template WHERE id = $1", image_id)
    target_dir = storage_dir(app, image_id)
    name = image["url"].rstrip("/").rsplit("/", 1)[-1] or "image.iso"
    part = target_dir / (name + ".part")
    limit = int(float(await app.settings.get("max.template.iso.size")) * 1024 ** 3)
    try:
        checksum = parse_checksum(image["checksum"])
        digest = hashlib.new(checksum[0]) if checksum else None
        target_dir.mkdir(parents=True, exist_ok=True)
        await _set_status(app, image_id, "0% Downloaded", "DOWNLOAD_IN_PROGRESS", 0)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.get(image["url"], ssl=_tls(app)) as resp:
                if resp.status != 200:
                    raise DownloadFailed(f"HTTP Server returned {resp.status} (expected 200 OK) ")
                total = resp.content_length
                if total is not None and total > limit:
                    raise DownloadFailed(f"the file is {total} bytes, over the {limit}-byte limit "
                                         "(max.template.iso.size)")
                received, last = 0, 0.0
                loop = asyncio.get_running_loop()
                with part.open("wb") as out:
                    async for chunk in resp.content.iter_chunked(CHUNK):
                        received += len(chunk)
                        if received > limit:
                            raise DownloadFailed(f"the file is over the {limit}-byte limit (max.template.iso.size)")
                        out.write(chunk)
                        if digest:
                            digest.update(chunk)
                        if total and loop.time() - last >= PROGRESS_EVERY:
                            last = loop.time()
                            pct = min(99, received * 100 // total)
                            await _set_status(app, image_id, f"{pct}% Downloaded", "DOWNLOAD_IN_PROGRESS", pct)
        if digest and digest.hexdigest() != checksum[1]:
            raise DownloadFailed(f"checksum mismatch: expected {checksum[1]}, got {digest.hexdigest()}")
        if not is_iso9660(part):
            raise DownloadFailed("the file is not an ISO 9660 image")
        final = target_dir / name
        part.rename(final)
        await app.db.execute("UPDATE vm_template SET size = $2, physical_size = $2 WHERE id = $1", image_id, received)
        await _set_status(app, image_id, "Download Complete", "DOWNLOADED", 100, ready=True)
        log.info("ISO %s downloaded (%d bytes)", image["name"], received)
    except asyncio.CancelledError:
        shutil.rmtree(target_dir, ignore_errors=True)
        raise
    except (DownloadFailed, aiohttp.ClientError, ValueError, OSError, asyncio.TimeoutError) as err:
        shutil.rmtree(target_dir, ignore_errors=True)
        text = str(err) or type(err).__name__
        if isinstance(err, aiohttp.ClientConnectorCertificateError):
            text = f"the certificate of {image['url']} could not be verified: {err.certificate_error}"
        elif isinstance(err, aiohttp.ClientConnectionError):
            text = f"unable to reach {image['url']}: {err}"
        await _set_status(app, image_id, f"Failed to download the ISO: {text}", "DOWNLOAD_ERROR", 0)
        log.warning("ISO %s failed to download: %s", image["name"], text)


async def start_pending(app) -> int:
    """Duty body: start a task for every image waiting for (or interrupted in) its download."""
    tasks: dict[int, asyncio.Task] = app.__dict__.setdefault("_downloads", {})
    rows = await app.db.fetch(
        "SELECT DISTINCT t.id FROM vm_template t JOIN template_zone tz ON tz.template_id = t.id "
        "WHERE t.removed IS NULL AND tz.removed IS NULL AND t.format = 'ISO' "
        "AND tz.download_state IN ('NOT_DOWNLOADED', 'DOWNLOAD_IN_PROGRESS')")
    started = 0
    for row in rows:
        task = tasks.get(row["id"])
        if task is None or task.done():
            tasks[row["id"]] = asyncio.create_task(download(app, row["id"]), name=f"cloudsim-iso-{row['id']}")
            started += 1
    return started


async def cancel(app, image_id: int) -> None:
    task = app.__dict__.get("_downloads", {}).pop(image_id, None)
    if task is not None and not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    shutil.rmtree(storage_dir(app, image_id), ignore_errors=True)


def kick(app) -> None:
    """Start pending downloads now if this process holds the duty (else its holder will, within seconds)."""
    duties = getattr(app, "duties", None)
    if duties is not None and "image.download" in duties.by_name:
        duties.by_name["image.download"].kick()


duty("image.download", 2.0, start_pending)


class _Downloads:
    """Stops this process's download tasks when the server stops; the next start resumes them."""

    def __init__(self, app):
        self.app = app

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        tasks = self.app.__dict__.get("_downloads", {})
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        tasks.clear()


@services.service(services.DUTIES + 1)
def _downloads(app):
    return _Downloads(app)
