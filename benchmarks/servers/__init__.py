"""Yardstick HTTP services with the same request and response shapes as the real one."""
