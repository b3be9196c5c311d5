"""The project's own Janus configuration, rendered from the site's settings.

Debian's /etc/janus ships demo rooms and well-known secrets: none of it is used. The
templates in video/janus/ are filled with the secrets and ports of the settings, and the
folder gets links to the only two Janus modules the site needs (the VideoRoom plugin and
the HTTP transport), so nothing else can load.
"""

import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from django.conf import settings

TEMPLATES = Path(__file__).resolve().parent / "janus"
MODULES = {
    "plugins": "libjanus_videoroom.so",
    "transports": "libjanus_http.so",
}
LIBRARY_GLOBS = [
    "/usr/lib/*/janus",
    "/usr/lib/janus",
    "/usr/local/lib/janus",
    "/opt/janus/lib/janus",
]


class JanusNotInstalled(Exception):
    pass


@dataclass(frozen=True)
class Ports:
    http_ip: str
    http_port: int
    admin_port: int


def ports_for(server: int = 0) -> Ports:
    public = urlsplit(settings.JANUS_URL[server])
    admin = urlsplit(settings.JANUS_ADMIN_URL[server])
    return Ports(
        http_ip=settings.JANUS_HTTP_BIND,
        http_port=public.port or 80,
        admin_port=admin.port or 80,
    )


def janus_binary() -> str | None:
    return shutil.which("janus")


def library_folder() -> Path:
    """Where Janus's plugins and transports are installed (JANUS_LIB_DIR, else Debian's)."""
    candidates = [os.environ["JANUS_LIB_DIR"]] if os.environ.get("JANUS_LIB_DIR") else []
    for pattern in LIBRARY_GLOBS:
        candidates.extend(sorted(glob.glob(pattern)))
    for candidate in candidates:
        folder = Path(candidate)
        if all((folder / kind / name).exists() for kind, name in MODULES.items()):
            return folder
    raise JanusNotInstalled(
        "Janus's VideoRoom plugin and HTTP transport were not found: install Debian's "
        "`janus` package (or set JANUS_LIB_DIR)."
    )


def render(folder: Path, *, server: int = 0, ports: Ports | None = None, cors: str = "") -> Path:
    """Write a complete configuration folder for `janus -F folder`. Returns the folder."""
    ports = ports or ports_for(server)
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # the files hold the secrets
    library = library_folder()
    values = {
        "folder": str(folder),
        "debug_level": 3,
        "admin_secret": settings.JANUS_ADMIN_SECRET,
        "token_secret": settings.JANUS_TOKEN_SECRET,
        "admin_key": settings.JANUS_ADMIN_KEY,
        "rtp_port_range": settings.JANUS_RTP_PORT_RANGE,
        "http_ip": ports.http_ip,
        "http_port": ports.http_port,
        "admin_port": ports.admin_port,
        "cors": f'allow_origin = "{cors}"' if cors else "",
    }
    for template in TEMPLATES.glob("*.jcfg"):
        text = Template(template.read_text()).substitute(values)
        target = folder / template.name
        target.write_text(text)
        os.chmod(target, 0o600)
    for kind in ("plugins", "transports", "events", "loggers"):
        sub = folder / kind
        if sub.exists():
            shutil.rmtree(sub)
        sub.mkdir()
    for kind, name in MODULES.items():
        (folder / kind / name).symlink_to(library / kind / name)
    return folder
