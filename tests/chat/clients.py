"""Real python-socketio clients of the /chat namespace, for the tests and their fixtures."""

import queue

from tests.realtime.sockets import Client, session_cookie

EVENTS = (
    "chat_started",
    "chat_queue",
    "chat_waiting",
    "chat_taken",
    "chat_transferred",
    "chat_ended",
    "message",
    "typing",
    "read",
    "signal",
)


class ChatClient:
    """One socket on /chat that queues what it receives, per event."""

    def __init__(self, url, *, auth=None, headers=None):
        self.client = Client()
        self.queues = {name: queue.Queue() for name in EVENTS}
        for name in EVENTS:
            self.client.on(name, self.queues[name].put, namespace="/chat")
        self.client.connect(
            url,
            namespaces=["/chat"],
            auth=auth,
            headers=headers or {},
            transports=["websocket"],
            wait_timeout=10,
        )

    def next(self, event, timeout=10):
        return self.queues[event].get(timeout=timeout)

    def drain(self, event, wait=0.3) -> list:
        found = []
        while True:
            try:
                found.append(self.queues[event].get(timeout=wait))
            except queue.Empty:
                return found

    def call(self, event, data=None):
        return self.client.call(event, data, namespace="/chat", timeout=10)

    def close(self):
        self.client.disconnect()


def citizen(url, name="Ann Peeters", **auth) -> tuple[ChatClient, dict]:
    client = ChatClient(url, auth={"name": name, **auth})
    return client, client.next("chat_started")


def agent(server, staff) -> ChatClient:
    return ChatClient(server.url, headers={"Cookie": session_cookie(server.app, staff)})
