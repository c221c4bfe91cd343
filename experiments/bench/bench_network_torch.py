#!/usr/bin/python3
"""The smoothing network in PyTorch (CPU), timed for bench_network.cpp.

Same architecture as docs/spec/network.md and the C++ engine: BN with the image's
own statistics (track_running_stats=False, so train and eval alike), the
transposed convolution cropped to H x W, T255 = conv26 + I255.

    bench_network_torch.py --mode infer|train --height H --width W
                           [--threads N] [--repeats N] [--precision fp32|bf16]

Prints one line per variant: "ROW kind WxH impl median_ms min_ms peak_MiB cpu_ms".
Inference variants: eager NCHW, eager channels-last, TorchScript-frozen
(all per-image BN, the same maths as ours), and TorchScript-frozen with BN
folded into the convolutions from running statistics -- not the same maths
(PyTorch's best case, for scale only). Training: forward + backward, and
with torch.optim.Adam (lr 0.01). --precision bf16: PyTorch's own mixed
precision (torch.autocast on the CPU, bfloat16; fp32 weights), eager
channels-last inference and forward + backward only. Each variant's peak RSS is measured after
resetting VmHWM, like the C++ side. Run with Debian's /usr/bin/python3.
"""
import argparse
import resource
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print(f"bench_network_torch: {e} (needs Debian's python3-torch)", file=sys.stderr)
    sys.exit(77)


class Block(nn.Module):
    def __init__(self, c, d, running):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=d, dilation=d)
        self.bn1 = nn.BatchNorm2d(c, track_running_stats=running)
        self.conv2 = nn.Conv2d(c, c, 3, padding=d, dilation=d)
        self.bn2 = nn.BatchNorm2d(c, track_running_stats=running)

    def forward(self, x):
        r = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(r)) + x)


class SmoothingNet(nn.Module):
    def __init__(self, c=64, dilations=(2, 2, 4, 4, 8, 8, 16, 16, 1, 1), running=False):
        super().__init__()

        def cbr(cin, cout, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1),
                                 nn.BatchNorm2d(cout, track_running_stats=running), nn.ReLU())

        self.head = nn.Sequential(cbr(3, c), cbr(c, c), cbr(c, c, 2))
        self.blocks = nn.Sequential(*[Block(c, d, running) for d in dilations])
        self.up = nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)
        self.up_bn = nn.BatchNorm2d(c, track_running_stats=running)
        self.tail = cbr(c, c)
        self.out = nn.Conv2d(c, 3, 1)

    def forward(self, img255):
        h, w = img255.shape[-2], img255.shape[-1]
        x = self.blocks(self.head(img255 - 115.0))
        x = F.relu(self.up_bn(self.up(x)[:, :, :h, :w]))
        return self.out(self.tail(x)) + img255


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


LAST_CPU_MS = float("nan")


def timed(fn, repeats, warmup=1):
    """Median and min wall ms; the median CPU ms (all threads) goes to
    LAST_CPU_MS, as bench_network.cpp does."""
    global LAST_CPU_MS
    for _ in range(warmup):
        fn()
    ms, cpu = [], []
    for _ in range(repeats):
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu.append((cpu_seconds() - c0) * 1e3)
    LAST_CPU_MS = statistics.median(cpu)
    return statistics.median(ms), min(ms)


def row(kind, size, impl, med, mn, peak):
    print(f"ROW {kind} {size} {impl} {med:.3f} {mn:.3f} {peak:.1f} {LAST_CPU_MS:.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["infer", "train"], required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    size = f"{a.width}x{a.height}"
    img = torch.rand(1, 3, a.height, a.width) * 255

    if a.precision == "bf16":
        autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16)
        cl_img = img.contiguous(memory_format=torch.channels_last)
        if a.mode == "infer":
            model = SmoothingNet().eval().to(memory_format=torch.channels_last)
            with torch.inference_mode(), autocast():
                reset_peak()
                med, mn = timed(lambda: model(cl_img), a.repeats)
                row("inference", size, "pytorch_autocast_bf16_channels_last", med, mn, peak_mib())
        else:
            model = SmoothingNet().train().to(memory_format=torch.channels_last)
            g = torch.rand(1, 3, a.height, a.width) * 2 - 1

            def step():
                model.zero_grad(set_to_none=True)
                with autocast():
                    out = model(cl_img)
                (out.float() * g).sum().backward()

            reset_peak()
            med, mn = timed(step, a.repeats)
            row("train_step", size, "pytorch_autocast_bf16_fwd+bwd", med, mn, peak_mib())
        return

    if a.mode == "infer":
        model = SmoothingNet().eval()
        with torch.inference_mode():
            reset_peak()
            med, mn = timed(lambda: model(img), a.repeats)
            row("inference", size, "pytorch_eager_nchw", med, mn, peak_mib())
            cl_model = SmoothingNet().eval().to(memory_format=torch.channels_last)
            cl_img = img.contiguous(memory_format=torch.channels_last)
            reset_peak()
            med, mn = timed(lambda: cl_model(cl_img), a.repeats)
            row("inference", size, "pytorch_eager_channels_last", med, mn, peak_mib())
        with torch.no_grad():
            frozen = torch.jit.freeze(torch.jit.script(SmoothingNet().eval()))
            reset_peak()
            med, mn = timed(lambda: frozen(img), a.repeats, warmup=2)
            row("inference", size, "pytorch_torchscript_frozen", med, mn, peak_mib())
            folded = torch.jit.freeze(torch.jit.script(SmoothingNet(running=True).eval()))
            reset_peak()
            med, mn = timed(lambda: folded(img), a.repeats, warmup=2)
            row("inference", size, "pytorch_frozen_BN_folded(other_maths)", med, mn, peak_mib())
    else:
        model = SmoothingNet().train()
        g = torch.rand(1, 3, a.height, a.width) * 2 - 1

        def step():
            model.zero_grad(set_to_none=True)
            (model(img) * g).sum().backward()

        reset_peak()
        med, mn = timed(step, a.repeats)
        row("train_step", size, "pytorch_fwd+bwd", med, mn, peak_mib())
        opt = torch.optim.Adam(model.parameters(), lr=0.01)

        def step_adam():
            opt.zero_grad(set_to_none=True)
            (model(img) * g).sum().backward()
            opt.step()

        reset_peak()
        med, mn = timed(step_adam, a.repeats)
        row("train_step_adam", size, "pytorch_fwd+bwd+Adam", med, mn, peak_mib())


if __name__ == "__main__":
    main()
