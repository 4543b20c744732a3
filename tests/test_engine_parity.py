"""nblib.engine agrees with PyTorch (float64) on values and gradients.

Needs the ``parity`` extra (torch==2.13.0, a CPU build on the course's machines):
``make test EXTRAS=test,parity``.  Without torch these tests are skipped, except
on CI (``CI=true``), where a missing torch is a failure.

Besides micrograd's two classic expressions, a few hundred random expression
graphs are built from a recipe that is replayed once with ``Value`` leaves and
once with ``torch.tensor`` leaves: the same Python code (``a * b``, ``a.tanh()``,
``c / a``...) runs on both, so the two graphs are the same by construction.
"""

import math
import os
import random
import types

import pytest

from nblib.engine import Value, weighted_sum

try:
    import torch
except ImportError:
    torch = None

INSTALL_HINT = "install torch==2.13.0 (make test EXTRAS=test,parity) to run the parity tests"
ON_CI = os.environ.get("CI") == "true"

if torch is None and not ON_CI:
    pytest.skip(INSTALL_HINT, allow_module_level=True)

needs_torch = pytest.mark.skipif(torch is None, reason="torch missing: see test_torch_is_installed")

RTOL, ATOL = 1e-6, 1e-9


def close(ours, theirs):
    return math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=ATOL)


def test_torch_is_installed():
    if torch is None:
        pytest.fail("torch missing in CI: install the parity extra (make test EXTRAS=test,parity)")


def tensor(x, requires_grad=True):
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=requires_grad)


# --- micrograd's classic tests, against torch as micrograd checks them -------------------------


def sanity_check(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


@needs_torch
def test_micrograd_sanity_check_against_torch():
    x, xt = Value(-4.0), tensor(-4.0)
    y, yt = sanity_check(x), sanity_check(xt)
    y.backward()
    yt.backward()
    assert close(y.data, yt.item()) and close(x.grad, xt.grad.item())


@needs_torch
def test_micrograd_more_ops_against_torch():
    a, b = Value(-4.0), Value(2.0)
    at, bt = tensor(-4.0), tensor(2.0)
    g, gt = more_ops(a, b), more_ops(at, bt)
    g.backward()
    gt.backward()
    assert close(g.data, gt.item())
    assert close(a.grad, at.grad.item()) and close(b.grad, bt.grad.item())


# --- random expression graphs ---------------------------------------------------------------


def torch_weighted_sum(weights, inputs, bias):
    total = bias
    for w, x in zip(weights, inputs):
        total = total + w * x
    return total


ENGINE = types.SimpleNamespace(leaf=lambda x, rg: Value(x, requires_grad=rg),
                               weighted_sum=weighted_sum)
TORCH = types.SimpleNamespace(leaf=lambda x, rg: tensor(x, rg), weighted_sum=torch_weighted_sum)

# Each operation: its inputs ("n" a node, "c" a number, "k" an exponent, "w" a weighted sum's
# weights, inputs and bias), how to apply it -- the same code for both backends -- and the
# condition on its inputs' values that keeps it defined and sane.
OPERATIONS = {
    "add": ("nn", lambda B, a, b: a + b, lambda a, b: True),
    "sub": ("nn", lambda B, a, b: a - b, lambda a, b: True),
    "mul": ("nn", lambda B, a, b: a * b, lambda a, b: True),
    "div": ("nn", lambda B, a, b: a / b, lambda a, b: abs(b) > 0.3),
    "neg": ("n", lambda B, a: -a, lambda a: True),
    "pow_int": ("nk", lambda B, a, k: a**k, lambda a, k: abs(a) < 4),
    "pow_negative_int": ("nk", lambda B, a, k: a**k, lambda a, k: abs(a) > 0.3),
    "pow_float": ("nk", lambda B, a, p: a**p, lambda a, p: a > 0.2),
    "add_constant": ("nc", lambda B, a, c: a + c, lambda a, c: True),
    "sub_constant": ("nc", lambda B, a, c: a - c, lambda a, c: True),
    "mul_constant": ("nc", lambda B, a, c: a * c, lambda a, c: True),
    "div_constant": ("nc", lambda B, a, c: a / c, lambda a, c: abs(c) > 0.3),
    "radd": ("nc", lambda B, a, c: c + a, lambda a, c: True),
    "rsub": ("nc", lambda B, a, c: c - a, lambda a, c: True),
    "rmul": ("nc", lambda B, a, c: c * a, lambda a, c: True),
    "rdiv": ("nc", lambda B, a, c: c / a, lambda a, c: abs(a) > 0.3),
    "exp": ("n", lambda B, a: a.exp(), lambda a: a < 4),
    "log": ("n", lambda B, a: a.log(), lambda a: a > 0.1),
    "log_of_square_plus_one": ("n", lambda B, a: (a * a + 1).log(), lambda a: abs(a) < 30),
    "log_sigmoid": ("n", lambda B, a: a.sigmoid().log(), lambda a: a > -20),
    "log_exp": ("n", lambda B, a: a.exp().log(), lambda a: a < 4),
    "tanh": ("n", lambda B, a: a.tanh(), lambda a: True),
    "sigmoid": ("n", lambda B, a: a.sigmoid(), lambda a: True),
    "relu": ("n", lambda B, a: a.relu(), lambda a: abs(a) > 1e-3),  # away from the kink
    "weighted_sum": ("w", lambda B, *items: B.weighted_sum(*split_weighted(items)),
                     lambda *items: True),
}
EXPONENTS = {
    "pow_int": [2, 3],
    "pow_negative_int": [-1, -2],
    "pow_float": [0.5, 1.5, -0.5, 2.5, 1 / 3],
}
LARGEST = 50.0  # reject steps whose value leaves [-50, 50]: no overflow, sane gradients


def split_weighted(items):
    """n weights, n inputs, a bias."""
    n = (len(items) - 1) // 2
    return items[:n], items[n:2 * n], items[-1]


def random_recipe(seed):
    """A random expression graph as (leaves, steps).

    leaves: [(value, requires_grad)]; steps: [(operation, items)] where an item is
    ("node", index into leaves + earlier steps) or ("number", a constant).
    """
    rng = random.Random(seed)
    leaves = [(round(rng.uniform(-2, 2), 4), index == 0 or rng.random() < 0.8)
              for index in range(rng.randint(2, 5))]
    pool = [Value(x, requires_grad=rg) for x, rg in leaves]  # to check each step's domain
    steps = []

    def node():  # favour recent nodes for depth; any node for shared subexpressions
        if rng.random() < 0.5:
            return ("node", rng.randrange(max(0, len(pool) - 3), len(pool)))
        return ("node", rng.randrange(len(pool)))

    def number():
        return ("number", round(rng.choice([-1, 1]) * rng.uniform(0.5, 3), 3))

    for _ in range(rng.randint(6, 24)):
        for _attempt in range(100):
            name = rng.choice(list(OPERATIONS))
            signature, apply, defined = OPERATIONS[name]
            if signature == "w":
                n = rng.randint(1, 4)
                items = ([node() for _ in range(n)]
                         + [node() if rng.random() < 0.6 else number() for _ in range(n + 1)])
            else:
                items = [node() if kind == "n" else number() if kind == "c"
                         else ("number", rng.choice(EXPONENTS[name])) for kind in signature]
            if not defined(*[pool[i].data if kind == "node" else i for kind, i in items]):
                continue
            out = apply(ENGINE, *[pool[i] if kind == "node" else i for kind, i in items])
            if abs(out.data) <= LARGEST:
                pool.append(out)
                steps.append((name, items))
                break
    return leaves, steps


def build(backend, leaves, steps):
    """Replay a recipe: (leaf nodes, step nodes, root) where root sums every unused node."""
    nodes = [backend.leaf(x, rg) for x, rg in leaves]
    used = set()
    for name, items in steps:
        apply = OPERATIONS[name][1]
        used.update(i for kind, i in items if kind == "node")
        nodes.append(apply(backend, *[nodes[i] if kind == "node" else i for kind, i in items]))
    root = nodes[-1]
    for index in range(len(nodes) - 1):
        if index not in used:  # every node reaches the root, every leaf gets a gradient
            root = root + nodes[index]
    return nodes[:len(leaves)], nodes[len(leaves):], root


N_GRAPHS = 250
RECIPES = [random_recipe(seed) for seed in range(N_GRAPHS)]


def test_random_graphs_use_every_operation_and_share_nodes():
    used = {name for _, steps in RECIPES for name, _ in steps}
    assert used == set(OPERATIONS)
    assert all(len(steps) >= 6 for _, steps in RECIPES)
    sharing = 0
    for _, steps in RECIPES:
        references = [i for _, items in steps for kind, i in items if kind == "node"]
        sharing += len(references) > len(set(references))
    assert sharing > N_GRAPHS * 0.9  # nodes used more than once (a * a, a in several branches)
    assert sum(not rg for leaves, _ in RECIPES for _, rg in leaves) > 50  # constant leaves


@needs_torch
@pytest.mark.parametrize("seed", range(N_GRAPHS))
def test_random_graph_matches_torch(seed):
    leaves, steps = RECIPES[seed]
    our_leaves, our_steps, root = build(ENGINE, leaves, steps)
    torch_leaves, torch_steps, torch_root = build(TORCH, leaves, steps)
    for t in torch_steps:
        if t.requires_grad:
            t.retain_grad()
    root.backward()
    torch_root.backward()

    recipe = f"recipe {seed}: leaves {leaves}, steps {steps}"
    assert close(root.data, torch_root.item()), recipe
    for index, (ours, theirs) in enumerate(zip(our_steps, torch_steps)):
        where = f"step {index} ({steps[index][0]}) of {recipe}"
        assert close(ours.data, theirs.item()), where
        assert ours.requires_grad == theirs.requires_grad, where
        if theirs.requires_grad:
            assert close(ours.grad, theirs.grad.item()), where
        else:
            assert ours.grad == 0.0, where
    for index, (ours, theirs) in enumerate(zip(our_leaves, torch_leaves)):
        if theirs.requires_grad:
            assert close(ours.grad, theirs.grad.item()), f"leaf {index} of {recipe}"
        else:
            assert ours.grad == 0.0 and theirs.grad is None, f"leaf {index} of {recipe}"


@needs_torch
def test_parity_check_would_catch_a_wrong_gradient(monkeypatch):
    # The comparison is sharp: a tanh whose backward is off by 1e-5 relative is caught.
    original = Value.tanh

    def slightly_wrong_tanh(self):
        out = original(self)
        right = out._backward
        out._backward = lambda grad: right(grad * (1 + 1e-5))
        return out

    monkeypatch.setattr(Value, "tanh", slightly_wrong_tanh)
    seed = next(s for s, (_, steps) in enumerate(RECIPES) if steps[-1][0] == "tanh")
    with pytest.raises(AssertionError):
        test_random_graph_matches_torch(seed)
