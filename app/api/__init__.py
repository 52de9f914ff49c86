"""HTTP layer: schemas, dependencies, routes."""
