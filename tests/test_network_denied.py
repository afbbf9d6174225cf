"""Tests run with outside network denied (pytest-socket); loopback stays open for local servers."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_outside_network_is_denied():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routed


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()
