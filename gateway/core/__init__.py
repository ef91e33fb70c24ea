"""The core: settings, storage, the outbox, timers and the transport. It never imports flows/ or an entry point."""
