"""The leaves every layer may use: settings, logging, ASGI middleware."""
