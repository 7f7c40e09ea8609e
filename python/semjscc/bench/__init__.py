"""Benchmarks (``semjscc bench ...``): codec quality and speed, the radio link, the semantic methods, the report."""
