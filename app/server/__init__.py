"""What runs processes and sockets: the supervisor of worker processes and the graceful server."""
