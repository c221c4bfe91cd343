#!/usr/bin/env python3
"""The smoothing network in PyTorch CUDA eager, timed for bench_network_cuda.

The network is bench_network_torch.py's SmoothingNet (per-image BN, the
transposed convolution cropped to H x W, T255 = conv26 + I255), channels-last
like ours. Timings use CUDA events after a warm-up; median and min of the
repeats.

    bench_network_cuda_torch.py [--sizes 224x224,640x480,1280x720] [--repeats N]

Prints "ROW kind WxH impl median_ms min_ms" lines: inference in fp32 (TF32
off), tf32, bf16 and fp16 (autocast), a training step at 224x224
(forward + backward with a given dL/dT, fp32 and tf32), and that step with
torch.optim.Adam. Exit 77 when torch or CUDA is missing.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
except ImportError as e:
    print(f"bench_network_cuda_torch: {e}", file=sys.stderr)
    sys.exit(77)
if not torch.cuda.is_available():
    print("bench_network_cuda_torch: torch has no CUDA device", file=sys.stderr)
    sys.exit(77)
from bench_network_torch import SmoothingNet  # noqa: E402


def time_cuda(f, warmup, repeats):
    for _ in range(warmup):
        f()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        f()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times), min(times)


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="224x224,640x480,1280x720")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    net = SmoothingNet().to(dev).to(memory_format=torch.channels_last)
    for size in args.sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        x = (torch.rand(1, 3, h, w, device=dev) * 255).to(memory_format=torch.channels_last)
        for name, tf32, dtype in [("fp32", False, None), ("tf32", True, None),
                                  ("bf16", True, torch.bfloat16), ("fp16", True, torch.float16)]:
            set_tf32(tf32)

            def run():
                with torch.no_grad():
                    if dtype is None:
                        net(x)
                    else:
                        with torch.autocast("cuda", dtype=dtype):
                            net(x)

            med, mn = time_cuda(run, 3, args.repeats)
            print(f"ROW inference {w}x{h} torch-eager-{name} {med:.4f} {mn:.4f}", flush=True)
    x = (torch.rand(1, 3, 224, 224, device=dev) * 255).to(memory_format=torch.channels_last)
    g = torch.randn(1, 3, 224, 224, device=dev).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for name, tf32 in [("fp32", False), ("tf32", True)]:
        set_tf32(tf32)

        def step():
            net.zero_grad(set_to_none=True)
            net(x).backward(g)

        def step_adam():
            step()
            opt.step()

        med, mn = time_cuda(step, 3, args.repeats)
        print(f"ROW train_fwd_bwd 224x224 torch-eager-{name} {med:.4f} {mn:.4f}", flush=True)
        med, mn = time_cuda(step_adam, 3, args.repeats)
        print(f"ROW train_fwd_bwd_adam 224x224 torch-eager-{name} {med:.4f} {mn:.4f}", flush=True)


if __name__ == "__main__":
    main()
