#!/usr/bin/python3
"""PyTorch reference for the network tests (tests/network/*.cpp).

An independent implementation of docs/spec/network.md with torch.nn.functional,
evaluated in float64 with autograd, so the C++ engine is compared with an
answer whose own error is negligible.

    torch_reference.py layer DIR      one conv / transposed conv / BN layer
    torch_reference.py network DIR    the whole network
    torch_reference.py selfcheck      gradcheck of the reference network (float64)

DIR holds a JSON description and raw little-endian float32 inputs written by
the C++ test; outputs are written there as raw float64 (NAME.f64).
Run with Debian's /usr/bin/python3 (python3-torch); exit code 77 = no torch.
"""
import json
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C++ test checks first; this is for manual runs
    print(f"SKIP: {e}", file=sys.stderr)
    sys.exit(77)

# float64 unless ISMOOTH_REFERENCE_DTYPE=float32 (to measure what fp32 itself
# achieves on a case, when judging a tolerance).
DTYPE = getattr(torch, os.environ.get("ISMOOTH_REFERENCE_DTYPE", "float64"))
torch.set_default_dtype(DTYPE)


def load(d, name, shape):
    a = np.fromfile(os.path.join(d, name + ".f32"), dtype="<f4")
    assert a.size == int(np.prod(shape)), (name, a.size, shape)
    return torch.tensor(a.astype(np.float64).reshape(shape), dtype=DTYPE, requires_grad=True)


def save(d, name, t):
    t.detach().cpu().numpy().astype("<f8").tofile(os.path.join(d, name + ".f64"))


def conv_layer(spec, x, w, b):
    """Convolution or transposed convolution as network_description.hpp says,
    including the odd-size crop of the transposed one."""
    if spec["op"] == "deconv":
        y = F.conv_transpose2d(x, w, b, stride=spec["stride"], padding=spec["padding"])
        return y[:, :, : spec["out_h"], : spec["out_w"]]
    return F.conv2d(x, w, b, stride=spec["stride"], padding=spec["padding"],
                    dilation=spec["dilation"])


def run_layer(d):
    spec = json.load(open(os.path.join(d, "spec.json")))
    cin, cout, h, w_ = spec["in_channels"], spec["out_channels"], spec["H"], spec["W"]
    if spec["op"] == "bn":
        x = load(d, "x", (1, cout, h, w_))
        gamma = load(d, "gamma", (cout,))
        beta = load(d, "beta", (cout,))
        y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=spec["eps"])
        inputs = {"x": x, "gamma": gamma, "beta": beta}
        if spec["skip"]:
            skip = load(d, "skip", (1, cout, h, w_))
            y = y + skip
            inputs["skip"] = skip
        if spec["relu"]:
            y = F.relu(y)
    else:
        k = spec["kernel"]
        wshape = (cin, cout, k, k) if spec["op"] == "deconv" else (cout, cin, k, k)
        x = load(d, "x", (1, cin, h, w_))
        w = load(d, "w", wshape)
        b = load(d, "b", (cout,)) if spec["bias"] else None
        y = conv_layer(spec, x, w, b)
        inputs = {"x": x, "w": w}
        if b is not None:
            inputs["b"] = b
    gy = load(d, "gy", tuple(y.shape))
    (y * gy).sum().backward()
    save(d, "y", y)
    for name, t in inputs.items():
        save(d, "grad_" + name, t.grad)


def network(img, p, cfg, pre_relu=None):
    """T255 for img (3, H, W) on 0-255 from the named parameters p. Appends
    every ReLU input to pre_relu if given."""
    H, W = img.shape[1], img.shape[2]
    eps = cfg["eps"]

    def conv(n, h, stride=1, dilation=1, padding=1):
        return F.conv2d(h, p[f"conv{n}.weight"], p[f"conv{n}.bias"], stride=stride,
                        padding=padding, dilation=dilation)

    def bn(n, h):
        return F.batch_norm(h, None, None, p[f"bn{n}.weight"], p[f"bn{n}.bias"], training=True,
                            eps=eps)

    def relu(v):
        if pre_relu is not None:
            pre_relu.append(v)
        return F.relu(v)

    x = img.unsqueeze(0) - 115.0
    h = relu(bn(1, conv(1, x)))
    h = relu(bn(2, conv(2, h)))
    h = relu(bn(3, conv(3, h, stride=2)))
    n = 4
    for dil in cfg["dilations"]:
        r = relu(bn(n, conv(n, h, dilation=dil, padding=dil)))
        r = bn(n + 1, conv(n + 1, r, dilation=dil, padding=dil))
        h = relu(r + h)
        n += 2
    y = F.conv_transpose2d(h, p[f"conv{n}.weight"], p[f"conv{n}.bias"], stride=2, padding=1)
    h = relu(bn(n, y[:, :, :H, :W]))
    n += 1
    h = relu(bn(n, conv(n, h)))
    n += 1
    out = conv(n, h, padding=0)[0]
    return out + img if cfg["residual"] else out


def run_network(d):
    cfg = json.load(open(os.path.join(d, "network.json")))
    H, W = cfg["H"], cfg["W"]
    p = {t["name"]: load(d, t["name"], tuple(t["shape"])) for t in cfg["tensors"]}
    img = load(d, "input", (3, H, W))
    pre = []
    t = network(img, p, cfg, pre)
    # The ReLU margin: the smallest |input| of any ReLU. A tiny margin means
    # fp32 rounding may flip a mask and change a gradient discretely; the
    # C++ test then draws another input.
    margin = min(v.detach().abs().min() for v in pre)
    save(d, "margin", margin.reshape(1))
    gt = load(d, "grad_output", (3, H, W))
    (t * gt).sum().backward()
    save(d, "output", t)
    save(d, "grad_input", img.grad)
    for name, v in p.items():
        save(d, "grad_" + name, v.grad)


def self_check():
    """The reference's own gradients against finite differences (float64)."""
    torch.manual_seed(0)
    cfg = {"eps": 1e-5, "dilations": [2], "residual": True}
    c = 3
    shapes = {"conv1": (c, 3, 3, 3), "conv2": (c, c, 3, 3), "conv3": (c, c, 3, 3),
              "conv4": (c, c, 3, 3), "conv5": (c, c, 3, 3), "conv6": (c, c, 4, 4),
              "conv7": (c, c, 3, 3), "conv8": (3, c, 1, 1)}
    p = {}
    for name, shape in shapes.items():
        p[name + ".weight"] = (torch.rand(shape) - 0.5).requires_grad_()
        p[name + ".bias"] = (torch.rand(shape[0] if name != "conv6" else shape[1]) - 0.5)\
            .requires_grad_()
        if name != "conv8":
            p["bn" + name[4:] + ".weight"] = (torch.rand(c) + 0.5).requires_grad_()
            p["bn" + name[4:] + ".bias"] = (torch.rand(c) - 0.5).requires_grad_()
    img = (torch.rand(3, 7, 5) * 255).requires_grad_()
    names = list(p)

    def f(image, *values):
        return network(image, dict(zip(names, values)), cfg)

    ok = torch.autograd.gradcheck(f, (img, *p.values()), eps=1e-6, atol=1e-5, rtol=1e-4)
    print("gradcheck", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "selfcheck":
        sys.exit(self_check())
    if len(sys.argv) != 3 or sys.argv[1] not in ("layer", "network"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (run_layer if sys.argv[1] == "layer" else run_network)(sys.argv[2])
