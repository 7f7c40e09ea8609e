"""Running the link: the loopback flowgraph to completion, the demo, the shipped flowgraphs, ``semjscc info``."""
