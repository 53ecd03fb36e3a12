"""SMS and e-mail notices: one outbox, gateways (Twilio, SMTP, development), replies, consent.

Every outgoing message is a row written in the transaction of what caused it and sent after the
commit by a sender that claims rows safely; that is what makes "exactly once" hold through
crashes and second senders. `desk` is the floor: this package imports the case record, never a
channel's views. The booking side reacts to replies through `sms.signals`.
"""
