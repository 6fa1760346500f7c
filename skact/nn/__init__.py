"""Torch building blocks: the layers, networks and learning-rate schedules skact trains.

Layer 1 of skact (above :mod:`skact.activations`, below the training engine). Plain torch:
nothing here knows about skorch, scikit-learn or the estimators.

- :mod:`~skact.nn.layers`: input scaling, numeric embeddings, learnable activations.
- :mod:`~skact.nn.modules`: the MLP and CNN networks built from them.
- :mod:`~skact.nn.row_noise`: dropout masks and batch-norm statistics keyed on a row's
  content, so an integer ``sample_weight`` trains as repeated rows.
- :mod:`~skact.nn.schedules`: learning-rate schedules as functions of training progress.
"""
