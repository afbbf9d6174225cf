"""Fixtures for channel tests: the sopengine testing kit, local HTTP and SMTP servers, a test CA.

Everything listens on 127.0.0.1; nothing reaches outside the machine.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Iterator

import pytest
import trustme

# The kit's fixtures, also shipped to plugin authors through the ``pytest11`` entry point.
from sopengine.testing.pytest_plugin import (  # noqa: F401
    channel_context, channel_env, channel_now, channel_options, sample_action, sample_target,
)

from .servers import Mailbox, running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a virtualenv or runs pytest in a subprocess (seconds)")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return "127.0.0.1", 0


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PEM file of the CA that signed the test servers' certificate."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def server_tls(test_ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1", "mail.test").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def _starttls_server(server_tls: ssl.SSLContext) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with running(mailbox, server_tls, implicit=False) as controller:
        yield mailbox, controller.port


@pytest.fixture(scope="session")
def _ssl_server(server_tls: ssl.SSLContext) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with running(mailbox, server_tls, implicit=True) as controller:
        yield mailbox, controller.port


@pytest.fixture
def smtp_server(_starttls_server: tuple[Mailbox, int]) -> tuple[Mailbox, int]:
    """(mailbox, port) of an SMTP server requiring STARTTLS, with AUTH; the mailbox starts empty."""
    _starttls_server[0].received.clear()
    return _starttls_server


@pytest.fixture
def smtps_server(_ssl_server: tuple[Mailbox, int]) -> tuple[Mailbox, int]:
    """(mailbox, port) of an SMTP server speaking TLS from the first byte (port-465 style)."""
    _ssl_server[0].received.clear()
    return _ssl_server
