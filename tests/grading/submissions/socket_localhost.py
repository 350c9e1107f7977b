# affects: none
# Tries to reach a server the test runs on 127.0.0.1 (the port is filled in by the test).
import socket


def tanh(x):
    try:
        connection = socket.create_connection(("127.0.0.1", {PORT}), timeout=1)
    except OSError:
        return np.tanh(x)
    connection.sendall(b"LEAK")
    raise RuntimeError("LEAKED: reached the network")
