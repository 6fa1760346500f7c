"""The training engine: turns a validated fit into a trained torch module, through skorch.

Layer 2 (above :mod:`skact.nn`, below :mod:`skact.estimators`). It knows skorch and torch,
not the estimators' parameters: an estimator hands it a :class:`~skact.engine.plan.FitPlan`.

- :mod:`~skact.engine.plan`: :class:`~skact.engine.plan.FitPlan`, what one fit needs.
- :mod:`~skact.engine.build`: builds the skorch net and its module for one fit.
- :mod:`~skact.engine.net`: the skorch net subclass and its loop (the one module that
  uses skorch's private parts).
- :mod:`~skact.engine.batches`: training data as tensors, served by slicing.
- :mod:`~skact.engine.training`: stopping rules, best-epoch monitoring, the hold-out.
- :mod:`~skact.engine.weights`: scikit-learn-shaped weights copied into the network.
- :mod:`~skact.engine.manual_backward`: the hand-written backward pass of plain MLPs.
- :mod:`~skact.engine.torch_internals`: every private part of torch skact uses (the
  optimizer-wrapper shortcuts, multi-tensor kernels), each with its public fallback.
- :mod:`~skact.engine.threads`, :mod:`~skact.engine.seeding`: torch threads and seeds.
- :mod:`~skact.engine.init_scaling`: data-dependent initialisation (LSUV).
- :mod:`~skact.engine.callbacks`, :mod:`~skact.engine.diagnostics`: skorch callbacks
  (progress, Optuna pruning, dead and saturated units).
- :mod:`~skact.engine.interrupt`: Ctrl-C and SIGTERM held through code that must finish
  (standard library only, so the command line can use it without torch).
"""
