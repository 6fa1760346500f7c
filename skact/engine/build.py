"""An estimator's parameters as a skorch net, a torch optimizer and a convergence monitor.

Internal; imported inside ``fit`` (it imports torch and skorch). It builds the
net for a first fit and, on a warm start, points the existing net and monitor
at the current parameter values. ``skact.estimators.base.BaseNeuralNet`` decides which,
and keeps the results.
"""

from __future__ import annotations

import functools

import torch

from skact.engine.net import PerSampleLoss, SkactNet
from skact.engine.torch_internals import optimizers_built_without_dynamo
from skact.engine.training import ConvergenceMonitor
from skact.engine.weights import linear_layers, load_assigned_weights
from skact.nn.modules import init_weights

__all__ = ["make_monitor", "make_net", "optimizer_args", "refresh_training_params",
           "set_weight_decay"]


def make_net(estimator, plan, X, n_outputs, dtype, device, reuse_assigned=False,
             output_bias=None):
    """A new, initialised net around the module the estimator's architecture builds.

    ``reuse_assigned``: start from ``coefs_``/``intercepts_`` assigned before the first
    fit (scikit-learn's partial_fit and warm_start do); see ``skact.estimators.sklearn_compat``.
    ``output_bias``: the output layer's starting biases (the task's
    ``_initial_output_bias``), or None for zeros.
    """
    module = estimator._build_module(
        tuple(X.shape[1:]), n_outputs, plan.make_activation, plan, X
    )
    scheme = plan.init
    # "data": an activation outside the registry (see skact.engine.init_scaling)
    init_weights(module, "kaiming" if scheme == "data" else scheme, plan.activation_label)
    module = module.to(dtype=dtype)
    if scheme == "data":
        from skact.engine.init_scaling import scale_to_data

        scale_to_data(module, X)
    if output_bias is not None:
        with torch.no_grad():
            linear_layers(module)[-1].bias.copy_(torch.as_tensor(output_bias, dtype=dtype))
    load_assigned_weights(estimator, module, reuse_assigned)

    args = optimizer_args(estimator, device)
    net = SkactNet(
        module,
        criterion=PerSampleLoss(estimator._loss_kind,
                                getattr(estimator, "label_smoothing", 0.0)),
        optimizer=args.pop("optimizer"),
        lr=args.pop("lr"),
        alpha=estimator.alpha,
        train_split=None,
        device=device,
        verbose=0,
        **{f"optimizer__{k}": v for k, v in args.items()},
    )
    return net.initialize()


def optimizer_args(estimator, device="cpu"):
    """scikit-learn's solver parameters as a torch optimizer class and its arguments.

    ``weight_decay`` > 0 (or 'auto') makes adam decoupled (torch's AdamW: the weights
    shrink by ``lr * weight_decay`` each step, apart from the gradient's moments); for sgd
    it is torch's weight decay, which plain SGD cannot tell apart from an L2 penalty.
    """
    decay = estimator.weight_decay
    if decay == "auto":  # set per fit, once the batches are known (set_weight_decay)
        decay = AUTO_WEIGHT_DECAY_PER_EPOCH
    if estimator.solver == "adam":
        optimizer = torch.optim.AdamW if decay else torch.optim.Adam
        extra = {"weight_decay": decay} if decay else {}
        if _fused_adam_works(str(device)):
            extra["fused"] = True
        return {"optimizer": optimizer, "lr": estimator.learning_rate_init,
                "betas": (estimator.beta_1, estimator.beta_2), "eps": estimator.epsilon,
                **extra}
    if estimator.solver == "sgd":
        nesterov = bool(estimator.nesterovs_momentum and estimator.momentum > 0)
        extra = {"weight_decay": decay} if decay else {}
        return {"optimizer": torch.optim.SGD, "lr": estimator.learning_rate_init,
                "momentum": estimator.momentum, "nesterov": nesterov, **extra}
    return {"optimizer": torch.optim.LBFGS, "lr": 1.0, "max_iter": estimator.max_iter,
            "max_eval": estimator.max_fun, "tolerance_grad": estimator.tol,
            "tolerance_change": 1e-9, "history_size": 10,
            "line_search_fn": "strong_wolfe"}


# weight_decay='auto': the weights shrink by lr * 4 per epoch, whatever the number of batches,
# so a few hundred noisy rows are pulled towards simple functions and many thousands (many
# steps an epoch) hardly at all; a fixed decay per step would punish large data sets. The
# measurements are in benchmarks/README.md ("Recipe choices").
AUTO_WEIGHT_DECAY_PER_EPOCH = 4.0


def set_weight_decay(estimator, n_batches):
    """Set the optimizer's per-step ``weight_decay`` for a fit of ``n_batches`` per epoch."""
    decay = estimator.weight_decay
    if decay == "auto":
        decay = AUTO_WEIGHT_DECAY_PER_EPOCH / max(int(n_batches), 1)
    for group in estimator.net_.optimizer_.param_groups:
        group["weight_decay"] = decay


@functools.cache
def _fused_adam_works(device):
    """Whether torch's fused Adam runs on ``device``: one kernel per tensor and step instead
    of about ten, which on small networks makes a whole fit 20-30% faster (the same
    arithmetic; results can differ from the unfused one in the last bit). CPU needs
    torch >= 2.4; a device torch cannot fuse for keeps the plain loop."""
    try:
        param = torch.zeros(1, device=device, requires_grad=True)
        with optimizers_built_without_dynamo():
            torch.optim.Adam([param], fused=True)
    except (RuntimeError, ValueError, TypeError):
        return False
    return True


def make_monitor(estimator):
    """A new monitor for scikit-learn's stopping rules and learning-rate schedules."""
    monitor = ConvergenceMonitor(
        tol=estimator.tol, n_iter_no_change=estimator.n_iter_no_change,
        early_stopping=estimator.early_stopping and estimator.solver != "lbfgs",
        learning_rate=estimator.learning_rate,
        learning_rate_init=estimator.learning_rate_init,
        power_t=estimator.power_t, solver=estimator.solver,
    )
    monitor.scheduled = estimator.lr_schedule != "constant"
    return monitor


def refresh_training_params(estimator):
    """Point the estimator's existing net and monitor at its current parameter values.

    A warm start keeps the weights and builds a fresh optimizer from the current
    parameters (``set_params`` between fits counts, as in scikit-learn).
    """
    monitor = estimator._monitor
    early_stopping = estimator.early_stopping and estimator.solver != "lbfgs"
    if early_stopping != monitor.early_stopping:
        raise ValueError(
            f"warm_start=True cannot switch early_stopping to {estimator.early_stopping} "
            "after a fit without it (or back). Fit without warm_start, or clone the "
            "estimator, to start over."
        )
    net = estimator.net_
    for name in [k for k in vars(net) if k.startswith("optimizer__")]:
        delattr(net, name)
    args = optimizer_args(estimator, net.device)
    net.optimizer, net.lr = args.pop("optimizer"), args.pop("lr")
    for name, value in args.items():
        setattr(net, f"optimizer__{name}", value)
    net.alpha = estimator.alpha
    net.reinitialize_optimizer()
    for name in ("tol", "n_iter_no_change", "learning_rate", "learning_rate_init",
                 "power_t", "solver"):
        setattr(monitor, name, getattr(estimator, name))
    monitor.scheduled = estimator.lr_schedule != "constant"
    monitor.current_lr_ = estimator.learning_rate_init
