"""What holds a live model: loading, service state, hot reload, the app's lifespan."""
