"""Training workflows: the codec trainer, the task-network trainer, promotion of a continuation."""
