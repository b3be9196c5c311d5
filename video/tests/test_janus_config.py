"""The Janus configuration the project ships: nothing of Debian's defaults that matters."""

import shutil

import pytest

from video.janusconfig import render

pytestmark = pytest.mark.skipif(shutil.which("janus") is None, reason="Janus not installed")


def test_the_rendered_configuration_has_our_secrets_and_only_two_modules(tmp_path, settings):
    settings.JANUS_ADMIN_KEY = "our-admin-key"
    settings.JANUS_TOKEN_SECRET = "our-token-secret"
    settings.JANUS_ADMIN_SECRET = "our-admin-secret"
    folder = render(tmp_path / "janus")
    core = (folder / "janus.jcfg").read_text()
    videoroom = (folder / "janus.plugin.videoroom.jcfg").read_text()
    http = (folder / "janus.transport.http.jcfg").read_text()
    assert 'admin_secret = "our-admin-secret"' in core
    assert "token_auth = true" in core
    assert 'token_auth_secret = "our-token-secret"' in core
    assert 'rtp_port_range = "20000-20200"' in core
    assert "janusoverlord" not in core
    assert 'admin_key = "our-admin-key"' in videoroom
    assert "string_ids = true" in videoroom
    assert "room-1234" not in videoroom  # no demo rooms
    assert 'admin_ip = "127.0.0.1"' in http
    assert sorted(p.name for p in (folder / "plugins").iterdir()) == ["libjanus_videoroom.so"]
    assert sorted(p.name for p in (folder / "transports").iterdir()) == ["libjanus_http.so"]
    assert (folder / "janus.jcfg").stat().st_mode & 0o077 == 0
