"""The live-session engine: services (no Socket.IO) and the thin event handlers."""
