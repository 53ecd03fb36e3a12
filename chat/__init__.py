"""Live chat from every public page, the agents' chat console, and (chat.video, chat.ice,
chat.signalling) WebRTC video over the same chat. Transcripts become interactions in the record.

A channel: it imports the floors (core, desk, office) and sms, never another channel.
"""
