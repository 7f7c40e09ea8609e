"""Evaluation workflows: a codec's quality over a channel and SNR range, and the plots of it."""
