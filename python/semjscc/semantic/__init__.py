"""Semantic methods: task networks, semantic importance, task-oriented losses.

- :mod:`task_models`: CIFAR-10 classifiers (the receiver's task and an unseen one for evaluation);
- :mod:`importance`: importance weights = gradient of the task's class score w.r.t. its features
  (Sun, Guo, Yang, Chen, Tang, Liu);
- :mod:`losses`: the semantic-importance loss and the TOSC-SR rate-distortion loss (Liu, Tong, Yang,
  Sun, Guo), both pluggable into :class:`semjscc.train.trainer.Trainer`.
"""
