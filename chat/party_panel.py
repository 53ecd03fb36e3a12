"""The chat's panel on every screen that shows a party (desk.panels): recent chats."""
