"""Where things live and how they are stored: the checkpoint format and the paths of shipped models."""
