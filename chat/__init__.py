"""Live chat and WebRTC video: the /chat socket handlers, the agents' console, video calls
(signalling only: media goes peer to peer or through TURN, never through Loket) and the
transcripts in the record. A channel: it imports the floors and sms, never another channel."""
