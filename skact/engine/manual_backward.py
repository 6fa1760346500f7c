"""Hand-written gradients for plain MLPs: a training step without autograd. Internal.

On a small network (iris' 4-100-3) a training step is a dozen tiny tensor operations, and
autograd's graph recording and backward engine cost about as much as all of them: half of
a small-data fit. For the networks scikit-learn's MLP builds (Linear layers joined by
relu, leaky_relu, tanh, sigmoid or identity, no dropout or batch norm) the backward pass
is, per layer, two matrix products, a bias sum and an elementwise derivative, which
:class:`ManualStep` computes directly, with the same loss and gradients as autograd (up to
float rounding).

:func:`manual_step_for` decides once per fit whether a net qualifies; anything else (input
layers, learnable or other activations, dropout, module hooks, an unknown loss) trains
through autograd as before.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ManualStep", "manual_step_for"]

# activation class -> its derivative, from the layer's input z and output h
_DERIVATIVES = {
    nn.ReLU: lambda g, z, h, m: torch.ops.aten.threshold_backward(g, h, 0),
    nn.LeakyReLU: lambda g, z, h, m: torch.ops.aten.leaky_relu_backward(
        g, z, m.negative_slope, False),
    nn.Tanh: lambda g, z, h, m: torch.ops.aten.tanh_backward(g, h),
    nn.Sigmoid: lambda g, z, h, m: torch.ops.aten.sigmoid_backward(g, h),
    nn.Identity: lambda g, z, h, m: g,
}
_LOSS_KINDS = ("cross_entropy", "binary", "squared_error", "poisson")


_HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def _has_hooks(module) -> bool:
    """Whether any forward/backward hook would run on ``module``: registered globally
    (``torch.nn.modules.module.register_module_forward_hook`` and kin) or on a submodule."""
    if any(getattr(nn.modules.module, "_global" + name, None) for name in _HOOKS):
        return True
    return any(getattr(m, name, None) for m in module.modules() for name in _HOOKS)


def manual_step_for(net):
    """A :class:`ManualStep` for ``net``'s module and loss, or None where autograd must run.

    Checked once per fit: the module must be skact's plain ``MLP`` (exact classes only, so a
    subclass with its own ``forward`` is never second-guessed), every parameter trained,
    no hooks anywhere, and a loss kind whose gradient is written out below.
    """
    from skact.nn.modules import MLP

    module, criterion = net.module_, net.criterion_
    if type(module) is not MLP or getattr(criterion, "kind", None) not in _LOSS_KINDS:
        return None
    if not torch.is_grad_enabled() or _has_hooks(module):
        return None
    layers = list(module.layers)
    linears, activations = layers[0::2], layers[1::2]
    if len(linears) != len(activations) + 1 or any(
            type(m) is not nn.Linear or m.bias is None for m in linears):
        return None
    if any(type(m) not in _DERIVATIVES for m in activations):
        return None
    params = list(module.parameters())
    trained = {id(p) for p in net._trained}  # the optimizers' parameters, found per fit
    if len(params) != 2 * len(linears) or any(
            not p.requires_grad or id(p) not in trained for p in params):
        return None
    return ManualStep(linears, activations, criterion, net._data_loss, alpha=net.alpha)


class ManualStep:
    """Forward pass, loss and gradients of a plain MLP, written out by hand.

    :meth:`__call__` sets ``.grad`` on every weight and bias (as ``loss.backward()`` would,
    with the gradients reset first) and returns ``(raw outputs, loss, weight total,
    penalised)``, the loss being the batch's (weighted) mean without the L2 term, like
    ``net._data_loss``. ``penalised`` says whether the L2 term's gradient ``alpha / total *
    W`` is already in the weights' gradients: it is folded into their matrix product
    (``addmm``) when the batch is unweighted, which saves a pass over every weight.
    """

    def __init__(self, linears, activations, criterion, data_loss, alpha=0.0):
        self.linears = linears
        self.activations = activations
        self.derivatives = [_DERIVATIVES[type(m)] for m in activations]
        self.criterion = criterion
        self.data_loss = data_loss  # the net's own (weighted) mean loss: SkactNet._data_loss
        self.alpha = alpha

    @torch.no_grad()
    def __call__(self, X, y, w):
        inputs, pre_activations = [X], []
        h = X
        for linear, activation in zip(self.linears, self.activations):
            z = F.linear(h, linear.weight, linear.bias)
            h = activation(z)
            pre_activations.append(z)
            inputs.append(h)
        last = self.linears[-1]
        raw = F.linear(h, last.weight, last.bias)
        loss, total = self.data_loss(raw, (y, w))
        g = self._output_gradient(raw, y, w, total)
        penalised = bool(self.alpha) and w is None
        coef = self.alpha / total if penalised else 0.0
        for i in range(len(self.linears) - 1, -1, -1):
            linear = self.linears[i]
            if penalised:  # coef * W + g' h in one op
                linear.weight.grad = torch.addmm(linear.weight, g.t(), inputs[i], beta=coef)
            else:
                linear.weight.grad = torch.mm(g.t(), inputs[i])
            linear.bias.grad = g.sum(0)
            if i:
                g = torch.mm(g, linear.weight)
                g = self.derivatives[i - 1](g, pre_activations[i - 1], inputs[i],
                                            self.activations[i - 1])
        return raw, loss, total, penalised

    def _output_gradient(self, raw, y, w, total):
        """d(mean loss)/d(raw outputs), per row and output."""
        criterion = self.criterion
        kind, eps = criterion.kind, criterion.label_smoothing
        if kind == "cross_entropy":
            # softmax minus the (smoothed) one-hot target
            g = torch.softmax(raw, dim=1)
            g.scatter_add_(1, y.view(-1, 1), g.new_full((raw.shape[0], 1), -(1.0 - eps)))
            if eps:
                g.sub_(eps / raw.shape[1])
        elif kind == "binary":
            g = torch.sigmoid(raw).sub_(criterion._smoothed(y))
        elif kind == "squared_error":
            g = (raw - y).div_(raw.shape[1])
        else:  # poisson, exp link
            g = torch.exp(raw).sub_(y)
        if w is None:
            return g.div_(total)
        return g.mul_((w / total).view(-1, 1))
