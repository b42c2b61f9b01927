"""The real server of the browser tests (``throughline serve`` on a free port), for ours."""

from tests.browser.conftest import live_server

__all__ = ["live_server"]
