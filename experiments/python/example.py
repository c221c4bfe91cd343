#!/usr/bin/env python3
# The worked example of docs/python.md: load a photo with PIL, smooth it
# with the shipped network, compare energies, plot the solvers' traces.
# Run from the repository root, under Debian's interpreter:
#   PYTHONPATH=build/experiments/python /usr/bin/python3 experiments/python/example.py
import numpy as np
from PIL import Image
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import ismooth

photo = np.asarray(Image.open("/usr/lib/python3/dist-packages/skimage/data/astronaut.png")
                   .convert("RGB"))[100:228, 150:278]          # 128 x 128 crop, uint8

net = ismooth.smooth(photo)                                    # float32, 0-255
Image.fromarray(np.round(net).astype(np.uint8)).save("astronaut_smooth.png")

# Compare energies under the solver study's all-L0.8 map (energy="l08", which
# also sets lambda_e = 0, so IRLS applies): T = I, the network's output, and
# each per-image solver started from T = I.
print("T = I   ", ismooth.energy(photo, photo, energy="l08")["total"])
print("network ", ismooth.energy(photo, net, energy="l08")["total"])
traces = {}
for solver, iterations in [("adam", 100), ("lbfgs", 100), ("irls", 10)]:
    T, summary = ismooth.solve(photo, solver, energy="l08", iterations=iterations)
    print(f"{solver:8s}", summary["final_energy"], summary["termination"])
    traces[solver] = summary["records"]

for name, r in traces.items():
    plt.semilogy(r["seconds"], r["energy"], marker=".", label=name)
plt.xlabel("seconds")
plt.ylabel("energy (Eq. 1, all-L0.8)")
plt.legend()
plt.savefig("trace.png", dpi=120)
