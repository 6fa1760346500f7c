"""The training engine: turns a validated fit into a trained torch module, through skorch.

Layer 2 (above :mod:`skact.nn`, below :mod:`skact.estimators`). It knows skorch and torch,
not the estimators' parameters: an estimator hands it a :class:`~skact.engine.plan.FitPlan`.

- :mod:`~skact.engine.build`: builds the skorch net and its module for one fit.
- :mod:`~skact.engine.net`: the skorch net subclass and its fast batch loop.
- :mod:`~skact.engine.training`: batches, epochs and best-epoch monitoring.
- :mod:`~skact.engine.manual_backward`, :mod:`~skact.engine.torch_internals`: the
  measured shortcuts around torch's autograd and optimizer wrappers.
- :mod:`~skact.engine.threads`, :mod:`~skact.engine.seeding`: torch threads and seeds.
- :mod:`~skact.engine.init_scaling`: data-dependent initialisation (LSUV).
- :mod:`~skact.engine.callbacks`, :mod:`~skact.engine.diagnostics`: skorch callbacks
  (progress, Optuna pruning, dead and saturated units).
- :mod:`~skact.engine.interrupt`: Ctrl-C and SIGTERM held through code that must finish
  (standard library only, so the command line can use it without torch).
"""
