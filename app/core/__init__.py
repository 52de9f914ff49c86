"""Settings, logging, middleware and service state."""
