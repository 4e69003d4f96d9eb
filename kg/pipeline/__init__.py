"""The one build: orchestration, the cache around the stages, rebuilds, the lock, the
manifest and the built store."""
