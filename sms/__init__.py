"""SMS and e-mail notices: one outbox, gateways (Twilio, SMTP, development), replies, consent.

Every outgoing message is a row written in the transaction of what caused it and sent after the
commit by a sender that claims rows safely; that is what makes "exactly once" hold through
crashes and second senders. This package knows no channel: `desk` is the floor it reads the
record from, and the channels above it hand it finished notices (`sms.notices`). The other way
round, a reply to a channel's notice reaches that channel through `sms.signals`.
"""
